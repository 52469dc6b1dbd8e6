import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {mergeHistograms, newHistogram, recordMs, summarizeHistogram} from '../../../src/tools/bench/histogram.js'
import {perSecond, rateSpread, splitEvenly} from '../../../src/tools/bench/stats.js'

describe('rateSpread', () => {
  it('gives min / avg / max / population stddev of client rates', () => {
    expect(rateSpread([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({min: 2, avg: 5, max: 9, stddev: 2})
    expect(rateSpread([1000])).toEqual({min: 1000, avg: 1000, max: 1000, stddev: 0})
    expect(rateSpread([])).toEqual({min: 0, avg: 0, max: 0, stddev: 0})
  })
})

describe('splitEvenly', () => {
  it('splits a total into shares that sum to it and differ by at most one', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3])
    fc.assert(
      fc.property(fc.integer({min: 0, max: 1e9}), fc.integer({min: 1, max: 64}), (total, parts) => {
        const shares = splitEvenly(total, parts)
        expect(shares).toHaveLength(parts)
        expect(shares.reduce((a, b) => a + b, 0)).toBe(total)
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1)
      }),
    )
  })
})

describe('perSecond', () => {
  it('divides by the seconds, and is 0 when no time passed', () => {
    expect(perSecond(500, 2)).toBe(250)
    expect(perSecond(500, 0)).toBe(0)
  })
})

describe('latency histogram', () => {
  it('reports percentiles of recorded ms values within the HDR precision', () => {
    const h = newHistogram()
    for (let i = 1; i <= 1000; i++) recordMs(h, i / 100) // 0.01 ms … 10 ms
    const s = summarizeHistogram(h, 'publish-ack')
    expect(s).not.toBeNull()
    if (s === null) return
    expect(s.count).toBe(1000)
    expect(s.kind).toBe('publish-ack')
    expect(s.min).toBeCloseTo(0.01, 4)
    expect(s.p50 / 5).toBeCloseTo(1, 2)
    expect(s.p90 / 9).toBeCloseTo(1, 2)
    expect(s.p99 / 9.9).toBeCloseTo(1, 2)
    expect(s.p999 / 9.99).toBeCloseTo(1, 2)
    expect(s.max / 10).toBeCloseTo(1, 2)
    expect(s.mean / 5.005).toBeCloseTo(1, 2)
    expect(s.p50).toBeLessThanOrEqual(s.p90)
    expect(s.p90).toBeLessThanOrEqual(s.p99)
    expect(s.p99).toBeLessThanOrEqual(s.p999)
    expect(s.p999).toBeLessThanOrEqual(s.max)
  })

  it('merges per-client histograms into the same distribution as one histogram', () => {
    const a = newHistogram()
    const b = newHistogram()
    const all = newHistogram()
    for (let i = 0; i < 500; i++) {
      recordMs(a, 1 + i / 1000)
      recordMs(all, 1 + i / 1000)
      recordMs(b, 20 + i / 100)
      recordMs(all, 20 + i / 100)
    }
    const merged = summarizeHistogram(mergeHistograms([a, b]), 'end-to-end')
    expect(merged).toEqual(summarizeHistogram(all, 'end-to-end'))
    expect(merged?.count).toBe(1000)
    expect(merged?.p50).toBeLessThan(2)
    expect(merged?.p90).toBeGreaterThan(20)
  })

  it('is null when nothing was recorded, and clamps nonsense to the range', () => {
    expect(summarizeHistogram(newHistogram(), 'publish-ack')).toBeNull()
    const h = newHistogram()
    recordMs(h, -3)
    recordMs(h, Number.NaN)
    expect(h.count).toBe(2)
    expect(h.min).toBe(1)
  })
})
