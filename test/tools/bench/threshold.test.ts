import {describe, expect, it} from 'vitest'
import {applyChecks} from '../../../src/tools/bench/checks.js'
import {evaluateThresholds, holds, parseRate, parseThreshold} from '../../../src/tools/bench/threshold.js'
import {pubSummary, pubsubSummary} from './fixtures.js'

describe('parseThreshold', () => {
  it('reads rate, MiB/s, latency with units and counts', () => {
    expect(parseThreshold('rate>50000')).toMatchObject({side: 'headline', metric: 'rate', op: '>', limit: 50_000})
    expect(parseThreshold(' rate >= 50k ')).toMatchObject({metric: 'rate', op: '>=', limit: 50_000})
    expect(parseThreshold('rate>1.5M')).toMatchObject({limit: 1_500_000})
    expect(parseThreshold('mb>=20')).toMatchObject({metric: 'mb', op: '>=', limit: 20})
    expect(parseThreshold('p99<5ms')).toMatchObject({metric: 'p99', op: '<', limit: 5})
    expect(parseThreshold('p99<5')).toMatchObject({limit: 5})
    expect(parseThreshold('p50<=800us')).toMatchObject({metric: 'p50', op: '<=', limit: 0.8})
    expect(parseThreshold('max<2s')).toMatchObject({metric: 'max', limit: 2000})
    expect(parseThreshold('max<1h')).toMatchObject({limit: 3_600_000})
    expect(parseThreshold('p99.9<250000ns')).toMatchObject({metric: 'p99.9', limit: 0.25})
    expect(parseThreshold('p999<1ms')).toMatchObject({metric: 'p99.9', limit: 1})
    expect(parseThreshold('errors==0')).toMatchObject({metric: 'errors', op: '==', limit: 0})
    expect(parseThreshold('lost==0')).toMatchObject({metric: 'lost'})
  })

  it('reads side prefixes: pub./ack. for publishing, sub./e2e. for consuming', () => {
    expect(parseThreshold('pub.p99<2ms')).toMatchObject({side: 'pub', metric: 'p99'})
    expect(parseThreshold('ack.p99<2ms')).toMatchObject({side: 'pub', metric: 'p99'})
    expect(parseThreshold('e2e.p99<20ms')).toMatchObject({side: 'sub', metric: 'p99', limit: 20})
    expect(parseThreshold('sub.rate>1000')).toMatchObject({side: 'sub', metric: 'rate'})
  })

  it('rejects what it cannot read, naming the problem', () => {
    expect(() => parseThreshold('rate')).toThrow(/expected METRIC<VALUE/)
    expect(() => parseThreshold('rate=>5')).toThrow(/expected/)
    expect(() => parseThreshold('speed>5')).toThrow(/unknown metric "speed"/)
    expect(() => parseThreshold('p99<5parsecs')).toThrow(/unknown time unit/)
    expect(() => parseThreshold('rate>5ms')).toThrow(/unknown rate unit/)
    expect(() => parseThreshold('errors<5k')).toThrow(/count/)
    expect(() => parseThreshold('pub.errors<5')).toThrow(/no pub\.\/sub\. form/)
  })
})

describe('holds', () => {
  it('applies each operator, strictly where it should', () => {
    expect([holds(5, '<', 5), holds(5, '<=', 5), holds(5, '>', 5), holds(5, '>=', 5), holds(5, '==', 5)]).toEqual([
      false,
      true,
      false,
      true,
      true,
    ])
    expect([holds(4, '<', 5), holds(6, '>', 5), holds(4, '==', 5)]).toEqual([true, true, false])
  })
})

describe('evaluateThresholds', () => {
  it('checks the headline figures: publish for pub', () => {
    const summary = pubSummary(60_000, 4)
    const results = evaluateThresholds(summary, ['rate>50000', 'p99<5ms', 'p99<3ms', 'mb>100', 'errors==0'].map(parseThreshold))
    expect(results.map((r) => r.passed)).toEqual([true, true, false, false, true])
    expect(results[2]).toMatchObject({expression: 'p99<3ms', actual: 4, limit: 3})
  })

  it('checks the consume side (end-to-end) for pubsub headline figures, and either side by prefix', () => {
    const summary = pubsubSummary(10_000, 1, 9_000, 30)
    const results = evaluateThresholds(
      summary,
      ['rate>9500', 'p99<20ms', 'pub.rate>9500', 'ack.p99<2ms', 'e2e.p99<40ms'].map(parseThreshold),
    )
    expect(results.map((r) => [r.metric, r.actual, r.passed])).toEqual([
      ['rate', 9_000, false],
      ['p99', 30, false],
      ['pub.rate', 10_000, true],
      ['pub.p99', 1, true],
      ['sub.p99', 30, true],
    ])
  })

  it('fails a latency threshold when no latency was measured', () => {
    const [result] = evaluateThresholds(pubSummary(1000, null), [parseThreshold('p99<5ms')])
    expect(result).toMatchObject({actual: null, passed: false})
  })

  it('passes the run only when every threshold holds and it was not interrupted', () => {
    const summary = pubSummary(60_000, 4)
    expect(applyChecks(summary, [parseThreshold('rate>50000')], undefined).passed).toBe(true)
    expect(applyChecks(summary, [parseThreshold('rate>50000'), parseThreshold('p99<1ms')], undefined).passed).toBe(false)
    expect(applyChecks({...summary, interrupted: true}, [], undefined).passed).toBe(false)
  })
})

describe('parseRate', () => {
  it('reads plain, k and M rates and refuses zero or junk', () => {
    expect(parseRate('5000')).toBe(5000)
    expect(parseRate('50k')).toBe(50_000)
    expect(parseRate('1.5M')).toBe(1_500_000)
    expect(parseRate('20k/s')).toBe(20_000)
    expect(() => parseRate('0')).toThrow(/invalid rate/)
    expect(() => parseRate('fast')).toThrow(/invalid rate/)
  })
})
