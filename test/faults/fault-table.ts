/** The fault table `npm run faults` prints (and the README shows). */
import {at} from './cluster-rig.js'
import type {ScenarioResult} from './scenario-types.js'

/** Formats results as the fault table, ending with the one-line total. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const seconds = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`)
  const header = [
    'scenario',
    'messages in',
    'archived',
    'lost',
    'lost by nsqd (kill -9)',
    'duplicated',
    'tail: duplicated',
    'stall detected',
    'recovery time',
  ]
  const rows: string[][] = results.map((r) => [
    r.name,
    String(r.messagesIn),
    String(r.archived),
    String(r.lost),
    String(r.lostByNsqd),
    String(r.duplicated),
    String(r.tailDuplicated),
    seconds(r.detectedMs),
    seconds(r.recoveryMs),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => at(row, i).length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(at(widths, i)))
      .join(' | ')
      .trimEnd()
  const total = {
    messages: results.reduce((s, r) => s + r.messagesIn, 0),
    lost: results.reduce((s, r) => s + r.lost, 0),
    duplicated: results.reduce((s, r) => s + r.duplicated, 0),
  }
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
    `${results.length} scenarios, ${total.messages} messages, ${total.lost} lost, ${total.duplicated} duplicated`,
  ].join('\n')
}
