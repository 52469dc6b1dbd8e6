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
})
