/**
 * Human output of the admin commands: cli-table3 tables of calls (per node and per call), of
 * what would be lost, and of topic / channel listings. The style comes from the caller (the
 * colour rule lives in cli/).
 */
import Table from 'cli-table3'
import type {ChannelRow, TopicRow} from './listing.js'
import {lostMessages} from './loss.js'
import type {CallResult, LossRow} from './types.js'
import {plural} from '../plural.js'

export interface TableStyle {
  head: string[]
  border: string[]
}

const COMPACT = {mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': ''}

function table(head: string[], style: TableStyle): Table.Table {
  return new Table({head, style: {...style, 'padding-left': 1, 'padding-right': 1}, chars: COMPACT})
}

function outcome(call: CallResult): string {
  switch (call.status) {
    case 'ok':
      return 'ok'
    case 'planned':
      return 'planned'
    case 'absent':
      return `ok (already gone: ${call.error ?? '404'})`
    case 'failed':
      return `FAILED: ${call.error ?? ''}`
  }
}

/** Every call in order: #, what for, node, request, result. */
export function renderCalls(calls: readonly CallResult[], style: TableStyle): string {
  const t = table(['#', 'FOR', 'NODE', 'CALL', 'RESULT'], style)
  calls.forEach((call, i) => {
    const what = call.action === 'discover' ? 'read' : call.channel === undefined ? call.topic : `${call.topic}/${call.channel}`
    t.push([String(i + 1), what ?? '', `${call.role} ${call.address}`, `${call.method} ${call.request}`, outcome(call)])
  })
  return t.toString()
}

/** What would be lost, per node, with a total line. */
export function renderLoss(rows: readonly LossRow[], style: TableStyle): string {
  const t = table(['NODE', 'TOPIC', 'CHANNEL', 'DEPTH', 'IN FLIGHT', 'DEFERRED'], style)
  for (const r of rows) t.push([r.node, r.topic, r.channel ?? '(topic queue)', String(r.depth), String(r.in_flight), String(r.deferred)])
  return `${t.toString()}\n${plural(lostMessages(rows), 'message')} in total`
}

export function renderTopics(rows: readonly TopicRow[], style: TableStyle): string {
  const t = table(['TOPIC', 'NODES', 'DEPTH', 'MESSAGES', 'CHANNELS', 'PAUSED'], style)
  for (const r of rows)
    t.push([
      r.topic,
      r.nodes === 0 ? '0 (lookupd only)' : String(r.nodes),
      String(r.depth),
      String(r.messages),
      r.channels.join(', '),
      r.paused ? `paused on ${r.paused_on.join(', ')}` : '',
    ])
  return t.toString()
}

export function renderChannels(rows: readonly ChannelRow[], style: TableStyle): string {
  const t = table(['TOPIC', 'CHANNEL', 'NODES', 'DEPTH', 'IN FLIGHT', 'DEFERRED', 'MESSAGES', 'CLIENTS', 'PAUSED'], style)
  for (const r of rows)
    t.push([
      r.topic,
      r.channel,
      r.lookupd_only ? '0 (lookupd only)' : String(r.nodes),
      String(r.depth),
      String(r.in_flight),
      String(r.deferred),
      String(r.messages),
      String(r.clients),
      r.paused ? `paused on ${r.paused_on.join(', ')}` : '',
    ])
  return t.toString()
}

/** One line per failed call, for stderr (also when the table is not shown, e.g. with --json). */
export function failureLines(calls: readonly CallResult[]): string[] {
  return calls.filter((c) => c.status === 'failed').map((c) => `FAILED ${c.role} ${c.address}: ${c.method} ${c.request}: ${c.error ?? ''}`)
}
