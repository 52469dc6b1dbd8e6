/**
 * `nsq topic list` and `nsq channel list`: nsqadmin's Streams and Topic pages as rows, totals
 * across nodes, with every read recorded so an unreachable node is named, not hidden.
 */
import {LookupdHttpClient, NsqdHttpClient, type TopicStats} from '../../core/index.js'
import type {ToolResult} from '../result.js'
import {nodeHttpAddress} from '../stat/discovery.js'
import {mapBounded} from './bounded.js'
import {CallLog, listTopics, topicState, type ClusterAccess} from './discover.js'
import {needsListing, parsePatterns, selectNames} from './select.js'
import {exitCodeOf} from './summary.js'
import type {CallResult} from './types.js'

export interface TopicRow {
  topic: string
  /** nsqd nodes that carry it (0: registered in lookupd only). */
  nodes: number
  depth: number
  messages: number
  channels: string[]
  /** Paused on at least one node (as nsqadmin shows it). */
  paused: boolean
  /** Nodes where it is paused. */
  paused_on: string[]
}

export interface ChannelRow {
  topic: string
  channel: string
  nodes: number
  depth: number
  in_flight: number
  deferred: number
  messages: number
  clients: number
  paused: boolean
  paused_on: string[]
  /** Listed by lookupd but on no nsqd (yet). */
  lookupd_only: boolean
}

export interface Listing<Row> {
  rows: Row[]
  calls: CallResult[]
  problems: string[]
  exit_code: number
}

/** Topics (all, or those matching the patterns) with their totals across nodes. */
export async function listTopicRows(access: ClusterAccess, patterns: readonly string[]): Promise<ToolResult<Listing<TopicRow>>> {
  const log = new CallLog()
  const filters = parsePatterns(patterns, 'topic')
  const names = new Set(access.lookupd.length > 0 ? await listTopics(access, log) : [])
  const nodes = access.lookupd.length > 0 ? await lookupdNodes(access, log) : [...access.nsqd]
  const perNode = await mapBounded(nodes, access.concurrency, (address) =>
    log.read('nsqd', address, '/stats?format=json&include_clients=false', undefined, () =>
      new NsqdHttpClient(address, access.http).stats({}, access.signal),
    ),
  )
  const stats = new Map<string, {node: string; topic: TopicStats}[]>()
  perNode.forEach((s, i) => {
    for (const topic of s?.topics ?? []) {
      names.add(topic.topic_name)
      stats.set(topic.topic_name, [...(stats.get(topic.topic_name) ?? []), {node: nodes[i] as string, topic}])
    }
  })
  const problems: string[] = []
  let selected = [...names].sort()
  if (filters.length > 0) {
    const selection = selectNames(filters, names)
    selected = selection.names.filter((n) => names.has(n))
    for (const name of selection.names) if (!names.has(name)) problems.push(`no topic ${name}`)
    for (const pattern of selection.unmatched) problems.push(`no topic matches ${pattern}`)
  }
  const rows = selected.map((topic): TopicRow => {
    const on = stats.get(topic) ?? []
    return {
      topic,
      nodes: on.length,
      depth: sum(on.map((o) => o.topic.depth)),
      messages: sum(on.map((o) => o.topic.message_count)),
      channels: [...new Set(on.flatMap((o) => o.topic.channels.map((c) => c.channel_name)))].sort(),
      paused: on.some((o) => o.topic.paused),
      paused_on: on.filter((o) => o.topic.paused).map((o) => o.node),
    }
  })
  const exitCode = exitCodeOf(log.calls, problems)
  return {exitCode, summary: {rows, calls: log.calls, problems, exit_code: exitCode}}
}

/** Channels of the topics (names, globs, /regex/), optionally filtered, with totals across nodes. */
export async function listChannelRows(
  access: ClusterAccess,
  topicPatterns: readonly string[],
  channelPatterns: readonly string[],
): Promise<ToolResult<Listing<ChannelRow>>> {
  const log = new CallLog()
  const topicFilters = parsePatterns(topicPatterns, 'topic')
  const channelFilters = parsePatterns(channelPatterns, 'channel')
  const problems: string[] = []
  const topics = selectNames(topicFilters, needsListing(topicFilters) ? await listTopics(access, log) : [])
  for (const pattern of topics.unmatched) problems.push(`no topic matches ${pattern}`)
  const rows: ChannelRow[] = []
  for (const topic of topics.names) {
    const state = await topicState(access, topic, log)
    const names = new Set(state.lookupdChannels)
    for (const t of state.producers.values()) for (const c of t.channels) names.add(c.channel_name)
    let channels = [...names].sort()
    if (channelFilters.length > 0) {
      const selection = selectNames(channelFilters, names)
      channels = selection.names.filter((n) => names.has(n))
      for (const pattern of selection.unmatched) problems.push(`no channel of topic ${topic} matches ${pattern}`)
    }
    if (state.producers.size === 0 && state.lookupdChannels.size === 0) problems.push(`no nsqd or lookupd has topic ${topic}`)
    for (const channel of channels) {
      const on = [...state.producers].flatMap(([node, t]) => t.channels.filter((c) => c.channel_name === channel).map((c) => ({node, c})))
      rows.push({
        topic,
        channel,
        nodes: on.length,
        depth: sum(on.map((o) => o.c.depth)),
        in_flight: sum(on.map((o) => o.c.in_flight_count)),
        deferred: sum(on.map((o) => o.c.deferred_count)),
        messages: sum(on.map((o) => o.c.message_count)),
        clients: sum(on.map((o) => o.c.client_count)),
        paused: on.some((o) => o.c.paused),
        paused_on: on.filter((o) => o.c.paused).map((o) => o.node),
        lookupd_only: on.length === 0,
      })
    }
  }
  const exitCode = exitCodeOf(log.calls, problems)
  return {exitCode, summary: {rows, calls: log.calls, problems, exit_code: exitCode}}
}

async function lookupdNodes(access: ClusterAccess, log: CallLog): Promise<string[]> {
  const found = new Set<string>()
  const answers = await mapBounded(access.lookupd, access.concurrency, (address) =>
    log.read('lookupd', address, '/nodes', undefined, () => new LookupdHttpClient(address, access.http).nodes(access.signal)),
  )
  for (const list of answers) for (const peer of list ?? []) found.add(nodeHttpAddress(peer, access.addressMap))
  for (const address of access.nsqd) found.add(address)
  return [...found].sort()
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0)
}
