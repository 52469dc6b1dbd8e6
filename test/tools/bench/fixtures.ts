import type {BenchSummary, LatencySummary, SideSummary} from '../../../src/tools/bench/types.js'

export function latency(kind: LatencySummary['kind'], p99: number): LatencySummary {
  return {kind, count: 100, min: p99 / 10, mean: p99 / 4, stddev: p99 / 8, p50: p99 / 5, p90: p99 / 2, p99, p999: p99 * 2, max: p99 * 3}
}

export function sideSummary(rate: number, lat: LatencySummary | null): SideSummary {
  return {
    messages: rate * 10,
    unmeasured_messages: 0,
    bytes: rate * 2000,
    seconds: 10,
    msgs_per_sec: rate,
    mb_per_sec: (rate * 200) / 1048576,
    client_rates: {min: rate, avg: rate, max: rate, stddev: 0},
    latency: lat,
    clients: [],
  }
}

/** A pubsub summary: publish at `pubRate` with ack p99 `ackP99`, consume at `subRate` with e2e p99 `e2eP99`. */
export function pubsubSummary(pubRate: number, ackP99: number, subRate: number, e2eP99: number): BenchSummary {
  const publish = sideSummary(pubRate, latency('publish-ack', ackP99))
  const consume = sideSummary(subRate, latency('end-to-end', e2eP99))
  return headline('pubsub', publish, consume, consume)
}

export function pubSummary(rate: number, p99: number | null): BenchSummary {
  const publish = sideSummary(rate, p99 === null ? null : latency('publish-ack', p99))
  return headline('pub', publish, null, publish)
}

function headline(kind: BenchSummary['kind'], publish: SideSummary | null, consume: SideSummary | null, main: SideSummary): BenchSummary {
  const l = main.latency
  return {
    kind,
    params: {},
    started_at: new Date(0).toISOString(),
    duration_sec: main.seconds,
    messages: main.messages,
    msgs_per_sec: main.msgs_per_sec,
    mb_per_sec: main.mb_per_sec,
    latency_kind: l?.kind ?? null,
    p50_ms: l?.p50 ?? null,
    p90_ms: l?.p90 ?? null,
    p99_ms: l?.p99 ?? null,
    p999_ms: l?.p999 ?? null,
    max_ms: l?.max ?? null,
    publish,
    consume,
    errors: 0,
    reconnects: 0,
    lost: 0,
    warnings: [],
    disturbed: false,
    interrupted: false,
    thresholds: [],
    comparison: null,
    passed: true,
  }
}
