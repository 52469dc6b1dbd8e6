import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {FrameDecoder, FrameType, type Frame} from '../../src/core/protocol/frame-decoder.js'
import {encodeFrame, encodeMessage, parseMessage} from '../../src/core/protocol/message.js'
import {isNsqError} from '../../src/core/errors.js'

/** Feeds `chunks` and returns every frame, copied so later chunks cannot alias them. */
function decodeAll(decoder: FrameDecoder, chunks: Buffer[]): {type: number; data: string}[] {
  const out: {type: number; data: string}[] = []
  for (const chunk of chunks) {
    decoder.push(chunk)
    let frame: Frame | undefined
    while ((frame = decoder.next()) !== undefined) out.push({type: frame.type, data: frame.data.toString('hex')})
  }
  return out
}

function bytewise(buffer: Buffer): Buffer[] {
  return Array.from(buffer, (byte) => Buffer.from([byte]))
}

// Annotated vectors, as nsqd writes them (reference §1.3).
const OK_FRAME = Buffer.from([
  0x00,
  0x00,
  0x00,
  0x06, // size: 4 (type) + 2 (data)
  0x00,
  0x00,
  0x00,
  0x00, // type 0: response
  0x4f,
  0x4b, //             "OK"
])
const ERROR_FRAME = Buffer.concat([
  Buffer.from([0x00, 0x00, 0x00, 0x1a]), // size 26 = 4 + 22
  Buffer.from([0x00, 0x00, 0x00, 0x01]), // type 1: error
  Buffer.from('E_INVALID invalid cmd', 'latin1'),
  Buffer.from('!'),
])
const MESSAGE_FRAME = Buffer.concat([
  Buffer.from([0x00, 0x00, 0x00, 0x23]), // size 35 = 4 + 26 + 5
  Buffer.from([0x00, 0x00, 0x00, 0x02]), // type 2: message
  Buffer.from([0x17, 0x8b, 0x2b, 0x8f, 0x4f, 0x2c, 0x3a, 0x00]), // timestamp ns (int64 BE)
  Buffer.from([0x00, 0x03]), // attempts = 3
  Buffer.from('0a1b2c3d4e5f6789', 'latin1'), // 16-byte ASCII hex id
  Buffer.from('hello', 'latin1'), // body
])

