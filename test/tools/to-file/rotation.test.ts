import {describe, expect, it} from 'vitest'
import {nextRev, rotationReason} from '../../../src/tools/to-file/rotation.js'

const rules = {rotateSize: 100, rotateIntervalMs: 60_000}
const open = {datedName: 'a<REV>.2024-01-31_15', openedAt: 1_000_000, size: 0}

describe('rotation rules (needsRotation) with an injected clock', () => {
  it('opens a file when none is open', () => {
    expect(rotationReason(undefined, open.datedName, 0, rules)).toBe('no-file')
  })
  it('rotates when the dated name changes (a new hour)', () => {
    expect(rotationReason(open, 'a<REV>.2024-01-31_16', open.openedAt + 1, rules)).toBe('datetime')
  })
  it('rotates only strictly after rotate-interval', () => {
    expect(rotationReason(open, open.datedName, open.openedAt + 60_000, rules)).toBeUndefined()
    expect(rotationReason(open, open.datedName, open.openedAt + 60_001, rules)).toBe('interval')
  })
  it('rotates only when strictly more than rotate-size bytes were written', () => {
    expect(rotationReason({...open, size: 100}, open.datedName, open.openedAt, rules)).toBeUndefined()
    expect(rotationReason({...open, size: 101}, open.datedName, open.openedAt, rules)).toBe('size')
  })
  it('never rotates on size or time when those rules are off', () => {
    expect(rotationReason({...open, size: 1e12}, open.datedName, 1e15, {rotateSize: 0, rotateIntervalMs: 0})).toBeUndefined()
  })
  it('resets the revision for a new name and counts up for the same name', () => {
    expect(nextRev(undefined, 0, 'x')).toBe(0)
    expect(nextRev('x', 3, 'x')).toBe(4)
    expect(nextRev('x', 3, 'y')).toBe(0)
  })
})
