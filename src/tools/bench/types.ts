/** Shapes shared by the bench runners, the summary and its renderers. */

/** Which benchmark: publish only, consume only, or both in one process (end-to-end latency). */
export type BenchKind = 'pub' | 'sub' | 'pubsub'

/** Everything a run was asked to do; echoed in the banner and the JSON summary. */
export interface BenchParams {
  kind: BenchKind
  /** nsqd TCP addresses; client i uses address i mod n. */
  nsqd: string[]
  /** nsqd HTTP addresses, for creating / deleting the bench topic and reading /stats. */
  nsqdHttp: string[]
  topic: string
  channel: string
  /** Whether the topic / channel were generated (and so are deleted afterwards unless `cleanup` is off). */
  autoTopic: boolean
  autoChannel: boolean
  cleanup: boolean
  /** Publishing (pub, pubsub) or consuming (sub) connections; pubsub runs this many of each. */
  clients: number
  /** Payload bytes per message. */
  size: number
  /** Messages per publish command: 1 = PUB, more = MPUB. */
  batchSize: number
  /** Total measured messages (split across clients), or undefined for a timed run. */
  msgs: number | undefined
  /** Measured run time in ms, or undefined for a count-limited run. */
  durationMs: number | undefined
  /** Aggregate target rate in msgs/s (open model), or undefined for as fast as possible. */
  rate: number | undefined
  /** Publish commands awaiting nsqd's OK at once, per publishing client. */
  pipeline: number
  /** RDY (max in flight) per consuming client. */
  maxInFlight: number
  /** Warm-up in ms before measuring; its messages are not counted. */
  warmupMs: number
  /** sub: messages published into the topic before consuming (0 = consume what arrives). */
  fill: number
  /** Each client on its own worker thread (pub and sub only; needs the built code). */
  threads: boolean
  /** Consumers' IDENTIFY output_buffer_size (bytes, -1 = unbuffered), or nsqd's default. */
  outputBufferSize: number | undefined
  /** Consumers' IDENTIFY output_buffer_timeout (ms, -1 = none), or nsqd's default. */
  outputBufferTimeoutMs: number | undefined
}

/** Latency distribution, in milliseconds (from an HDR histogram recorded in ns). */
export interface LatencySummary {
  /** What was measured: publish command → OK, or stamp in the body → delivery. */
  kind: 'publish-ack' | 'end-to-end'
  count: number
  min: number
  mean: number
  stddev: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

/** One client's measured share. */
export interface ClientResult {
  /** `P0`, `P1`… publishers, `S0`… subscribers. */
  id: string
  role: 'pub' | 'sub'
  address: string
  messages: number
  bytes: number
  seconds: number
  msgs_per_sec: number
  mb_per_sec: number
  latency: LatencySummary | null
}

/** min / avg / max / stddev of the client rates (msgs/s). */
export interface RateSpread {
  min: number
  avg: number
  max: number
  stddev: number
}

/** One side (publish or consume) aggregated over its clients. */
export interface SideSummary {
  /** Measured messages. */
  messages: number
  /** Messages outside the measured window (warm-up, or received after the quota): not in the figures. */
  unmeasured_messages: number
  bytes: number
  seconds: number
  msgs_per_sec: number
  mb_per_sec: number
  client_rates: RateSpread
  latency: LatencySummary | null
  clients: ClientResult[]
}

/** A parsed `--threshold` checked against the run. */
export interface ThresholdResult {
  expression: string
  metric: string
  op: string
  limit: number
  actual: number | null
  passed: boolean
}

/** One metric of `--compare`. */
export interface ComparisonRow {
  metric: string
  baseline: number | null
  current: number | null
  /** Change in percent, positive = higher than baseline. */
  change_pct: number | null
  /** Whether this metric counts towards pass / fail. */
  gated: boolean
  regression: boolean
}

export interface ComparisonResult {
  baseline: string
  max_regression_pct: number
  rows: ComparisonRow[]
  passed: boolean
}

/** The `--json` document (and what the text, CSV and checks are rendered from). */
export interface BenchSummary {
  kind: BenchKind
  params: Record<string, string | number | boolean | null>
  started_at: string
  /** Measured window in seconds (earliest start to latest end). */
  duration_sec: number
  /** Measured messages of the headline side: published (pub) or consumed (sub, pubsub). */
  messages: number
  msgs_per_sec: number
  /** MiB (1,048,576 bytes) of payload per second, as bench_writer / bench_reader count "mb". */
  mb_per_sec: number
  /** Headline latency in ms: publish-ack for pub, end-to-end for pubsub (and sub when bodies carry a stamp). */
  latency_kind: LatencySummary['kind'] | null
  p50_ms: number | null
  p90_ms: number | null
  p99_ms: number | null
  p999_ms: number | null
  max_ms: number | null
  publish: SideSummary | null
  consume: SideSummary | null
  errors: number
  reconnects: number
  /** Messages published but never consumed (pubsub), or left behind. */
  lost: number
  warnings: string[]
  disturbed: boolean
  interrupted: boolean
  thresholds: ThresholdResult[]
  comparison: ComparisonResult | null
  /** True when every threshold and the comparison passed (and the run was not interrupted). */
  passed: boolean
}
