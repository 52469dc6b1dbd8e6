import {describe, expect, it} from 'vitest'
import {applyChecks} from '../../../src/tools/bench/checks.js'
import {compareWithBaseline, parseBaseline, parseRegression} from '../../../src/tools/bench/compare.js'
import {pubSummary} from './fixtures.js'

const baseline = {kind: 'pub', msgs_per_sec: 100_000, mb_per_sec: 19, p50_ms: 1, p90_ms: 2, p99_ms: 4, p999_ms: 8, max_ms: 20}

describe('compareWithBaseline', () => {
  it('passes within the allowed regression and reports every delta in percent', () => {
    const result = compareWithBaseline({...baseline, msgs_per_sec: 95_000, p99_ms: 4.2}, baseline, 10, 'base.json')
    expect(result.passed).toBe(true)
    const row = (m: string) => result.rows.find((r) => r.metric === m)
    expect(row('msgs_per_sec')?.change_pct).toBeCloseTo(-5, 9)
    expect(row('p99_ms')?.change_pct).toBeCloseTo(5, 9)
    expect(row('p50_ms')?.change_pct).toBe(0)
  })

  it('fails on a throughput drop beyond the limit (lower is worse)', () => {
    const result = compareWithBaseline({...baseline, msgs_per_sec: 89_000}, baseline, 10, 'base.json')
    expect(result.passed).toBe(false)
    expect(result.rows.filter((r) => r.regression).map((r) => r.metric)).toEqual(['msgs_per_sec'])
  })

  it('fails on a latency rise beyond the limit (higher is worse), and a faster run is never a regression', () => {
    const slower = compareWithBaseline({...baseline, p90_ms: 2.5}, baseline, 10, 'b')
    expect(slower.rows.filter((r) => r.regression).map((r) => r.metric)).toEqual(['p90_ms'])
    const faster = compareWithBaseline({...baseline, msgs_per_sec: 300_000, p99_ms: 1}, baseline, 10, 'b')
    expect(faster.passed).toBe(true)
  })

  it('shows but does not gate p99.9, max and MiB/s', () => {
    const result = compareWithBaseline({...baseline, p999_ms: 80, max_ms: 200, mb_per_sec: 1}, baseline, 10, 'b')
    expect(result.passed).toBe(true)
    expect(result.rows.filter((r) => !r.gated).map((r) => r.metric)).toEqual(['mb_per_sec', 'p999_ms', 'max_ms'])
  })

  it('skips metrics missing on either side', () => {
    const result = compareWithBaseline({...baseline, p50_ms: null, p90_ms: null, p99_ms: null}, baseline, 10, 'b')
    expect(result.rows.find((r) => r.metric === 'p99_ms')).toMatchObject({change_pct: null, regression: false})
    expect(result.passed).toBe(true)
  })
})

describe('baseline and limit parsing', () => {
  it('reads a --json summary as a baseline and refuses anything else', () => {
    expect(parseBaseline(JSON.stringify({...baseline, p99_ms: null, extra: 'x'}), 'f')).toMatchObject({
      kind: 'pub',
      msgs_per_sec: 100_000,
      p99_ms: null,
    })
    expect(() => parseBaseline('nope', 'f.json')).toThrow(/not JSON/)
    expect(() => parseBaseline('[1]', 'f.json')).toThrow(/expected the object/)
    expect(() => parseBaseline('{"rate": 5}', 'f.json')).toThrow(/no numeric msgs_per_sec/)
  })

  it('reads 10% and 10 alike', () => {
    expect(parseRegression('10%')).toBe(10)
    expect(parseRegression('2.5')).toBe(2.5)
    expect(() => parseRegression('ten')).toThrow(/percentage/)
  })

  it('applyChecks fails the run on a regression and warns when the kinds differ', () => {
    const summary = pubSummary(50_000, 4)
    const checked = applyChecks(summary, [], {name: 'b.json', figures: {...baseline, kind: 'pubsub'}, maxRegressionPct: 10})
    expect(checked.passed).toBe(false)
    expect(checked.comparison?.rows.find((r) => r.metric === 'msgs_per_sec')?.regression).toBe(true)
    expect(checked.warnings.join()).toMatch(/baseline is a "pubsub" run/)
  })
})
