/** Human and CSV renderings of a bench summary (the JSON form is the summary itself). */
import type {BenchParams, BenchSummary, ClientResult, LatencySummary, SideSummary} from './types.js'
import {plural} from '../plural.js'
import {formatCount} from '../format-count.js'

export {formatCount}

/** A latency in ms as `850µs`, `4.21ms` or `1.25s`. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 0)}µs`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)}ms`
  return `${(ms / 1000).toFixed(2)}s`
}

/** `Starting pub benchmark [batch-size=1, clients=2, …]`: every effective parameter, sorted. */
export function renderBanner(kind: BenchParams['kind'], params: Record<string, string | number | boolean | null>): string {
  const list = Object.entries(params)
    .map(([k, v]) => `${k}=${v === null ? '-' : String(v)}`)
    .join(', ')
  return `Starting ${kind} benchmark [${list}]`
}

function clientLine(c: ClientResult): string {
  return (
    `  [${c.id}] ${plural(c.messages, 'msg', {format: formatCount})} in ${c.seconds.toFixed(2)}s · ${formatCount(c.msgs_per_sec)} msgs/s · ${formatCount(c.mb_per_sec, 2)} MiB/s` +
    (c.latency === null ? '' : ` · p99 ${formatMs(c.latency.p99)}`)
  )
}

function latencyLine(l: LatencySummary, label: string): string {
  return (
    `  ${label} (${formatCount(l.count)} samples): p50 ${formatMs(l.p50)} | p90 ${formatMs(l.p90)} | p99 ${formatMs(l.p99)} | p99.9 ${formatMs(l.p999)} | max ${formatMs(l.max)}` +
    `  (min ${formatMs(l.min)}, avg ${formatMs(l.mean)}, stddev ${formatMs(l.stddev)})`
  )
}

function sideLines(title: string, s: SideSummary, latencyLabel: string): string[] {
  const lines = [title, ...s.clients.map(clientLine)]
  lines.push(
    `  aggregate: ${plural(s.messages, 'msg', {format: formatCount})} in ${s.seconds.toFixed(2)}s · ${formatCount(s.msgs_per_sec)} msgs/s · ${formatCount(s.mb_per_sec, 2)} MiB/s`,
  )
  if (s.clients.length > 1) {
    const r = s.client_rates
    lines.push(
      `  client rates: min ${formatCount(r.min)} | avg ${formatCount(r.avg)} | max ${formatCount(r.max)} | stddev ${formatCount(r.stddev)} msgs/s`,
    )
  }
  if (s.latency !== null) lines.push(latencyLine(s.latency, latencyLabel))
  return lines
}

/** The report for stdout. */
export function renderText(summary: BenchSummary, batchSize: number, rated: boolean): string {
  const lines: string[] = []
  const from = rated ? 'from the scheduled send time' : 'from the send'
  if (summary.publish !== null) {
    const unit = batchSize > 1 ? `per MPUB of ${batchSize}` : 'per PUB'
    lines.push(...sideLines('publish', summary.publish, `publish-ack latency ${unit}, ${from}`))
  }
  if (summary.consume !== null) {
    lines.push(
      ...sideLines('consume', summary.consume, `end-to-end latency, ${summary.kind === 'pubsub' ? from : 'from the stamp in the body'}`),
    )
    if (summary.kind === 'sub' && summary.consume.latency === null)
      lines.push('  (no end-to-end latency: the bodies carry no `nsq bench pub` stamp)')
  }
  for (const t of summary.thresholds) {
    const actual =
      t.actual === null
        ? 'not measured'
        : /^(pub\.|sub\.)?(p|max|min|avg|mean|stddev)/.test(t.metric)
          ? formatMs(t.actual)
          : formatCount(t.actual, 2)
    lines.push(`threshold ${t.passed ? 'ok    ' : 'MISSED'} ${t.expression} (actual ${actual})`)
  }
  if (summary.comparison !== null) {
    const c = summary.comparison
    lines.push(`compared with ${c.baseline} (max regression ${c.max_regression_pct}%): ${c.passed ? 'ok' : 'REGRESSION'}`)
    for (const row of c.rows) {
      if (row.baseline === null || row.current === null) continue
      const change = row.change_pct === null ? '' : `${row.change_pct >= 0 ? '+' : ''}${row.change_pct.toFixed(1)}%`
      const isRate = row.metric.endsWith('_per_sec')
      const show = (v: number): string => (isRate ? formatCount(v, row.metric === 'mb_per_sec' ? 2 : 0) : formatMs(v))
      lines.push(
        `  ${row.metric.padEnd(13)} ${show(row.baseline).padStart(12)} → ${show(row.current).padStart(12)}  ${change.padStart(8)}${row.regression ? '  REGRESSION' : row.gated ? '' : '  (not gated)'}`,
      )
    }
  }
  return `${lines.join('\n')}\n`
}

const CSV_HEADER = [
  'role',
  'client',
  'address',
  'messages',
  'bytes',
  'seconds',
  'msgs_per_sec',
  'mb_per_sec',
  'latency',
  'p50_ms',
  'p90_ms',
  'p99_ms',
  'p999_ms',
  'max_ms',
]

function csvCell(value: string | number | null): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function csvRow(
  role: string,
  id: string,
  address: string,
  s: {messages: number; bytes: number; seconds: number; msgs_per_sec: number; mb_per_sec: number; latency: LatencySummary | null},
): string {
  const l = s.latency
  return [
    role,
    id,
    address,
    s.messages,
    s.bytes,
    s.seconds.toFixed(6),
    s.msgs_per_sec.toFixed(3),
    s.mb_per_sec.toFixed(6),
    l?.kind ?? null,
    l?.p50 ?? null,
    l?.p90 ?? null,
    l?.p99 ?? null,
    l?.p999 ?? null,
    l?.max ?? null,
  ]
    .map(csvCell)
    .join(',')
}

/** One header, one row per client, then one `all` row per side: stable columns for scripts. */
export function renderCsv(summary: BenchSummary): string {
  const rows = [CSV_HEADER.join(',')]
  for (const s of [summary.publish, summary.consume]) {
    if (s === null) continue
    for (const c of s.clients) rows.push(csvRow(c.role, c.id, c.address, c))
    const role = s === summary.publish ? 'pub' : 'sub'
    rows.push(csvRow(role, 'all', '', s))
  }
  return `${rows.join('\n')}\n`
}
