import {describe, expect, it} from 'vitest'
import {decodeEnvelope} from '../../../src/tools/envelope.js'
import {createFormatter, type TailMessage} from '../../../src/tools/tail/format.js'
import {TemplateError} from '../../../src/tools/tail/template.js'

const message = (body: Buffer | string, topic = 'orders'): TailMessage => ({
  topic,
  channel: 'c#ephemeral',
  id: '0123456789abcdef',
  timestamp: 1_764_000_000_123_456_789n,
  attempts: 1,
  nsqd: '127.0.0.1:4150',
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
})

function run(options: Parameters<typeof createFormatter>[0], ...messages: TailMessage[]): Buffer {
  const format = createFormatter(options)
  const out: Buffer[] = []
  for (const m of messages) format(m, out)
  return Buffer.concat(out)
}

const NL = Buffer.from('\n')

describe('tail formats', () => {
  it('raw: body then delimiter, bytes untouched', () => {
    const binary = Buffer.from([0, 0xff, 0x0a])
    expect(
      run({format: 'raw', delimiter: NL, printTopic: false}, message('a'), message(binary)).equals(
        Buffer.concat([Buffer.from('a\n'), binary, NL]),
      ),
    ).toBe(true)
  })

  it('raw with --print-topic prefixes "<topic> | " as nsq_tail does', () => {
    expect(run({format: 'raw', delimiter: NL, printTopic: true}, message('x', 'a'), message('y', 'b')).toString()).toBe('a | x\nb | y\n')
  })

  it('raw with a NUL delimiter', () => {
    expect(run({format: 'raw', delimiter: Buffer.from([0]), printTopic: false}, message('a'), message('b')).toString()).toBe('a\0b\0')
  })

  it('json: one envelope per line with every field, timestamp in ms', () => {
    const text = run({format: 'json', delimiter: NL, printTopic: false}, message('héllo'), message(Buffer.from([0xc3, 0x28]))).toString()
    const lines = text.split('\n')
    expect(lines).toHaveLength(3)
    expect(JSON.parse(lines[0] as string)).toEqual({
      topic: 'orders',
      channel: 'c#ephemeral',
      id: '0123456789abcdef',
      timestamp: 1_764_000_000_123,
      attempts: 1,
      nsqd: '127.0.0.1:4150',
      body: 'héllo',
    })
    const binary = JSON.parse(lines[1] as string) as Record<string, unknown>
    expect(binary.body).toBeUndefined()
    expect(decodeEnvelope(lines[1] as string).body.equals(Buffer.from([0xc3, 0x28]))).toBe(true)
  })

  it('template: printed exactly, --print-topic ignored', () => {
    expect(run({format: '%t:%s\\n', delimiter: Buffer.from('X'), printTopic: true}, message('b')).toString()).toBe('orders:b\n')
  })

  it('rejects an unknown format word instead of printing it per message', () => {
    expect(() => createFormatter({format: 'jsno', delimiter: NL, printTopic: false})).toThrow(TemplateError)
  })
})
