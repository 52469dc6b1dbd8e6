/** Applies `--threshold` and `--compare` to a summary and decides whether the run passed. */
import {compareWithBaseline, type BaselineFigures} from './compare.js'
import {evaluateThresholds, type Threshold} from './threshold.js'
import type {BenchSummary} from './types.js'

export interface Baseline {
  name: string
  figures: BaselineFigures
  maxRegressionPct: number
}

/** The summary with its checks filled in; `passed` is false when any missed or the run was interrupted. */
export function applyChecks(summary: BenchSummary, thresholds: readonly Threshold[], baseline: Baseline | undefined): BenchSummary {
  const results = evaluateThresholds(summary, thresholds)
  const comparison =
    baseline === undefined ? null : compareWithBaseline(summary, baseline.figures, baseline.maxRegressionPct, baseline.name)
  const warnings = [...summary.warnings]
  if (baseline?.figures.kind !== undefined && baseline.figures.kind !== summary.kind) {
    warnings.push(`the baseline is a "${baseline.figures.kind}" run, this is "${summary.kind}": the comparison may not mean much`)
  }
  const passed = !summary.interrupted && results.every((r) => r.passed) && (comparison?.passed ?? true)
  return {...summary, thresholds: results, comparison, warnings, passed}
}
