/**
 * `--fail-if` conditions such as `depth>10000`, `clients==0`, `timeout_rate>0`, `paused==true`,
 * `drain_eta>10m` or `down>0`: METRIC OP VALUE, checked on every channel row of a tick
 * (`down` is the number of unreachable nsqd) and on every topic without channels (for the
 * metrics a topic has: depth, mem, disk, messages, paused, nodes, ingress_rate). A met condition
 * makes `nsq stat` exit 99.
 */
import {compare, splitCondition, type ComparisonOp} from '../threshold-grammar.js'
import type {ChannelRow, StatView, TopicRow} from './model.js'
import {topicsWithoutChannels} from './view.js'

/** The comparison of a condition (the shared grammar's). */
export type Operator = ComparisonOp

/** Metrics a condition may name: the channel row fields, plus `down`. */
export const CHANNEL_METRICS = [
  'depth',
  'mem',
  'disk',
  'in_flight',
  'deferred',
  'requeued',
  'timed_out',
  'messages',
  'clients',
  'paused',
  'nodes',
  'ingress_rate',
  'egress_rate',
  'requeue_rate',
  'timeout_rate',
  'drain_eta',
] as const
export type ChannelMetric = (typeof CHANNEL_METRICS)[number]
export type Metric = ChannelMetric | 'down'

/** Metrics that need two polls (rates and what is derived from them). */
export const RATE_METRICS: ReadonlySet<Metric> = new Set(['ingress_rate', 'egress_rate', 'requeue_rate', 'timeout_rate', 'drain_eta'])

const ALIASES: Record<string, Metric> = {
  inflight: 'in_flight',
  'in-flight': 'in_flight',
  inflt: 'in_flight',
  def: 'deferred',
  req: 'requeued',
  requeue: 'requeued',
  timeout: 'timed_out',
  timeouts: 'timed_out',
  't-o': 'timed_out',
  msgs: 'messages',
  ingress: 'ingress_rate',
  egress: 'egress_rate',
  drain_eta_s: 'drain_eta',
  eta: 'drain_eta',
}

export interface Threshold {
  /** As written, for messages. */
  readonly source: string
  readonly metric: Metric
  readonly op: Operator
  readonly value: number
}

/** One met condition. */
export interface Breach {
  threshold: Threshold
  /** `topic/channel` (with `@node` under --by-node), or `cluster` for `down`. */
  subject: string
  actual: number
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/
const DURATION_SECONDS: Record<string, number> = {ms: 0.001, s: 1, m: 60, h: 3600}
/** Counts: 10k, 1.5M, 2G (no lower-case m: it would read as minutes). */
const SUFFIX: Record<string, number> = {k: 1e3, K: 1e3, M: 1e6, G: 1e9}

/** Parses `METRIC OP VALUE`; throws an Error explaining the syntax when it does not fit. */
export function parseThreshold(text: string): Threshold {
  const condition = splitCondition(text)
  if (condition === undefined)
    throw new Error(`--fail-if "${text}": expected METRIC OP VALUE, e.g. 'depth>10000', 'clients==0', 'timeout_rate>0'`)
  const name = condition.metric
  const metric = (ALIASES[name] ?? name) as Metric
  if (metric !== 'down' && !(CHANNEL_METRICS as readonly string[]).includes(metric)) {
    throw new Error(`--fail-if "${text}": unknown metric "${name}"; one of ${[...CHANNEL_METRICS, 'down'].join(', ')}`)
  }
  return {source: text.trim(), metric, op: condition.op, value: parseValue(text, metric, condition.value)}
}

function parseValue(text: string, metric: Metric, raw: string): number {
  if (metric === 'paused') {
    if (/^(true|1)$/i.test(raw)) return 1
    if (/^(false|0)$/i.test(raw)) return 0
    throw new Error(`--fail-if "${text}": paused compares with true or false`)
  }
  const duration = DURATION.exec(raw)
  if (duration !== null && metric === 'drain_eta') return Number(duration[1]) * (DURATION_SECONDS[duration[2] as string] as number)
  const number = /^(-?\d+(?:\.\d+)?)([kKMG]?)$/.exec(raw)
  if (number === null)
    throw new Error(`--fail-if "${text}": "${raw}" is not a number${metric === 'drain_eta' ? ' or a duration (30s, 10m)' : ''}`)
  return Number(number[1]) * (number[2] === '' ? 1 : (SUFFIX[number[2] as string] as number))
}

/** The row's value of a channel metric; null when unknown (rates on the first poll, no drain). */
export function metricValue(row: ChannelRow, metric: ChannelMetric): number | null {
  switch (metric) {
    case 'paused':
      return row.paused ? 1 : 0
    case 'drain_eta':
      return row.drain_eta_s
    default:
      return row[metric]
  }
}

/** A channel-less topic's value of a metric; null for the metrics only a channel has. */
export function topicMetricValue(row: TopicRow, metric: ChannelMetric): number | null {
  switch (metric) {
    case 'depth':
    case 'mem':
    case 'disk':
    case 'messages':
    case 'nodes':
    case 'ingress_rate':
      return row[metric]
    case 'paused':
      return row.paused ? 1 : 0
    default:
      return null
  }
}

/** Every condition met in this tick. Unknown values (null) never meet a condition. */
export function evaluate(thresholds: readonly Threshold[], view: StatView): Breach[] {
  const breaches: Breach[] = []
  for (const threshold of thresholds) {
    if (threshold.metric === 'down') {
      const down = view.nodes.filter((n) => n.status === 'down').length
      if (compare(down, threshold.op, threshold.value)) breaches.push({threshold, subject: 'cluster', actual: down})
      continue
    }
    for (const row of view.channels) {
      const actual = metricValue(row, threshold.metric)
      if (actual !== null && compare(actual, threshold.op, threshold.value)) {
        breaches.push({threshold, subject: `${row.topic}/${row.channel}${row.node === undefined ? '' : `@${row.node}`}`, actual})
      }
    }
    for (const topic of topicsWithoutChannels(view.topics, view.channels)) {
      const actual = topicMetricValue(topic, threshold.metric)
      if (actual !== null && compare(actual, threshold.op, threshold.value)) {
        breaches.push({threshold, subject: `${topic.topic}/(no channel)${topic.node === undefined ? '' : `@${topic.node}`}`, actual})
      }
    }
  }
  return breaches
}

/** `orders/archive: depth 12000 (depth>10000)` */
export function describeBreach(breach: Breach): string {
  const actual = Number.isInteger(breach.actual) ? String(breach.actual) : breach.actual.toFixed(2)
  return `${breach.subject}: ${breach.threshold.metric} ${actual} (${breach.threshold.source})`
}
