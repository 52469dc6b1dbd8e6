/**
 * npm run bench:compare — our commands against the official Go apps, side by side in one run on
 * one nsqd, printing each pair's figures and ratio (medians of alternating rounds).
 * Sections live in bench/compare-<name>.ts and export `compare(): Promise<ComparisonRow[]>`.
 * Env: SECTIONS=to-nsq,tail,to-file,stat,replay,to-http,relay (default: all), ROUNDS (default 3).
 */
import fs from 'node:fs'
import path from 'node:path'
import {ensureNsqBinaries, fmt} from './lib.js'

/** One line of the final table. */
export interface ComparisonRow {
  /** e.g. `to-nsq vs to_nsq, 200,000 lines of ~100 B` */
  name: string
  ours: number
  theirs: number
  /** e.g. `msg/s` (higher is better) */
  unit: string
  /** Target ratio ours / theirs, e.g. 10 */
  target: number
  /** Extra figures worth printing (memory, sizes). */
  notes?: string
}

const ALL = ['to-nsq', 'tail', 'to-file', 'stat', 'replay', 'to-http', 'relay'] as const

async function main(): Promise<void> {
  ensureNsqBinaries()
  const wanted = (process.env.SECTIONS ?? ALL.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const rows: ComparisonRow[] = []
  for (const section of wanted) {
    const file = path.join('bench', `compare-${section}.ts`)
    if (!fs.existsSync(file)) throw new Error(`no benchmark section ${file}`)
    process.stderr.write(`\n== ${section} ==\n`)
    const mod = (await import(`./compare-${section}.js`)) as {compare(): Promise<ComparisonRow[]>}
    rows.push(...(await mod.compare()))
  }
  const out = ['', 'nsq-toolkit vs the official apps (medians of rounds; one run, same nsqd)']
  for (const row of rows) {
    const ratio = row.ours / row.theirs
    out.push(
      `  ${row.name}: ours ${fmt(row.ours)} ${row.unit}, theirs ${fmt(row.theirs)} ${row.unit} → ${fmt(ratio, 2)}× (target ≥ ${row.target}×${ratio >= row.target ? ', met' : ', MISSED'})${row.notes ? `; ${row.notes}` : ''}`,
    )
  }
  process.stdout.write(`${out.join('\n')}\n`)
}

await main()
