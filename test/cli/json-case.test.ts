import {describe, expect, it} from 'vitest'
import {snakeCase, snakeCaseKeys} from '../../src/cli/json-case.js'

describe('--json field names in snake_case', () => {
  it('turns camelCase keys, leaves snake_case ones', () => {
    expect(snakeCase('stoppedBy')).toBe('stopped_by')
    expect(snakeCase('maxMessageBytes')).toBe('max_message_bytes')
    expect(snakeCase('msgs_per_sec')).toBe('msgs_per_sec')
  })

  it('walks objects and arrays; topic names under "topics" are data and stay', () => {
    const summary = {
      skippedEmpty: 3,
      limits: {maxMessageBytes: 64, source: 'nsqd'},
      refusedNsqd: [{nsqd: 'a:4150', errorCode: 'E_AUTH'}],
      topics: {myTopic: {filesFinished: 1}, 'orders.v2': {duplicatesDropped: 0}},
      channels: [{topic: 'x', inFlight: 1}],
      at: null,
    }
    expect(snakeCaseKeys(summary)).toEqual({
      skipped_empty: 3,
      limits: {max_message_bytes: 64, source: 'nsqd'},
      refused_nsqd: [{nsqd: 'a:4150', error_code: 'E_AUTH'}],
      topics: {myTopic: {files_finished: 1}, 'orders.v2': {duplicates_dropped: 0}},
      channels: [{topic: 'x', in_flight: 1}],
      at: null,
    })
  })

  it('keeps data keys verbatim: topic names, nsqd addresses, status classes (idempotent on snake_case)', () => {
    const relay = {
      possibleDuplicates: 0,
      topics: {OrderEvents: {destinationTopic: 'OrderEvents_Copy', deadLettered: 0}},
      destination: {
        published: {'127.0.0.1:4150': 3},
        topics: {OrderEvents_Copy: {relayed: 3, published: {'nsqd-B.example:4150': 3}}},
      },
      stoppedBy: {code: 'E_X', error: 'x'},
    }
    const json = {
      possible_duplicates: 0,
      topics: {OrderEvents: {destination_topic: 'OrderEvents_Copy', dead_lettered: 0}},
      destination: {
        published: {'127.0.0.1:4150': 3},
        topics: {OrderEvents_Copy: {relayed: 3, published: {'nsqd-B.example:4150': 3}}},
      },
      stopped_by: {code: 'E_X', error: 'x'},
    }
    expect(snakeCaseKeys(relay)).toEqual(json)
    expect(snakeCaseKeys(json)).toEqual(json)
    expect(snakeCaseKeys({byClass: {'2xx': 1, error: 0}, retryAfter: 0, latencyMs: null})).toEqual({
      by_class: {'2xx': 1, error: 0},
      retry_after: 0,
      latency_ms: null,
    })
    // A replay's records per topic, and failure reasons: data, not turned.
    expect(snakeCaseKeys({topics: {MyTopic: 3}, failures: {publish_failed: 0}, published: 3})).toEqual({
      topics: {MyTopic: 3},
      failures: {publish_failed: 0},
      published: 3,
    })
  })
})
