/** Turns a run's outcome into the summary every output (text, CSV, JSON) and check is made from. */
import type {BenchOutcome} from './run-bench.js'
import {mergeHistograms, summarizeHistogram} from './histogram.js'
import {MIB, perSecond, rateSpread} from './stats.js'
import type {BenchParams, BenchSummary, ClientResult, SideSummary} from './types.js'

/** The effective parameters as `name → value`, named like the flags (the banner and `params` in JSON). */
export function paramsRecord(params: BenchParams): Record<string, string | number | boolean | null> {
  const record: Record<string, string | number | boolean | null> = {
    'nsqd-tcp-address': params.nsqd.join(','),
    'nsqd-http-address': params.nsqdHttp.join(','),
    topic: params.topic,
    clients: params.clients,
    size: params.size,
    msgs: params.msgs ?? null,
    duration: params.durationMs === undefined ? null : `${params.durationMs / 1000}s`,
    warmup: `${params.warmupMs / 1000}s`,
    cleanup: params.cleanup && (params.autoTopic || (params.autoChannel && params.kind !== 'pub')),
  }
  if (params.kind !== 'sub') {
    record['batch-size'] = params.batchSize
    record.pipeline = params.pipeline
    record.rate = params.rate ?? null
  }
  if (params.kind !== 'pub') {
    record.channel = params.channel
    record['max-in-flight'] = params.maxInFlight
    record['output-buffer-size'] = params.outputBufferSize ?? null
    record['output-buffer-timeout'] = params.outputBufferTimeoutMs === undefined ? null : `${params.outputBufferTimeoutMs}ms`
  }
  if (params.kind === 'sub') record.fill = params.fill
  if (params.kind !== 'pubsub') record.threads = params.threads
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))
}

function side(clients: ClientResult[], total: number, latency: SideSummary['latency']): SideSummary {
  const messages = clients.reduce((sum, c) => sum + c.messages, 0)
  const bytes = clients.reduce((sum, c) => sum + c.bytes, 0)
  const seconds = clients.reduce((max, c) => Math.max(max, c.seconds), 0)
  return {
    messages,
    unmeasured_messages: Math.max(0, total - messages),
    bytes,
    seconds,
    msgs_per_sec: perSecond(messages, seconds),
    mb_per_sec: perSecond(bytes, seconds) / MIB,
    client_rates: rateSpread(clients.map((c) => c.msgs_per_sec)),
    latency,
    clients,
  }
}

function client(
  id: string,
  role: ClientResult['role'],
  address: string,
  messages: number,
  bytes: number,
  seconds: number,
  latency: ClientResult['latency'],
): ClientResult {
  return {
    id,
    role,
    address,
    messages,
    bytes,
    seconds,
    msgs_per_sec: perSecond(messages, seconds),
    mb_per_sec: perSecond(bytes, seconds) / MIB,
    latency,
  }
}

/** The summary of a run, with no thresholds or comparison checked yet. */
export function summarize(outcome: BenchOutcome): BenchSummary {
  const {params, measureStart} = outcome
  const secondsTo = (at: number | undefined): number => (at === undefined ? 0 : Math.max(0, at - measureStart) / 1000)
  const publish =
    outcome.publishers.length === 0
      ? null
      : side(
          outcome.publishers.map((p) =>
            client(
              p.plan.id,
              'pub',
              p.plan.address,
              p.measured,
              p.measured * params.size,
              secondsTo(p.lastAckAt),
              summarizeHistogram(p.histogram, 'publish-ack'),
            ),
          ),
          outcome.publishers.reduce((sum, p) => sum + p.acknowledged, 0),
          summarizeHistogram(mergeHistograms(outcome.publishers.map((p) => p.histogram)), 'publish-ack'),
        )
  const consume =
    outcome.subscribers.length === 0
      ? null
      : side(
          outcome.subscribers.map((s) =>
            client(
              s.plan.id,
              'sub',
              s.plan.addresses.join(','),
              s.measured,
              s.measuredBytes,
              secondsTo(s.lastAt),
              summarizeHistogram(s.histogram, 'end-to-end'),
            ),
          ),
          outcome.subscribers.reduce((sum, s) => sum + s.received, 0),
          summarizeHistogram(mergeHistograms(outcome.subscribers.map((s) => s.histogram)), 'end-to-end'),
        )
  const headline = (params.kind === 'pub' ? publish : consume) as SideSummary
  const latency = headline.latency
  const errors = outcome.publishers.reduce((sum, p) => sum + p.errors, 0) + outcome.subscribers.reduce((sum, s) => sum + s.nonFatal, 0)
  const reconnects = [...outcome.publishers, ...outcome.subscribers].reduce((sum, c) => sum + c.reconnects, 0)
  const disconnects = [...outcome.publishers, ...outcome.subscribers].reduce((sum, c) => sum + c.disconnects, 0)
  const warnings = [...outcome.warnings]
  if (disconnects > 0) warnings.push(`${disconnects} connection(s) lost during the run`)
  if (errors > 0) warnings.push(`${errors} error(s) during the run`)
  if (outcome.interrupted) warnings.push('interrupted before the planned end')
  const disturbed = errors > 0 || reconnects > 0 || disconnects > 0 || outcome.lost > 0 || outcome.publishers.some((p) => p.gaveUp)
  return {
    kind: params.kind,
    params: paramsRecord(params),
    started_at: outcome.startedAt.toISOString(),
    duration_sec: headline.seconds,
    messages: headline.messages,
    msgs_per_sec: headline.msgs_per_sec,
    mb_per_sec: headline.mb_per_sec,
    latency_kind: latency?.kind ?? null,
    p50_ms: latency?.p50 ?? null,
    p90_ms: latency?.p90 ?? null,
    p99_ms: latency?.p99 ?? null,
    p999_ms: latency?.p999 ?? null,
    max_ms: latency?.max ?? null,
    publish,
    consume,
    errors,
    reconnects,
    lost: outcome.lost,
    warnings,
    disturbed,
    interrupted: outcome.interrupted,
    thresholds: [],
    comparison: null,
    passed: !outcome.interrupted,
  }
}
