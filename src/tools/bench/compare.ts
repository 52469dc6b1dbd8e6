/**
 * `--compare baseline.json --max-regression 10%`: the run against an earlier `--json` summary.
 * Gated metrics (a regression beyond the limit fails the run, exit 99): msgs_per_sec (lower is
 * worse) and p50 / p90 / p99 latency (higher is worse). p99.9, max and mb/s are shown but not
 * gated: single outliers move them too much to fail a build on.
 */
import type {ComparisonResult, ComparisonRow} from './types.js'

/** The top-level figures of a `--json` summary that a comparison looks at. */
export type MetricKey = 'msgs_per_sec' | 'mb_per_sec' | 'p50_ms' | 'p90_ms' | 'p99_ms' | 'p999_ms' | 'max_ms'

interface MetricSpec {
  key: MetricKey
  higherIsBetter: boolean
  gated: boolean
}

const METRICS: readonly MetricSpec[] = [
  {key: 'msgs_per_sec', higherIsBetter: true, gated: true},
  {key: 'mb_per_sec', higherIsBetter: true, gated: false},
  {key: 'p50_ms', higherIsBetter: false, gated: true},
  {key: 'p90_ms', higherIsBetter: false, gated: true},
  {key: 'p99_ms', higherIsBetter: false, gated: true},
  {key: 'p999_ms', higherIsBetter: false, gated: false},
  {key: 'max_ms', higherIsBetter: false, gated: false},
]

/** The figures a baseline must or may carry: what `nsq bench … --json` writes at the top level. */
export type BaselineFigures = Partial<Record<MetricKey, number | null>> & {kind?: string}

/** Parses `10%` or `10` into 10; throws on anything else. */
export function parseRegression(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text)
  if (match === null) throw new Error(`--max-regression "${text}": expected a percentage such as 10%`)
  return Number(match[1])
}

/** Validates a baseline document (a `--json` summary); throws an Error naming what is wrong. */
export function parseBaseline(text: string, file: string): BaselineFigures {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new Error(`--compare ${file}: not JSON (${(error as Error).message})`)
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new Error(`--compare ${file}: expected the object \`nsq bench … --json\` prints`)
  const record = data as Record<string, unknown>
  if (typeof record.msgs_per_sec !== 'number')
    throw new Error(`--compare ${file}: no numeric msgs_per_sec; save a baseline with \`nsq bench … --json > ${file}\``)
  const figures: BaselineFigures = {}
  if (typeof record.kind === 'string') figures.kind = record.kind
  for (const {key} of METRICS) {
    const value = record[key]
    figures[key] = typeof value === 'number' && Number.isFinite(value) ? value : null
  }
  return figures
}

/** Compares the current figures with the baseline; `maxRegressionPct` 10 allows 10 % worse. */
export function compareWithBaseline(
  current: BaselineFigures,
  baseline: BaselineFigures,
  maxRegressionPct: number,
  baselineName: string,
): ComparisonResult {
  const rows: ComparisonRow[] = METRICS.map(({key, higherIsBetter, gated}) => {
    const before = baseline[key] ?? null
    const now = current[key] ?? null
    if (before === null || now === null) return {metric: key, baseline: before, current: now, change_pct: null, gated, regression: false}
    const change = before === 0 ? (now === 0 ? 0 : Infinity) : ((now - before) / before) * 100
    const worse = higherIsBetter ? -change : change
    return {metric: key, baseline: before, current: now, change_pct: change, gated, regression: gated && worse > maxRegressionPct}
  })
  return {baseline: baselineName, max_regression_pct: maxRegressionPct, rows, passed: rows.every((row) => !row.regression)}
}
