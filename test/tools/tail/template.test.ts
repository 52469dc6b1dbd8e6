import {describe, expect, it} from 'vitest'
import {compileTemplate, parseTemplate, TemplateError, unescape} from '../../../src/tools/tail/template.js'

const fields = {
  topic: 'orders',
  channel: 'tail1#ephemeral',
  id: '0a1b2c3d4e5f6a7b',
  timestampMs: 1_764_000_000_123,
  attempts: 3,
  nsqd: '127.0.0.1:4150',
  body: Buffer.from([0x68, 0x69, 0xff]),
}

function render(template: string): Buffer {
  const out: Buffer[] = []
  compileTemplate(template)(fields, out)
  return Buffer.concat(out)
}

describe('tail templates', () => {
  it('substitutes every token', () => {
    expect(render('%t|%c|%i|%T|%a|%h|%S|%%|').toString()).toBe(
      'orders|tail1#ephemeral|0a1b2c3d4e5f6a7b|1764000000123|3|127.0.0.1:4150|3|%|',
    )
  })

  it('prints the body bytes untouched (no UTF-8 decoding)', () => {
    expect(render('<%s>').equals(Buffer.concat([Buffer.from('<'), fields.body, Buffer.from('>')]))).toBe(true)
  })

  it('decodes escapes, including raw bytes and NUL', () => {
    expect(render('%a\\t%a\\n\\r\\0\\\\\\x41\\xff').equals(Buffer.from([0x33, 0x09, 0x33, 0x0a, 0x0d, 0x00, 0x5c, 0x41, 0xff]))).toBe(true)
  })

  it('keeps non-ASCII literal text as UTF-8', () => {
    expect(render('→ %t 🎉').toString('utf8')).toBe('→ orders 🎉')
  })

  it('appends nothing on its own', () => {
    expect(render('%t').toString()).toBe('orders')
  })

  it.each(['%x', '%', 'a\\q', '\\x4', '\\xZZ', 'end\\'])('rejects %s', (template) => {
    expect(() => parseTemplate(template)).toThrow(TemplateError)
  })

  it('unescape treats % literally', () => {
    expect(unescape('%s\\t\\x00').equals(Buffer.from([0x25, 0x73, 0x09, 0x00]))).toBe(true)
    expect(unescape('').length).toBe(0)
  })
})
