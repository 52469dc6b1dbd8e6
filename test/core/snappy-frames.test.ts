import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {SnappyFrameDecoder, SnappyFrameEncoder, SNAPPY_STREAM_IDENTIFIER, maskedCrc} from '../../src/core/protocol/snappy-frames.js'
import {crc32c} from '../../src/core/protocol/crc32c.js'
import {loadSnappyCodec} from '../../src/core/connection/compression.js'

describe('crc32c', () => {
  it('matches the standard check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa)
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43)
  })
})

describe('snappy framing', async () => {
  const codec = await loadSnappyCodec()

  it('starts with the stream identifier and writes an annotated uncompressed chunk for tiny input', () => {
    const out = new SnappyFrameEncoder(codec).encode(Buffer.from('OK'))
    expect(out.subarray(0, 10)).toEqual(SNAPPY_STREAM_IDENTIFIER)
    expect(out[10]).toBe(0x01) // uncompressed chunk: compression would not save 1/8
    expect(out.readUIntLE(11, 3)).toBe(4 + 2) // length: checksum + data
    expect(out.readUInt32LE(14)).toBe(maskedCrc(Buffer.from('OK')))
    expect(out.subarray(18).toString()).toBe('OK')
  })

  it('round-trips any stream, decoded in any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({maxLength: 70_000}), {maxLength: 5}), fc.integer({min: 1, max: 9000}), (writes, cut) => {
        const encoder = new SnappyFrameEncoder(codec)
        const wire = Buffer.concat(writes.map((w) => encoder.encode(Buffer.from(w))))
        const decoder = new SnappyFrameDecoder(codec)
        const plain: Buffer[] = []
        for (let at = 0; at < wire.length; at += cut) plain.push(...decoder.decode(wire.subarray(at, at + cut)))
        expect(Buffer.concat(plain).equals(Buffer.concat(writes.map((w) => Buffer.from(w))))).toBe(true)
      }),
      {numRuns: 40},
    )
  })

  it('compresses repetitive data', () => {
    const input = Buffer.alloc(200_000, 'abcabcabc') // four 64 KiB chunks
    const wire = new SnappyFrameEncoder(codec).encode(input)
    expect(wire.length).toBeLessThan(input.length / 4)
    expect(wire[10]).toBe(0x00)
    expect(Buffer.concat(new SnappyFrameDecoder(codec).decode(wire)).equals(input)).toBe(true)
  })

  it('rejects a corrupted checksum and a stream without the identifier', () => {
    const wire = Buffer.from(new SnappyFrameEncoder(codec).encode(Buffer.from('hello world')))
    wire.writeUInt8(wire.readUInt8(wire.length - 1) ^ 0xff, wire.length - 1)
    expect(() => new SnappyFrameDecoder(codec).decode(wire)).toThrowError(/checksum/)
    const body = new SnappyFrameEncoder(codec).encode(Buffer.from('x')).subarray(10)
    expect(() => new SnappyFrameDecoder(codec).decode(body)).toThrowError(/identifier/)
  })
})
