/**
 * Turns two consecutive snapshots into a tick's view. Rates are worked out per node and
 * channel, dividing by the real time between that node's two samples (not the nominal
 * interval), and only then summed across nodes, so a node that was down in one of the two polls
 * or restarted (counters went backwards) leaves no bogus spike in the totals.
 */
import type {ChannelRow, ChannelSample, NodeRow, NodeSample, Rates, Snapshot, StatView, TopicRow, TopicSample} from './model.js'
import {drainEta, hintsFor} from './hints.js'

export interface ViewOptions {
  /** One row per node and channel instead of the cluster-wide sum. */
  byNode?: boolean
}

type UpSample = Extract<NodeSample, {status: 'up'}>

const NO_RATES: Rates = {ingress_rate: null, egress_rate: null, requeue_rate: null, timeout_rate: null}

/** Rates of one channel (or topic) on one node between two samples `seconds` apart. */
export function channelRates(prev: ChannelSample | undefined, cur: ChannelSample, seconds: number): Rates {
  if (
    prev === undefined ||
    !(seconds > 0) ||
    cur.messages < prev.messages ||
    cur.requeued < prev.requeued ||
    cur.timed_out < prev.timed_out
  ) {
    return NO_RATES
  }
  const messages = cur.messages - prev.messages
  return {
    ingress_rate: messages / seconds,
    egress_rate: (messages - (cur.depth - prev.depth)) / seconds,
    requeue_rate: (cur.requeued - prev.requeued) / seconds,
    timeout_rate: (cur.timed_out - prev.timed_out) / seconds,
  }
}

/** Builds the view of `cur`, with rates against `prev` when given. */
export function buildView(prev: Snapshot | undefined, cur: Snapshot, options: ViewOptions = {}): StatView {
  const before = new Map<string, UpSample>()
  for (const node of prev?.nodes ?? []) if (node.status === 'up') before.set(node.address, node)
  const channels = new Map<string, ChannelRow>()
  const topics = new Map<string, TopicRow>()
  for (const node of cur.nodes) {
    if (node.status !== 'up') continue
    const old = before.get(node.address)
    const seconds = old === undefined ? 0 : (node.at - old.at) / 1000
    // Indexed, so a poll of thousands of topics stays linear.
    const oldTopics = new Map(old?.topics.map((t) => [t.topic, t]))
    for (const topic of node.topics) {
      const oldTopic = oldTopics.get(topic.topic)
      addTopic(topics, topic, oldTopic, seconds, options.byNode === true ? node.address : undefined)
      const oldChannels = new Map(oldTopic?.channels.map((c) => [c.channel, c]))
      for (const channel of topic.channels) {
        const rates = channelRates(oldChannels.get(channel.channel), channel, seconds)
        addChannel(channels, topic.topic, channel, rates, options.byNode === true ? node.address : undefined)
      }
    }
  }
  const channelRows = [...channels.values()].map((row) => {
    const eta = drainEta(row)
    const hints = hintsFor({...row, drain_eta_s: eta})
    // A paused topic holds messages back from all its channels.
    if (topics.get(`${row.node ?? ''}\u0000${row.topic}`)?.paused === true) hints.unshift('topic paused')
    return {...row, drain_eta_s: eta, hints}
  })
  return {
    at: cur.at,
    elapsed_ms: prev === undefined ? null : cur.at - prev.at,
    nodes: cur.nodes.map(nodeRow),
    lookupd: cur.lookupd,
    topics: [...topics.values()].sort(byName),
    channels: channelRows.sort(byName),
  }
}

function nodeRow(node: NodeSample): NodeRow {
  return node.status === 'up'
    ? {address: node.address, status: 'up', version: node.version}
    : {address: node.address, status: 'down', error: node.error}
}

/** Code-unit order (like nsqd's own sort of names), cheaper than localeCompare. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function byName(a: {topic: string; channel?: string; node?: string}, b: {topic: string; channel?: string; node?: string}): number {
  return cmp(a.topic, b.topic) || cmp(a.channel ?? '', b.channel ?? '') || cmp(a.node ?? '', b.node ?? '')
}

function sumRate(a: number | null, b: number | null): number | null {
  if (a === null) return b
  if (b === null) return a
  return a + b
}

function addChannel(rows: Map<string, ChannelRow>, topic: string, c: ChannelSample, rates: Rates, node: string | undefined): void {
  const key = `${node ?? ''}\u0000${topic}\u0000${c.channel}`
  const row = rows.get(key)
  if (row === undefined) {
    rows.set(key, {
      topic,
      channel: c.channel,
      ...(node === undefined ? {} : {node}),
      depth: c.depth,
      mem: c.depth - c.backend_depth,
      disk: c.backend_depth,
      in_flight: c.in_flight,
      deferred: c.deferred,
      requeued: c.requeued,
      timed_out: c.timed_out,
      messages: c.messages,
      clients: c.clients,
      paused: c.paused,
      nodes: 1,
      ...rates,
      drain_eta_s: null,
      hints: [],
    })
    return
  }
  row.depth += c.depth
  row.mem += c.depth - c.backend_depth
  row.disk += c.backend_depth
  row.in_flight += c.in_flight
  row.deferred += c.deferred
  row.requeued += c.requeued
  row.timed_out += c.timed_out
  row.messages += c.messages
  row.clients += c.clients
  row.paused ||= c.paused
  row.nodes++
  row.ingress_rate = sumRate(row.ingress_rate, rates.ingress_rate)
  row.egress_rate = sumRate(row.egress_rate, rates.egress_rate)
  row.requeue_rate = sumRate(row.requeue_rate, rates.requeue_rate)
  row.timeout_rate = sumRate(row.timeout_rate, rates.timeout_rate)
}

function addTopic(
  rows: Map<string, TopicRow>,
  t: TopicSample,
  old: TopicSample | undefined,
  seconds: number,
  node: string | undefined,
): void {
  const rate = old === undefined || !(seconds > 0) || t.messages < old.messages ? null : (t.messages - old.messages) / seconds
  const key = `${node ?? ''}\u0000${t.topic}`
  const row = rows.get(key)
  if (row === undefined) {
    rows.set(key, {
      topic: t.topic,
      ...(node === undefined ? {} : {node}),
      depth: t.depth,
      mem: t.depth - t.backend_depth,
      disk: t.backend_depth,
      messages: t.messages,
      paused: t.paused,
      channels: t.channels.length,
      nodes: 1,
      ingress_rate: rate,
    })
    return
  }
  row.depth += t.depth
  row.mem += t.depth - t.backend_depth
  row.disk += t.backend_depth
  row.messages += t.messages
  row.paused ||= t.paused
  row.channels = Math.max(row.channels, t.channels.length)
  row.nodes++
  row.ingress_rate = sumRate(row.ingress_rate, rate)
}

/**
 * The topics of a tick that have no channel row among `rows` (no channel at all, so their
 * messages wait in the topic's own queue): shown as `topic/(no channel)` rows by every output and
 * checked by `--fail-if`, since a topic nobody consumes is what a monitoring check must catch.
 */
export function topicsWithoutChannels(topics: readonly TopicRow[], rows: readonly ChannelRow[]): TopicRow[] {
  const withRows = new Set(rows.map((r) => `${r.node ?? ''}\u0000${r.topic}`))
  return topics.filter((t) => t.channels === 0 && !withRows.has(`${t.node ?? ''}\u0000${t.topic}`))
}
