/**
 * `nsq stat nodes`: what nsqadmin's Nodes page shows. Every nsqd found through the lookupd
 * (`/nodes`, merged across them, with which lookupd lists it and the tombstoned topics) and/or
 * given directly, each asked for `/info` and `/stats` (no clients) for its state and topics.
 * An unreachable node or lookupd is reported as down, not thrown.
 */
import {LookupdHttpClient, NsqdHttpClient, type AddressMap, type HttpOptions} from '../../core/index.js'
import {errorText, nodeHttpAddress} from './discovery.js'
import type {LookupdStatus} from './model.js'

export interface NodeTopic {
  topic: string
  /** Tombstoned in some lookupd (being removed from this node). */
  tombstoned: boolean
  depth: number | null
  messages: number | null
  channels: number | null
  paused: boolean | null
}

export interface NodeReport {
  /** HTTP address polled (`broadcast_address:http_port`, or as given). */
  address: string
  status: 'up' | 'down'
  error?: string
  hostname: string | null
  broadcast_address: string | null
  tcp_port: number | null
  http_port: number | null
  version: string | null
  /** nsqd's health string (`OK` or `NOK - …`). */
  health: string | null
  /** Seconds since nsqd started. */
  uptime_s: number | null
  topics: NodeTopic[]
  /** lookupd addresses that list this node. */
  listed_by: string[]
}

export interface NodesReport {
  nodes: NodeReport[]
  lookupd: LookupdStatus[]
}

export interface ReportSources {
  nsqd?: readonly string[]
  lookupd?: readonly string[]
  http?: HttpOptions
  addressMap?: AddressMap
  now?: () => number
  signal?: AbortSignal
}

interface Listing {
  hostname: string
  broadcast_address: string
  tcp_port: number
  http_port: number
  version: string
  tombstoned: Set<string>
  topics: Set<string>
  listed_by: string[]
}

/** Collects the nodes report. */
export async function nodesReport(sources: ReportSources): Promise<NodesReport> {
  const http = sources.http ?? {}
  const listings = new Map<string, Listing>()
  const lookupd: LookupdStatus[] = []
  await Promise.all(
    (sources.lookupd ?? []).map(async (address) => {
      try {
        const nodes = await new LookupdHttpClient(address, http).nodes(sources.signal)
        lookupd.push({address, status: 'up'})
        for (const node of nodes) {
          const key = nodeHttpAddress(node, sources.addressMap)
          const listing = listings.get(key) ?? {...node, tombstoned: new Set<string>(), topics: new Set<string>(), listed_by: []}
          listing.listed_by.push(address)
          node.topics.forEach((topic, i) => {
            listing.topics.add(topic)
            if (node.tombstones[i] === true) listing.tombstoned.add(topic)
          })
          listings.set(key, listing)
        }
      } catch (error) {
        lookupd.push({address, status: 'down', error: errorText(error)})
      }
    }),
  )
  const addresses = new Set([...(sources.nsqd ?? []), ...listings.keys()])
  const nodes = await Promise.all([...addresses].sort().map((address) => nodeReport(address, listings.get(address), http, sources)))
  lookupd.sort((a, b) => a.address.localeCompare(b.address))
  return {nodes, lookupd}
}

async function nodeReport(address: string, listing: Listing | undefined, http: HttpOptions, sources: ReportSources): Promise<NodeReport> {
  const client = new NsqdHttpClient(address, http)
  const listedTopics = [...(listing?.topics ?? [])]
  const base = {
    address,
    hostname: listing?.hostname ?? null,
    broadcast_address: listing?.broadcast_address ?? null,
    tcp_port: listing?.tcp_port ?? null,
    http_port: listing?.http_port ?? null,
    version: listing?.version ?? null,
    listed_by: [...(listing?.listed_by ?? [])].sort(),
  }
  try {
    const [info, stats] = await Promise.all([client.info(sources.signal), client.stats({includeClients: false}, sources.signal)])
    const names = new Set([...listedTopics, ...stats.topics.map((t) => t.topic_name)])
    const topics = [...names].sort().map((topic): NodeTopic => {
      const t = stats.topics.find((s) => s.topic_name === topic)
      return {
        topic,
        tombstoned: listing?.tombstoned.has(topic) ?? false,
        depth: t?.depth ?? null,
        messages: t?.message_count ?? null,
        channels: t?.channels.length ?? null,
        paused: t?.paused ?? null,
      }
    })
    const now = (sources.now ?? Date.now)()
    return {
      ...base,
      status: 'up',
      hostname: info.hostname,
      broadcast_address: info.broadcast_address,
      tcp_port: info.tcp_port,
      http_port: info.http_port,
      version: info.version,
      health: stats.health,
      uptime_s: Math.max(0, Math.round(now / 1000 - info.start_time)),
      topics,
    }
  } catch (error) {
    const topics = listedTopics.sort().map((topic) => ({
      topic,
      tombstoned: listing?.tombstoned.has(topic) ?? false,
      depth: null,
      messages: null,
      channels: null,
      paused: null,
    }))
    return {...base, status: 'down', error: errorText(error), health: null, uptime_s: null, topics}
  }
}
