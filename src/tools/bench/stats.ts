/** Rate arithmetic of a bench run: per-client and aggregate rates, and their spread. */
import type {RateSpread} from './types.js'

/** Bytes in the "mb" of mb/s: MiB, as bench_writer / bench_reader and nats bench count it. */
export const MIB = 1024 * 1024

/** Messages per second over `seconds` (0 when no time passed). */
export function perSecond(count: number, seconds: number): number {
  return seconds > 0 ? count / seconds : 0
}

/** min / avg / max / population stddev of `rates` (all zero for none). */
export function rateSpread(rates: readonly number[]): RateSpread {
  if (rates.length === 0) return {min: 0, avg: 0, max: 0, stddev: 0}
  let min = Infinity
  let max = -Infinity
  let sum = 0
  for (const rate of rates) {
    min = Math.min(min, rate)
    max = Math.max(max, rate)
    sum += rate
  }
  const avg = sum / rates.length
  let squares = 0
  for (const rate of rates) squares += (rate - avg) ** 2
  return {min, avg, max, stddev: Math.sqrt(squares / rates.length)}
}

/** Splits `total` into `parts` shares differing by at most one (earlier shares get the extra). */
export function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts)
  const extra = total % parts
  return Array.from({length: parts}, (_, i) => base + (i < extra ? 1 : 0))
}
