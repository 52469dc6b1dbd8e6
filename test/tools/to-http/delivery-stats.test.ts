import {describe, expect, it} from 'vitest'
import {DeliveryStats, statusClass} from '../../../src/tools/to-http/delivery-stats.js'

describe('to-http delivery stats', () => {
  it('counts responses by class, no-responses (uncertain only when the request may have left), and latency percentiles in ms', () => {
    const stats = new DeliveryStats()
    expect(stats.latencyMs()).toBeNull()
    for (let i = 0; i < 980; i++) stats.response(200, 2)
    for (let i = 0; i < 20; i++) stats.response(503, 40)
    stats.response(301, 1)
    stats.response(404, 1)
    stats.noResponse(true)
    stats.noResponse(false)
    expect(stats.counts.byClass).toEqual({'2xx': 980, '3xx': 1, '4xx': 1, '5xx': 20, error: 2})
    expect(stats.counts.uncertain).toBe(1)
    const ms = stats.latencyMs()
    expect(ms?.p50).toBeCloseTo(2, 2)
    expect(ms?.p99).toBeCloseTo(40, 1)
    expect(ms?.max).toBeCloseTo(40, 1)
  })

  it('snapshot is a copy; statusClass of edge statuses', () => {
    const stats = new DeliveryStats()
    stats.requestSent()
    const snap = stats.snapshot()
    stats.requestSent()
    stats.response(200, 1)
    expect(snap.requests).toBe(1)
    expect(snap.byClass['2xx']).toBe(0)
    expect([199, 200, 299, 300, 399, 400, 499, 500, 599].map(statusClass)).toEqual([
      '5xx',
      '2xx',
      '2xx',
      '3xx',
      '3xx',
      '4xx',
      '4xx',
      '5xx',
      '5xx',
    ])
  })
})
