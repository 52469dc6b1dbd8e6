/**
 * The relay command's status line and summary text, and the batch size it uses: pure functions,
 * times given (no clock).
 */
import {describe, expect, it} from 'vitest'
import {RelayStatus, formatRelaySummary} from '../../src/commands/relay.js'
import {effectiveBatchSize, type RelaySummary} from '../../src/tools/relay/run-relay.js'

describe('relay status line', () => {
  it('shows rates in and out over the last period, in flight and the source lag', () => {
    const status = new RelayStatus()
    const first = status.render({received: 0, relayed: 0, inFlight: 0, topics: ['t']}, 1000)
    expect(first).toBe('0 relayed · in 0 msg/s · out 0 msg/s · 0 in flight · lag ? queued at the source')
    status.depth = 12_345
    // 500 ms later: 3000 more received, 2000 more acknowledged.
    expect(status.render({received: 3000, relayed: 2000, inFlight: 1000, topics: ['t']}, 1500)).toBe(
      '2,000 relayed · in 6,000 msg/s · out 4,000 msg/s · 1,000 in flight · lag 12,345 queued at the source',
    )
    // The rates are over the last period, not since the start.
    expect(status.render({received: 3100, relayed: 2900, inFlight: 200, topics: ['t']}, 2500)).toBe(
      '2,900 relayed · in 100 msg/s · out 900 msg/s · 200 in flight · lag 12,345 queued at the source',
    )
  })
})

describe('relay batch size', () => {
  it('is --batch-size, but at most a quarter of max-in-flight (several MPUBs on their way), and at least 1', () => {
    expect(effectiveBatchSize(200, 1000)).toBe(200)
    expect(effectiveBatchSize(200, 200)).toBe(50)
    expect(effectiveBatchSize(500, 2000)).toBe(500)
    expect(effectiveBatchSize(200, 1)).toBe(1)
    expect(effectiveBatchSize(10, 5)).toBe(2)
  })
})

describe('relay summary text', () => {
  it('has a line per source topic, per destination topic and per destination nsqd', () => {
    const summary: RelaySummary = {
      relayed: 1000,
      bytes: 5000,
      filtered: 0,
      invalid: 0,
      deadLettered: 0,
      possibleDuplicates: 3,
      requeued: 0,
      elapsedMs: 2500,
      topics: {
        a: {
          destinationTopic: 'a-copy',
          relayed: 300,
          bytes: 1500,
          filtered: 0,
          invalid: 0,
          deadLettered: 0,
          republished: 3,
          redelivered: 0,
        },
        b: {
          destinationTopic: 'b-copy',
          relayed: 700,
          bytes: 3500,
          filtered: 0,
          invalid: 0,
          deadLettered: 0,
          republished: 0,
          redelivered: 0,
        },
      },
      destination: {
        mode: 'round-robin',
        nsqd: ['h1:4150', 'h2:4150'],
        published: {'h1:4150': 501, 'h2:4150': 502},
        topics: {
          'a-copy': {nsqd: ['h1:4150', 'h2:4150'], relayed: 300, published: {'h1:4150': 150, 'h2:4150': 153}},
          'b-copy': {nsqd: ['h1:4150', 'h2:4150'], relayed: 700, published: {'h1:4150': 351, 'h2:4150': 349}},
        },
      },
    }
    expect(formatRelaySummary(summary).split('\n')).toEqual([
      'relay: 1,000 relayed, 0 filtered, 0 not JSON, 0 to the errors file, 0 requeued; 3 possible duplicates; 2.5s',
      '  a → a-copy: 300 relayed (1,500 bytes)',
      '  b → b-copy: 700 relayed (3,500 bytes)',
      '  destination a-copy (round-robin: h1:4150, h2:4150): 300',
      '  destination b-copy (round-robin: h1:4150, h2:4150): 700',
      '  destination nsqd h1:4150: 501 published',
      '  destination nsqd h2:4150: 502 published',
    ])
  })
})
