import {describe, expect, it} from 'vitest'
import {plural} from '../../src/tools/plural.js'

describe('plural', () => {
  it('singular for exactly 1, plural otherwise (0, many, fractions)', () => {
    expect(plural(1, 'message')).toBe('1 message')
    expect(plural(0, 'message')).toBe('0 messages')
    expect(plural(2, 'file')).toBe('2 files')
    expect(plural(1.5, 'topic')).toBe('1.5 topics')
    expect(plural(1, 'msg')).toBe('1 msg')
  })

  it('takes an irregular plural and a count format', () => {
    expect(plural(3, 'nsqd', {plural: 'nsqd'})).toBe('3 nsqd')
    expect(plural(1, 'entry', {plural: 'entries'})).toBe('1 entry')
    expect(plural(12345, 'record', {format: (n) => n.toLocaleString('en-US')})).toBe('12,345 records')
  })
})
