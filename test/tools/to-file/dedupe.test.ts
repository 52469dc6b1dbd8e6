import {describe, expect, it} from 'vitest'
import {DedupeWindow, RedeliveryWindow} from '../../../src/tools/to-file/dedupe.js'

describe('DedupeWindow (--dedupe-window N)', () => {
  it('drops a body seen among the last N kept bodies, and forgets older ones', () => {
    const window = new DedupeWindow(2)
    const b = (s: string): Buffer => Buffer.from(s)
    expect(window.seen(b('a'))).toBe(false)
    expect(window.seen(b('a'))).toBe(true)
    expect(window.seen(b('b'))).toBe(false)
    expect(window.seen(b('c'))).toBe(false) // 'a' leaves the window
    expect(window.seen(b('a'))).toBe(false)
    expect(window.seen(b('c'))).toBe(true)
  })
  it('hashes long bodies and never confuses them with short ones', () => {
    const window = new DedupeWindow(10)
    const long = Buffer.alloc(1000, 7)
    expect(window.seen(long)).toBe(false)
    expect(window.seen(Buffer.from(long))).toBe(true)
    expect(window.seen(Buffer.alloc(1000, 8))).toBe(false)
  })
  it('is off with N = 0', () => {
    const window = new DedupeWindow(0)
    expect(window.seen(Buffer.from('x'))).toBe(false)
    expect(window.seen(Buffer.from('x'))).toBe(false)
  })
})

describe('RedeliveryWindow (--redelivery-window N)', () => {
  it('keys on nsqd and id: the same id from another nsqd is another message; ids leave after N', () => {
    const window = new RedeliveryWindow(2)
    expect(window.seen('a:4150', 'id-1')).toBe(false)
    expect(window.seen('a:4150', 'id-1')).toBe(true)
    expect(window.seen('b:4150', 'id-1')).toBe(false)
    expect(window.seen('a:4150', 'id-2')).toBe(false) // id-1 from a leaves the window
    expect(window.seen('a:4150', 'id-1')).toBe(false)
    expect(window.seen('b:4150', 'id-1')).toBe(false) // pushed out meanwhile
  })
})
