import {describe, expect, it} from 'vitest'
import {installAsciiLocaleCompare} from '../../src/cli/ascii-collation.js'

describe('installAsciiLocaleCompare', () => {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with a receiver below
  const icu = String.prototype.localeCompare
  installAsciiLocaleCompare()
  const sign = (n: number): number => Math.sign(n)
  const viaIcu = (a: string, b: string): number => icu.call(a, b)

  it('orders command ids exactly as ICU does', () => {
    const alphabet = ['a', 'b', 'z', '-', ':', 'to', 'to-', 'topic', 'to-nsq', 'to-file', 'topic:create', 'bench:pub', 'bench', 'bench-x']
    const words: string[] = ['']
    for (const a of alphabet) for (const b of alphabet) words.push(a + b)
    for (const a of words) for (const b of words) expect(sign(a.localeCompare(b)), `${a} vs ${b}`).toBe(sign(viaIcu(a, b)))
  })

  it('leaves other strings and calls with a locale to ICU', () => {
    expect('a'.localeCompare('B')).toBe(viaIcu('a', 'B'))
    expect('a1'.localeCompare('a:')).toBe(viaIcu('a1', 'a:'))
    expect('ä'.localeCompare('z', 'sv')).toBe(1)
    expect('ä'.localeCompare('z', 'de')).toBe(-1)
  })
})
