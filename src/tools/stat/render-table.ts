/**
 * The live view for a terminal: a status line (time, interval, nodes up / down) and a
 * cli-table3 table of channels (topics without channels too), cut to the terminal's height.
 * Returns the frame as a string; the command clears the screen and writes it in place.
 */
import Table from 'cli-table3'
import type {ChannelRow, StatView} from './model.js'
import {topicsWithoutChannels} from './view.js'
import {plural} from '../plural.js'

export interface TableOptions {
  /** cli-table3 style (from the colour rule). */
  style: {head: string[]; border: string[]}
  byNode: boolean
  /** Most channel rows shown (e.g. the terminal height minus the chrome); the rest are counted. */
  maxRows?: number
  /** Widest topic / channel name before it is cut with `…`. */
  nameWidth?: number
  intervalMs: number
}

/** No rule between body rows. */
const COMPACT = {mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': ''}

/** `1h2m`, `45s`, `∞` (null: not draining), `-` unknown. */
export function formatEta(seconds: number | null, rates: boolean): string {
  if (seconds === null) return rates ? '∞' : '-'
  if (seconds < 1) return seconds === 0 ? '0s' : '<1s'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 === 0 ? '' : `${s % 60}s`}`
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h >= 100 ? `${Math.round(s / 86_400)}d` : `${h}h${m === 0 ? '' : `${m}m`}`
}

/** Rates with one decimal below 10/s, whole numbers above; `-` before the first interval. */
export function formatRate(rate: number | null): string {
  if (rate === null) return '-'
  return Math.abs(rate) < 10 ? rate.toFixed(1) : String(Math.round(rate))
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}

/** The status line above the table. */
export function statusLine(view: StatView, intervalMs: number): string {
  const up = view.nodes.filter((n) => n.status === 'up').length
  const down = view.nodes.filter((n) => n.status === 'down')
  const lookupdDown = view.lookupd.filter((l) => l.status === 'down')
  const time = new Date(view.at)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
  let line = `nsq stat  ${time}  every ${intervalMs >= 1000 ? `${intervalMs / 1000}s` : `${intervalMs}ms`}  nsqd: ${up} up`
  if (down.length > 0) line += `, ${down.length} DOWN`
  if (view.lookupd.length > 0) line += `  lookupd: ${view.lookupd.length - lookupdDown.length}/${view.lookupd.length} up`
  const lines = [line]
  for (const node of down) lines.push(`  DOWN ${node.address}: ${node.error ?? ''}`)
  for (const l of lookupdDown) lines.push(`  lookupd DOWN ${l.address}: ${l.error ?? ''}`)
  return lines.join('\n')
}

/** The whole frame: status line, table, and a note about rows left out. */
export function renderTable(view: StatView, rows: readonly ChannelRow[], options: TableOptions): string {
  const width = options.nameWidth ?? 32
  const head = [
    'TOPIC',
    'CHANNEL',
    ...(options.byNode ? ['NODE'] : []),
    'DEPTH',
    'MEM',
    'DISK',
    'INFLT',
    'DEF',
    'REQ',
    'T-O',
    'MSGS',
    'CLIENTS',
    'IN/s',
    'OUT/s',
    'DRAIN',
    'NOTES',
  ]
  const names = options.byNode ? 3 : 2
  const table = new Table({
    head,
    style: {...options.style, 'padding-left': 1, 'padding-right': 1},
    wordWrap: false,
    colAligns: head.map((_, i) => (i < names || i === head.length - 1 ? 'left' : 'right')),
    chars: COMPACT,
  })
  const rates = view.elapsed_ms !== null
  const shown = options.maxRows === undefined ? rows : rows.slice(0, Math.max(1, options.maxRows))
  for (const r of shown) {
    table.push(
      [
        cut(r.topic, width),
        cut(r.channel, width),
        ...(options.byNode ? [r.node ?? ''] : []),
        r.depth,
        r.mem,
        r.disk,
        r.in_flight,
        r.deferred,
        r.requeued,
        r.timed_out,
        r.messages,
        r.clients,
        formatRate(r.ingress_rate),
        formatRate(r.egress_rate),
        formatEta(r.drain_eta_s, rates),
        r.hints.join('; '),
      ].map(String),
    )
  }
  const lonely = topicsWithoutChannels(view.topics, rows)
  for (const t of lonely) {
    table.push(
      [
        cut(t.topic, width),
        '(no channel)',
        ...(options.byNode ? [t.node ?? ''] : []),
        t.depth,
        t.mem,
        t.disk,
        '',
        '',
        '',
        '',
        t.messages,
        '',
        formatRate(t.ingress_rate),
        '',
        '',
        t.paused ? 'paused' : '',
      ].map(String),
    )
  }
  const left = rows.length - shown.length
  const more =
    left > 0 ? `\n… ${plural(left, 'more channel', {plural: 'more channels'})} (narrow with --topic / --channel, or --sort and --top)` : ''
  const empty = rows.length === 0 && lonely.length === 0 ? '\n(no matching topics or channels)' : ''
  return `${statusLine(view, options.intervalMs)}\n${table.toString()}${more}${empty}\n`
}
