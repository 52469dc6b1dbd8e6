import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {EnvelopeError, decodeEnvelope, encodeEnvelope, nanosToMillis} from '../../src/tools/envelope.js'

describe('envelope', () => {
  it('encodes a UTF-8 body as "body" with the fields in order', () => {
    const line = encodeEnvelope({
      topic: 't',
      channel: 'c#ephemeral',
      id: '0a1b2c3d4e5f6a7b',
      timestamp: 1_764_000_000_123,
      attempts: 2,
      nsqd: '127.0.0.1:4150',
      body: Buffer.from('héllo "x"\n'),
    })
    expect(Object.keys(JSON.parse(line) as object)).toEqual(['topic', 'channel', 'id', 'timestamp', 'attempts', 'nsqd', 'body'])
    expect(JSON.parse(line)).toMatchObject({body: 'héllo "x"\n', attempts: 2, timestamp: 1_764_000_000_123})
    expect(line).not.toContain('\n')
  })

  it('encodes a body that is not valid UTF-8 as body_base64', () => {
    const body = Buffer.from([0xff, 0x00, 0xfe, 0x80])
    const parsed = JSON.parse(encodeEnvelope({body})) as Record<string, unknown>
    expect(parsed).toEqual({body_base64: body.toString('base64')})
  })

  it('round-trips any bytes and fields', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({maxLength: 64}),
        fc.string(),
        fc.nat(),
        fc.option(fc.string(), {nil: undefined}),
        (bytes, topic, attempts, nsqd) => {
          const envelope = {topic, attempts, body: Buffer.from(bytes), ...(nsqd === undefined ? {} : {nsqd})}
          const back = decodeEnvelope(encodeEnvelope(envelope))
          expect(back.body.equals(Buffer.from(bytes))).toBe(true)
          expect(back.topic).toBe(topic)
          expect(back.attempts).toBe(attempts)
          expect(back.nsqd).toBe(nsqd)
        },
      ),
    )
  })

  it('accepts a minimal hand-written line', () => {
    expect(decodeEnvelope('  {"body":"hi","extra":1}\r').body.toString()).toBe('hi')
  })

  it.each([
    ['not json', 'nope'],
    ['array', '[1]'],
    ['no body', '{"topic":"t"}'],
    ['both bodies', '{"body":"a","body_base64":"YQ=="}'],
    ['bad base64', '{"body_base64":"@@@"}'],
    ['body not string', '{"body":5}'],
    ['attempts not integer', '{"body":"a","attempts":"2"}'],
  ])('rejects %s', (_name, line) => {
    expect(() => decodeEnvelope(line)).toThrow(EnvelopeError)
  })

  it('converts nanoseconds to milliseconds', () => {
    expect(nanosToMillis(1_764_000_000_123_456_789n)).toBe(1_764_000_000_123)
  })
})
