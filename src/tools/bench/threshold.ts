/**
 * `--threshold` checks for CI (k6 style: a missed one exits 99). An expression is
 * `METRIC OP VALUE`, e.g. `rate>50000`, `p99<5ms`, `mb>=20`, `errors==0`, `e2e.p99.9<20ms`.
 *
 * Metrics: `rate` (msgs/s, accepts k/M suffixes), `mb` (MiB/s), latency `p50` `p90` `p99`
 * `p99.9` `max` `min` `avg` `stddev` (VALUE with ns, us, ms, s, m or h; bare = ms), and counts `errors`
 * `reconnects` `lost`. A `pub.` or `sub.` prefix picks one side of a pubsub run (`pub.p99` is
 * publish-ack latency, `sub.p99` end-to-end); `ack.` and `e2e.` are aliases of them.
 */
import {compare, splitCondition, type ComparisonOp} from '../threshold-grammar.js'
import type {BenchSummary, LatencySummary, SideSummary, ThresholdResult} from './types.js'

/** The comparison of a threshold (the shared grammar's, as `--fail-if` reads it). */
export type ThresholdOp = ComparisonOp

export interface Threshold {
  expression: string
  side: 'headline' | 'pub' | 'sub'
  metric: string
  op: ThresholdOp
  /** In the metric's unit: msgs/s, MiB/s, ms or a count. */
  limit: number
}

const LATENCY_METRICS: Record<string, keyof LatencySummary> = {
  p50: 'p50',
  p90: 'p90',
  p99: 'p99',
  'p99.9': 'p999',
  p999: 'p999',
  max: 'max',
  min: 'min',
  avg: 'mean',
  mean: 'mean',
  stddev: 'stddev',
}
const RATE_METRICS = new Set(['rate', 'msgs_per_sec'])
const MB_METRICS = new Set(['mb', 'mb_per_sec'])
const COUNT_METRICS = new Set(['errors', 'reconnects', 'lost'])
const TIME_UNITS: Record<string, number> = {ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000}
const RATE_UNITS: Record<string, number> = {'': 1, k: 1e3, m: 1e6}

/** Parses one `--threshold`; throws an Error naming the problem. */
export function parseThreshold(expression: string): Threshold {
  const condition = splitCondition(expression)
  const number = condition === undefined ? null : /^([0-9]+(?:\.[0-9]+)?)\s*([a-zµ]*)$/i.exec(condition.value)
  if (condition === undefined || number === null)
    throw new Error(`--threshold "${expression}": expected METRIC<VALUE, e.g. rate>50000 or p99<5ms`)
  let name = condition.metric
  const op = condition.op
  const value = Number(number[1])
  const unit = (number[2] as string).toLowerCase()
  let side: Threshold['side'] = 'headline'
  const prefix = /^(pub|ack|sub|e2e)\./.exec(name)
  if (prefix !== null) {
    side = prefix[1] === 'pub' || prefix[1] === 'ack' ? 'pub' : 'sub'
    name = name.slice(prefix[0].length)
  }
  const bad = (why: string): never => {
    throw new Error(`--threshold "${expression}": ${why}`)
  }
  if (name in LATENCY_METRICS) {
    const factor = TIME_UNITS[unit === '' ? 'ms' : unit] ?? bad(`unknown time unit "${unit}" (use ns, us, ms, s, m or h)`)
    return {expression, side, metric: name === 'p999' ? 'p99.9' : name, op, limit: value * factor}
  }
  if (RATE_METRICS.has(name)) {
    const factor = RATE_UNITS[unit] ?? bad(`unknown rate unit "${unit}" (use a plain number, k or M)`)
    return {expression, side, metric: 'rate', op, limit: value * factor}
  }
  if (MB_METRICS.has(name)) {
    if (unit !== '' && unit !== 'mb' && unit !== 'mib') bad(`mb is in MiB/s; give a plain number`)
    return {expression, side, metric: 'mb', op, limit: value}
  }
  if (COUNT_METRICS.has(name)) {
    if (side !== 'headline') bad(`${name} has no pub./sub. form`)
    if (unit !== '') bad(`${name} is a count; give a plain number`)
    return {expression, side, metric: name, op, limit: value}
  }
  return bad(`unknown metric "${name}" (rate, mb, p50, p90, p99, p99.9, max, min, avg, stddev, errors, reconnects, lost)`)
}

/** Compares with the operator (the shared grammar's comparison). */
export const holds = compare

function sideOf(summary: BenchSummary, side: Threshold['side']): SideSummary | null {
  if (side === 'pub') return summary.publish
  if (side === 'sub') return summary.consume
  return summary.kind === 'pub' ? summary.publish : summary.consume
}

/** The run's value for a threshold's metric, or null when it was not measured. */
export function metricValue(summary: BenchSummary, threshold: Threshold): number | null {
  const {metric} = threshold
  if (metric === 'errors') return summary.errors
  if (metric === 'reconnects') return summary.reconnects
  if (metric === 'lost') return summary.lost
  const side = sideOf(summary, threshold.side)
  if (metric === 'rate') return threshold.side === 'headline' ? summary.msgs_per_sec : (side?.msgs_per_sec ?? null)
  if (metric === 'mb') return threshold.side === 'headline' ? summary.mb_per_sec : (side?.mb_per_sec ?? null)
  const key = LATENCY_METRICS[metric]
  if (key === undefined) return null
  const latency = side?.latency ?? null
  return latency === null ? null : (latency[key] as number)
}

/** Checks every threshold; a metric that was not measured fails. */
export function evaluateThresholds(summary: BenchSummary, thresholds: readonly Threshold[]): ThresholdResult[] {
  return thresholds.map((t) => {
    const actual = metricValue(summary, t)
    return {
      expression: t.expression,
      metric: t.side === 'headline' ? t.metric : `${t.side}.${t.metric}`,
      op: t.op,
      limit: t.limit,
      actual,
      passed: actual !== null && holds(actual, t.op, t.limit),
    }
  })
}

/** A rate such as `50000`, `50k` or `1.5M` messages per second. */
export function parseRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*(?:\/s|msgs?\/s)?\s*$/.exec(text)
  const value = match === null ? NaN : Number(match[1]) * (RATE_UNITS[(match[2] as string).toLowerCase()] as number)
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`invalid rate "${text}": use messages per second, e.g. 5000, 50k or 1.5M`)
  return value
}
