/**
 * `--output csv`: a header once, then one line per channel (per node with --by-node) per tick,
 * and one per topic without channels (channel empty, the channel-only columns empty, hint
 * `no channel`).
 */
import type {ChannelRow, StatView, TopicRow} from './model.js'

export const CSV_COLUMNS = [
  'time',
  'topic',
  'channel',
  'node',
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
  'drain_eta_s',
  'hints',
] as const

/** RFC 4180 quoting: only when the field holds a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

function num(value: number | null): string {
  return value === null ? '' : String(Math.round(value * 1000) / 1000)
}

/** The header line. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`
}

/** One line per channel row of the tick. */
export function csvRows(view: StatView, rows: readonly ChannelRow[], topics: readonly TopicRow[] = []): string {
  const time = new Date(view.at).toISOString()
  const topicLines = topics.map(
    (t) =>
      [
        time,
        t.topic,
        '',
        t.node ?? '',
        String(t.depth),
        String(t.mem),
        String(t.disk),
        '',
        '',
        '',
        '',
        String(t.messages),
        '',
        String(t.paused),
        String(t.nodes),
        num(t.ingress_rate),
        '',
        '',
        '',
        '',
        'no channel',
      ]
        .map(csvField)
        .join(',') + '\n',
  )
  return rows
    .map(
      (r) =>
        [
          time,
          r.topic,
          r.channel,
          r.node ?? '',
          String(r.depth),
          String(r.mem),
          String(r.disk),
          String(r.in_flight),
          String(r.deferred),
          String(r.requeued),
          String(r.timed_out),
          String(r.messages),
          String(r.clients),
          String(r.paused),
          String(r.nodes),
          num(r.ingress_rate),
          num(r.egress_rate),
          num(r.requeue_rate),
          num(r.timeout_rate),
          num(r.drain_eta_s),
          r.hints.join('; '),
        ]
          .map(csvField)
          .join(',') + '\n',
    )
    .join('')
    .concat(topicLines.join(''))
}
