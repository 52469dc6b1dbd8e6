/**
 * What the cluster has, read before anything is changed: the topics (for patterns), and per
 * topic the nsqd that carry it with their `/stats` (for the per-node plan and for what a delete
 * or empty would lose). Through lookupd (`/topics`, `/lookup` on every lookupd, merged by
 * `broadcast_address:http_port`) or, with only `--nsqd-http-address`, from each nsqd's `/stats`.
 * Every read is recorded as a call, so a node that did not answer is named with the reason.
 */
import {AddressMap, LookupdHttpClient, NsqdHttpClient, type HttpOptions, type NsqdStats, type TopicStats} from '../../core/index.js'
import {nodeHttpAddress} from '../stat/discovery.js'
import {mapBounded} from './bounded.js'
import {failure} from './call-error.js'
import type {CallResult, Role} from './types.js'

/** Where the cluster is and how to talk to it. */
export interface ClusterAccess {
  lookupd: readonly string[]
  nsqd: readonly string[]
  http: HttpOptions
  addressMap?: AddressMap
  /** Most calls in flight at once to independent nodes. */
  concurrency: number
  signal?: AbortSignal | undefined
}

/** What discovery knows about one topic. */
export interface TopicState {
  topic: string
  /** nsqd HTTP address → that node's stats of the topic, for every node that carries it and answered. */
  producers: Map<string, TopicStats>
  /** Channels any lookupd lists for the topic. */
  lookupdChannels: Set<string>
}

/** Collects the discovery reads in order. */
export class CallLog {
  readonly calls: CallResult[] = []

  /** Runs one GET and records how it ended; undefined when it failed. */
  async read<T>(role: Role, address: string, request: string, topic: string | undefined, run: () => Promise<T>): Promise<T | undefined> {
    const base: CallResult = {action: 'discover', role, address, method: 'GET', request, status: 'ok'}
    if (topic !== undefined) base.topic = topic
    // The slot is taken when the call starts, so the log is in start order, not completion order.
    const slot = this.calls.push(base) - 1
    try {
      return await run()
    } catch (error) {
      this.calls[slot] = {...base, ...failure(error)}
      return undefined
    }
  }
}

const statsRequest = (topic: string | undefined): string =>
  `/stats?format=json${topic === undefined ? '' : `&topic=${encodeURIComponent(topic)}`}&include_clients=false`

/** Every topic name the cluster lists: lookupd `/topics` merged, or the topics of each nsqd's `/stats`. */
export async function listTopics(access: ClusterAccess, log: CallLog): Promise<string[]> {
  const names = new Set<string>()
  if (access.lookupd.length > 0) {
    const answers = await mapBounded(access.lookupd, access.concurrency, (address) =>
      log.read('lookupd', address, '/topics', undefined, () => new LookupdHttpClient(address, access.http).topics(access.signal)),
    )
    for (const list of answers) for (const name of list ?? []) names.add(name)
  } else {
    for (const stats of await nsqdStats(access, log, undefined)) for (const t of stats?.topics ?? []) names.add(t.topic_name)
  }
  return [...names].sort()
}

function nsqdStats(access: ClusterAccess, log: CallLog, topic: string | undefined): Promise<(NsqdStats | undefined)[]> {
  return mapBounded(access.nsqd, access.concurrency, (address) =>
    log.read('nsqd', address, statsRequest(topic), topic, () =>
      new NsqdHttpClient(address, access.http).stats(topic === undefined ? {} : {topic}, access.signal),
    ),
  )
}

/** The nsqd that carry `topic` (with their stats), and the channels lookupd lists for it. */
export async function topicState(access: ClusterAccess, topic: string, log: CallLog): Promise<TopicState> {
  const state: TopicState = {topic, producers: new Map(), lookupdChannels: new Set()}
  let candidates: string[]
  if (access.lookupd.length > 0) {
    const query = `/lookup?topic=${encodeURIComponent(topic)}`
    const answers = await mapBounded(access.lookupd, access.concurrency, (address) =>
      log.read('lookupd', address, query, topic, () => new LookupdHttpClient(address, access.http).lookup(topic, access.signal)),
    )
    const found = new Set<string>()
    for (const answer of answers) {
      for (const channel of answer?.channels ?? []) state.lookupdChannels.add(channel)
      for (const peer of answer?.producers ?? []) found.add(nodeHttpAddress(peer, access.addressMap))
    }
    candidates = [...found].sort()
    const stats = await mapBounded(candidates, access.concurrency, (address) =>
      log.read('nsqd', address, statsRequest(topic), topic, () => new NsqdHttpClient(address, access.http).stats({topic}, access.signal)),
    )
    stats.forEach((s, i) => addProducer(state, candidates[i] as string, s))
  } else {
    const stats = await nsqdStats(access, log, topic)
    stats.forEach((s, i) => addProducer(state, access.nsqd[i] as string, s))
  }
  return state
}

function addProducer(state: TopicState, address: string, stats: NsqdStats | undefined): void {
  const topic = stats?.topics.find((t) => t.topic_name === state.topic)
  if (topic !== undefined) state.producers.set(address, topic)
}

/** The HTTP address to call for a lookupd node name `broadcast_address:http_port` (address map applied). */
export function nodeAddressOf(node: string, addressMap: AddressMap = AddressMap.EMPTY): string {
  try {
    return addressMap.httpByName(node)
  } catch {
    return node
  }
}
