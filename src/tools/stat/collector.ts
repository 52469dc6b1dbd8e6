/**
 * Polls the cluster once per call: discovers the nsqd nodes (lookupd, or the given nsqd HTTP
 * addresses), then asks every node for `/stats?format=json&include_clients=false` (filtered by
 * topic / channel when they are exact names, so big clusters stay cheap to poll) in parallel.
 * A node that fails is sampled as `down` with the reason; it never fails the poll. Nodes seen
 * once stay in the set (so a node that died and dropped out of lookupd shows as down) until
 * they have been down and unlisted for `forgetAfterMs`.
 */
import {NsqdHttpClient, type AddressMap, type ChannelStats, type HttpOptions, type NsqdStats, type TopicStats} from '../../core/index.js'
import {discoverNodes, errorText} from './discovery.js'
import type {ChannelSample, LookupdStatus, NodeSample, Snapshot, TopicSample} from './model.js'
import type {NameFilter} from './name-filter.js'

export interface CollectorOptions {
  /** nsqd HTTP addresses polled directly (host:port or http(s) URL). */
  nsqd?: readonly string[]
  /** nsqlookupd HTTP addresses to discover nsqd from. */
  lookupd?: readonly string[]
  topic?: NameFilter | undefined
  channel?: NameFilter | undefined
  /** Authorization header, TLS, timeout for every HTTP call. */
  http?: HttpOptions
  /** Rewrites what lookupd reports (`broadcast:http_port` or `broadcast` → address). */
  addressMap?: AddressMap
  /** Clock in ms (injected in tests). */
  now?: () => number
  /** Drop a node that is down and no longer listed by any lookupd after this long (default 5 min). */
  forgetAfterMs?: number
  /** Also keep each node's /stats topics as nsqd sent them (filtered), with message_bytes and e2e latency: the Prometheus exporter reads them. */
  raw?: boolean
}

interface Known {
  lastListed: number
}

/** Collects one Snapshot per `poll()`. */
export class StatCollector {
  private readonly known = new Map<string, Known>()
  private readonly now: () => number
  private readonly http: HttpOptions

  constructor(private readonly options: CollectorOptions) {
    if ((options.nsqd?.length ?? 0) === 0 && (options.lookupd?.length ?? 0) === 0) {
      throw new Error('no nsqd or lookupd address to poll')
    }
    this.now = options.now ?? Date.now
    this.http = options.http ?? {}
    for (const address of options.nsqd ?? []) this.known.set(address, {lastListed: Number.POSITIVE_INFINITY})
  }

  /** One poll of every node. Never rejects for an unreachable node or lookupd (only on abort). */
  async poll(signal?: AbortSignal): Promise<Snapshot> {
    const lookupd = await this.discover(signal)
    const addresses = [...this.known.keys()].sort()
    const nodes = await Promise.all(addresses.map((address) => this.sample(address, signal)))
    signal?.throwIfAborted()
    const now = this.now()
    for (const node of nodes) {
      const known = this.known.get(node.address)
      if (node.status === 'down' && known !== undefined && now - known.lastListed > (this.options.forgetAfterMs ?? 300_000)) {
        this.known.delete(node.address)
      }
    }
    return {at: now, nodes, lookupd}
  }

  private async discover(signal?: AbortSignal): Promise<LookupdStatus[]> {
    const lookupd = this.options.lookupd ?? []
    if (lookupd.length === 0) return []
    const found = await discoverNodes(lookupd, this.options.topic?.exact, this.http, this.options.addressMap, signal)
    const now = this.now()
    for (const address of found.nodes) {
      const known = this.known.get(address)
      if (known === undefined) this.known.set(address, {lastListed: now})
      else known.lastListed = Math.max(known.lastListed, now)
    }
    return found.lookupd
  }

  private async sample(address: string, signal?: AbortSignal): Promise<NodeSample> {
    const client = new NsqdHttpClient(address, this.http)
    try {
      const stats = await client.stats(
        {topic: this.options.topic?.exact, channel: this.options.channel?.exact, includeClients: false},
        signal,
      )
      const sample: NodeSample = {address, status: 'up', at: this.now(), version: stats.version, topics: this.select(stats)}
      if (this.options.raw === true) sample.raw = this.selectRaw(stats)
      return sample
    } catch (error) {
      signal?.throwIfAborted()
      return {address, status: 'down', at: this.now(), error: errorText(error)}
    }
  }

  private selectRaw(stats: NsqdStats): TopicStats[] {
    const {topic, channel} = this.options
    return stats.topics
      .filter((t) => topic === undefined || topic.matches(t.topic_name))
      .map((t) => (channel === undefined ? t : {...t, channels: t.channels.filter((c) => channel.matches(c.channel_name))}))
      .filter((t) => channel === undefined || t.channels.length > 0)
  }

  private select(stats: NsqdStats): TopicSample[] {
    const {topic, channel} = this.options
    return (
      stats.topics
        .filter((t) => topic === undefined || topic.matches(t.topic_name))
        .map((t) => topicSample(t, channel))
        // With a channel filter, a topic without a matching channel has nothing to show.
        .filter((t) => channel === undefined || t.channels.length > 0)
    )
  }
}

function topicSample(t: TopicStats, channel: NameFilter | undefined): TopicSample {
  return {
    topic: t.topic_name,
    depth: t.depth,
    backend_depth: t.backend_depth,
    messages: t.message_count,
    paused: t.paused,
    channels: t.channels.filter((c) => channel === undefined || channel.matches(c.channel_name)).map(channelSample),
  }
}

function channelSample(c: ChannelStats): ChannelSample {
  return {
    channel: c.channel_name,
    depth: c.depth,
    backend_depth: c.backend_depth,
    in_flight: c.in_flight_count,
    deferred: c.deferred_count,
    requeued: c.requeue_count,
    timed_out: c.timeout_count,
    messages: c.message_count,
    clients: c.client_count,
    paused: c.paused,
  }
}
