import {describe, expect, it} from 'vitest'
import {formatCount} from '../../src/tools/format-count.js'

describe('formatCount', () => {
  it('groups thousands as en-US does', () => {
    for (const value of [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, 1_234_567_890, -1, -1234, -999_999_999, 2 ** 53])
      expect(formatCount(value)).toBe(value.toLocaleString('en-US'))
  })

  it('keeps the given number of decimals', () => {
    for (const [value, digits] of [
      [1234.5, 2],
      [0.25, 1],
      [1_000_000.125, 3],
      [-4321.75, 1],
      [12.5, 0],
    ] as const)
      expect(formatCount(value, digits)).toBe(value.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: digits}))
  })

  it('says NaN and infinity, and no minus on a rounded zero', () => {
    expect(formatCount(Number.NaN)).toBe('NaN')
    expect(formatCount(Number.POSITIVE_INFINITY)).toBe('∞')
    expect(formatCount(Number.NEGATIVE_INFINITY)).toBe('-∞')
    expect(formatCount(-0.4)).toBe('0')
  })
})
