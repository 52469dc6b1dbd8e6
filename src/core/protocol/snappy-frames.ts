import {NsqError} from '../errors.js'
import {crc32c} from './crc32c.js'

/**
 * The snappy *framing* format (the stream nsqd speaks after a snappy upgrade, reference §1.6):
 * a stream identifier chunk, then chunks of `[type][3-byte LE length][masked CRC-32C][payload]`.
 * The block compressor itself is injected, so this file stays pure.
 */
export interface SnappyBlockCodec {
  compress(input: Buffer): Buffer
  uncompress(input: Buffer): Buffer
}

export const SNAPPY_STREAM_IDENTIFIER = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59])
const CHUNK_COMPRESSED = 0x00
const CHUNK_UNCOMPRESSED = 0x01
const CHUNK_PADDING = 0xfe
const CHUNK_STREAM_IDENTIFIER = 0xff
/** Uncompressed bytes per chunk allowed by the format. */
const MAX_BLOCK = 65536
/** Largest chunk payload we accept: a compressed 64 KiB block can grow a little. */
const MAX_CHUNK_LENGTH = 4 + 76_490

/** The CRC mask of the framing format. */
export function maskedCrc(data: Uint8Array): number {
  const crc = crc32c(data)
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0
}

/** Encodes outgoing bytes into snappy frames; the first call also emits the stream identifier. */
export class SnappyFrameEncoder {
  private started = false

  constructor(private readonly codec: SnappyBlockCodec) {}

  encode(input: Buffer): Buffer {
    const parts: Buffer[] = []
    if (!this.started) {
      parts.push(SNAPPY_STREAM_IDENTIFIER)
      this.started = true
    }
    for (let at = 0; at < input.length; at += MAX_BLOCK) {
      const block = input.subarray(at, Math.min(input.length, at + MAX_BLOCK))
      const compressed = this.codec.compress(block)
      // Like the reference encoder: keep the raw bytes when compression saves less than 1/8.
      const useRaw = compressed.length >= block.length - (block.length >>> 3)
      const payload = useRaw ? block : compressed
      const header = Buffer.allocUnsafe(8)
      const length = payload.length + 4
      header[0] = useRaw ? CHUNK_UNCOMPRESSED : CHUNK_COMPRESSED
      header[1] = length & 0xff
      header[2] = (length >>> 8) & 0xff
      header[3] = (length >>> 16) & 0xff
      header.writeUInt32LE(maskedCrc(block), 4)
      parts.push(header, payload)
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)
  }
}

/** Decodes incoming snappy frames into the plain byte stream, checking every CRC. */
export class SnappyFrameDecoder {
  private pending: Buffer = Buffer.alloc(0)
  private sawIdentifier = false

  constructor(private readonly codec: SnappyBlockCodec) {}

  /** Returns the plain bytes of every whole chunk now available (possibly none). */
  decode(chunk: Buffer): Buffer[] {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const out: Buffer[] = []
    let at = 0
    while (data.length - at >= 4) {
      const type = data[at] as number
      const length = (data[at + 1] as number) | ((data[at + 2] as number) << 8) | ((data[at + 3] as number) << 16)
      if (length > MAX_CHUNK_LENGTH) throw new NsqError('PROTOCOL', `snappy chunk of ${length} bytes is too large`)
      if (data.length - at < 4 + length) break
      const payload = data.subarray(at + 4, at + 4 + length)
      at += 4 + length
      if (type === CHUNK_STREAM_IDENTIFIER) {
        if (!payload.equals(SNAPPY_STREAM_IDENTIFIER.subarray(4))) throw new NsqError('PROTOCOL', 'bad snappy stream identifier')
        this.sawIdentifier = true
        continue
      }
      if (!this.sawIdentifier) throw new NsqError('PROTOCOL', 'snappy stream does not start with the stream identifier')
      if (type === CHUNK_COMPRESSED || type === CHUNK_UNCOMPRESSED) {
        if (payload.length < 4) throw new NsqError('PROTOCOL', 'snappy chunk too short for its checksum')
        const expected = payload.readUInt32LE(0)
        let plain: Buffer
        try {
          plain = type === CHUNK_COMPRESSED ? this.codec.uncompress(payload.subarray(4)) : payload.subarray(4)
        } catch (error) {
          throw new NsqError('PROTOCOL', 'corrupt snappy block', {cause: error})
        }
        if (plain.length > MAX_BLOCK) throw new NsqError('PROTOCOL', 'snappy block decodes to more than 64 KiB')
        if (maskedCrc(plain) !== expected) throw new NsqError('PROTOCOL', 'snappy chunk checksum mismatch')
        out.push(plain)
        continue
      }
      if (type === CHUNK_PADDING || (type >= 0x80 && type <= 0xfd)) continue
      throw new NsqError('PROTOCOL', `reserved unskippable snappy chunk type 0x${type.toString(16)}`)
    }
    this.pending = at === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(at))
    return out
  }
}