describe('FrameDecoder', () => {
  it('decodes annotated response, error and message frames whole', () => {
    const frames = decodeAll(new FrameDecoder(), [Buffer.concat([OK_FRAME, ERROR_FRAME, MESSAGE_FRAME])])
    expect(frames.map((f) => f.type)).toEqual([FrameType.Response, FrameType.Error, FrameType.Message])
    expect(Buffer.from(frames[0]!.data, 'hex').toString()).toBe('OK')
    expect(Buffer.from(frames[1]!.data, 'hex').toString()).toBe('E_INVALID invalid cmd!')
    const message = parseMessage(Buffer.from(frames[2]!.data, 'hex'))
    expect(message.timestamp).toBe(0x178b2b8f4f2c3a00n)
    expect(message.attempts).toBe(3)
    expect(message.id.toString('latin1')).toBe('0a1b2c3d4e5f6789')
    expect(message.body.toString()).toBe('hello')
  })

  it('gives the same frames when fed one byte at a time', () => {
    const stream = Buffer.concat([OK_FRAME, ERROR_FRAME, MESSAGE_FRAME])
    expect(decodeAll(new FrameDecoder(), bytewise(stream))).toEqual(decodeAll(new FrameDecoder(), [stream]))
  })

  it('returns nothing until a frame is complete, and keeps the rest', () => {
    const decoder = new FrameDecoder()
    decoder.push(OK_FRAME.subarray(0, 9))
    expect(decoder.next()).toBeUndefined()
    decoder.push(Buffer.concat([OK_FRAME.subarray(9), MESSAGE_FRAME.subarray(0, 3)]))
    expect(decoder.next()?.data.toString()).toBe('OK')
    expect(decoder.next()).toBeUndefined()
    expect(decoder.pendingBytes).toBe(3)
    expect(decoder.takeRemaining()).toEqual(MESSAGE_FRAME.subarray(0, 3))
    expect(decoder.pendingBytes).toBe(0)
  })

  it('rejects a frame size above the limit before allocating, from the header alone', () => {
    const decoder = new FrameDecoder(1024)
    // Only the 8-byte header of a 2 GiB frame has arrived: the error must come now.
    decoder.push(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 2]))
    let caught: unknown
    try {
      decoder.next()
    } catch (error) {
      caught = error
    }
    expect(isNsqError(caught) && caught.code).toBe('FRAME_TOO_LARGE')
  })

  it('rejects negative and too-small sizes, and names HTTP answers', () => {
    for (const [bytes, code, text] of [
      [[0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0], 'PROTOCOL', 'invalid frame size'],
      [[0, 0, 0, 3, 0, 0, 0, 0], 'PROTOCOL', 'invalid frame size'],
      [[...Buffer.from('HTTP/1.1')], 'PROTOCOL', 'HTTP'],
    ] as const) {
      const decoder = new FrameDecoder()
      decoder.push(Buffer.from(bytes))
      expect(() => decoder.next()).toThrowError(expect.objectContaining({code, message: expect.stringContaining(text)}))
    }
  })

  it('returns a view, not a copy, for a frame inside one chunk', () => {
    const decoder = new FrameDecoder()
    decoder.push(OK_FRAME)
    const frame = decoder.next()!
    expect(frame.data.buffer).toBe(OK_FRAME.buffer)
  })

  it('gives identical frames for random chunkings of a long recorded stream', () => {
    const bodies = Array.from({length: 500}, (_, i) => Buffer.alloc(i % 97, i))
    const stream = Buffer.concat(
      bodies.map((body, i) =>
        i % 5 === 0
          ? encodeFrame(FrameType.Response, Buffer.from(`r${i}`))
          : encodeFrame(
              FrameType.Message,
              encodeMessage({
                timestamp: BigInt(i) * 1_000_000n,
                attempts: 1 + (i % 4),
                id: Buffer.from(i.toString(16).padStart(16, '0')),
                body,
              }),
            ),
      ),
    )
    const expected = decodeAll(new FrameDecoder(), [stream])
    expect(expected).toHaveLength(500)
    fc.assert(
      fc.property(fc.array(fc.integer({min: 1, max: 4096}), {minLength: 1, maxLength: 300}), (cuts) => {
        const chunks: Buffer[] = []
        let at = 0
        let i = 0
        while (at < stream.length) {
          const size = cuts[i++ % cuts.length]!
          chunks.push(stream.subarray(at, at + size))
          at += size
        }
        expect(decodeAll(new FrameDecoder(), chunks)).toEqual(expected)
      }),
      {numRuns: 200},
    )
  })
})

describe('message parsing', () => {
  it('round-trips encode → frame → decode → parse', () => {
    fc.assert(
      fc.property(
        fc.bigInt({min: -(2n ** 63n), max: 2n ** 63n - 1n}),
        fc.integer({min: 0, max: 65_535}),
        fc.uint8Array({minLength: 16, maxLength: 16}),
        fc.uint8Array({maxLength: 2000}),
        (timestamp, attempts, id, body) => {
          const raw = {timestamp, attempts, id: Buffer.from(id), body: Buffer.from(body)}
          const decoder = new FrameDecoder()
          decoder.push(encodeFrame(FrameType.Message, encodeMessage(raw)))
          const parsed = parseMessage(decoder.next()!.data)
          expect(parsed.timestamp).toBe(timestamp)
          expect(parsed.attempts).toBe(attempts)
          expect(parsed.id.equals(raw.id)).toBe(true)
          expect(parsed.body.equals(raw.body)).toBe(true)
        },
      ),
    )
  })

  it('rejects a message shorter than 26 bytes', () => {
    expect(() => parseMessage(Buffer.alloc(25))).toThrowError(expect.objectContaining({code: 'PROTOCOL'}))
  })
})
