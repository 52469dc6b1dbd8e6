/**
 * Append-only text rows, for pipes and logs: nsq_stat's own format. With exactly one topic and
 * one channel the output is nsq_stat's byte for byte (two header lines, then
 * `%7d %7d | %7d %7d %7d %5d %5d | %7d %7d %12d %7d` rows, the header again every 25 lines with
 * the baseline poll counting as the first). Otherwise every row starts with its
 * `topic/channel` (and `@node` under --by-node) and ends with paused / hint notes; a topic with
 * no channel gets a `topic/(no channel)` row (its own queue: ingress, depth and messages, `-` for
 * the channel-only columns).
 */
import type {ChannelRow, TopicRow} from './model.js'

export const HEADER_EVERY = 25

/** The channel column of a topic without channels. */
export const NO_CHANNEL = '(no channel)'

const HEADER_1 = '------rate------+----------------depth----------------+--------------metadata---------------'

function pad(value: string, width: number): string {
  return value.length >= width ? value : ' '.repeat(width - value.length) + value
}

function int(value: number | null): string {
  return value === null ? '-' : String(Math.trunc(value))
}

/** nsq_stat's second header line. */
export function header2(): string {
  const [a, b, c, d, e, f, g, h, i, j, k] = ['ingress', 'egress', 'total', 'mem', 'disk', 'inflt', 'def', 'req', 't-o', 'msgs', 'clients']
  return `${pad(a, 7)} ${pad(b, 7)} | ${pad(c, 7)} ${pad(d, 7)} ${pad(e, 7)} ${pad(f, 5)} ${pad(g, 5)} | ${pad(h, 7)} ${pad(i, 7)} ${pad(j, 12)} ${pad(k, 7)}`
}

/** A topic without channels in the same columns: `-` where only a channel has a value. */
export function formatTopicRow(row: TopicRow): string {
  const none = (width: number): string => pad('-', width)
  return `${pad(int(row.ingress_rate), 7)} ${none(7)} | ${pad(String(row.depth), 7)} ${pad(String(row.mem), 7)} ${pad(String(row.disk), 7)} ${none(5)} ${none(5)} | ${none(7)} ${none(7)} ${pad(String(row.messages), 12)} ${none(7)}`
}

/** One data row in nsq_stat's format (rates truncated to integers, `-` before the first interval). */
export function formatRow(row: ChannelRow): string {
  return `${pad(int(row.ingress_rate), 7)} ${pad(int(row.egress_rate), 7)} | ${pad(String(row.depth), 7)} ${pad(String(row.mem), 7)} ${pad(String(row.disk), 7)} ${pad(String(row.in_flight), 5)} ${pad(String(row.deferred), 5)} | ${pad(String(row.requeued), 7)} ${pad(String(row.timed_out), 7)} ${pad(String(row.messages), 12)} ${pad(String(row.clients), 7)}`
}

export interface RowsOptions {
  /** nsq_stat's exact format: one topic, one channel, no name column. */
  single: boolean
  /** Width of the name column in the multi-channel format. */
  nameWidth?: number
}

/** Keeps the line count so the header comes back every 25 lines. */
export class RowsRenderer {
  private line = 0
  private readonly nameWidth: number

  constructor(private readonly options: RowsOptions) {
    this.nameWidth = options.nameWidth ?? 32
  }

  /** The first poll: nsq_stat prints the header and records a baseline, no data row. */
  baseline(): string {
    this.line = 1
    return this.header()
  }

  /** Lines for one tick (each ends with a newline). */
  tick(rows: readonly ChannelRow[], topics: readonly TopicRow[] = []): string {
    let out = ''
    for (const row of rows) {
      if (this.line % HEADER_EVERY === 0) out += this.header()
      out += this.options.single ? `${formatRow(row)}\n` : `${this.name(row)} ${formatRow(row)}${notes(row)}\n`
      this.line++
    }
    // nsq_stat's own format (one topic, one channel) has no name column to say "no channel".
    if (this.options.single) return out
    for (const topic of topics) {
      if (this.line % HEADER_EVERY === 0) out += this.header()
      out += `${this.name({topic: topic.topic, channel: NO_CHANNEL, node: topic.node})} ${formatTopicRow(topic)}  no channel${topic.paused ? '; paused' : ''}\n`
      this.line++
    }
    return out
  }

  private header(): string {
    if (this.options.single) return `${HEADER_1}\n${header2()}\n`
    const blank = ' '.repeat(this.nameWidth)
    return `${blank} ${HEADER_1}\n${'topic/channel'.padEnd(this.nameWidth)} ${header2()}\n`
  }

  private name(row: {topic: string; channel: string; node?: string | undefined}): string {
    const name = `${row.topic}/${row.channel}${row.node === undefined ? '' : `@${row.node}`}`
    return name.length > this.nameWidth ? name : name.padEnd(this.nameWidth)
  }
}

function notes(row: ChannelRow): string {
  return row.hints.length === 0 ? '' : `  ${row.hints.join('; ')}`
}
