/**
 * Latency histograms: Node's `perf_hooks.createHistogram()` is an HDR histogram (integers,
 * here nanoseconds, 3 significant figures). Each client records into its own; they are merged
 * with `add()` for the aggregate, so percentiles are exact to the histogram's precision.
 */
import {createHistogram, type RecordableHistogram} from 'node:perf_hooks'
import type {LatencySummary} from './types.js'

export type LatencyHistogram = RecordableHistogram

/** A fresh histogram for nanosecond samples. */
export function newHistogram(): LatencyHistogram {
  return createHistogram({lowest: 1, highest: 3_600_000_000_000, figures: 3})
}

/** Records a latency given in milliseconds (clamped to [1 ns, 1 h]). */
export function recordMs(histogram: LatencyHistogram, ms: number): void {
  const ns = Math.round(ms * 1e6)
  histogram.record(Math.min(3_600_000_000_000, Math.max(1, Number.isFinite(ns) ? ns : 1)))
}

/** All samples of `parts` in one new histogram. */
export function mergeHistograms(parts: readonly LatencyHistogram[]): LatencyHistogram {
  const merged = newHistogram()
  for (const part of parts) merged.add(part)
  return merged
}

/** The distribution in ms, or null when nothing was recorded. */
export function summarizeHistogram(histogram: LatencyHistogram, kind: LatencySummary['kind']): LatencySummary | null {
  if (histogram.count === 0) return null
  const ms = (ns: number): number => ns / 1e6
  return {
    kind,
    count: histogram.count,
    min: ms(histogram.min),
    mean: ms(histogram.mean),
    stddev: ms(histogram.stddev),
    p50: ms(histogram.percentile(50)),
    p90: ms(histogram.percentile(90)),
    p99: ms(histogram.percentile(99)),
    p999: ms(histogram.percentile(99.9)),
    max: ms(histogram.max),
  }
}
