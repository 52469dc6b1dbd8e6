import {NsqError} from '../errors.js'

/** Frame types nsqd sends (reference §1.3). */
export const FrameType = {
  Response: 0,
  Error: 1,
  Message: 2,
} as const
export type FrameType = (typeof FrameType)[keyof typeof FrameType]

/** One decoded frame. `data` may share memory with the chunk it came from. */
export interface Frame {
  readonly type: number
  readonly data: Buffer
}

/** "HTTP" read as a big-endian int32: what a frame size looks like when an HTTP server answers. */
const HTTP_AS_SIZE = 0x48_54_54_50

/** Default ceiling on one frame: nsqd's largest legal message frame is max-msg-size + 30 bytes. */
export const DEFAULT_MAX_FRAME_SIZE = 8 * 1024 * 1024

/**
 * Incremental decoder for `[size int32][type int32][data]` frames.
 *
 * Chunks are kept in a list and never re-concatenated as a whole: a frame that lies inside one
 * chunk is returned as a view of it, and only a frame that spans chunks is copied, once.
 * A size above `maxFrameSize` (or below 4) is rejected before anything is allocated for it.
 */
export class FrameDecoder {
  private chunks: Buffer[] = []
  /** Read offset into chunks[0]. */
  private offset = 0
  private buffered = 0
  private readonly scratch = Buffer.allocUnsafe(8)

  constructor(readonly maxFrameSize: number = DEFAULT_MAX_FRAME_SIZE) {}

  /** Bytes held that do not yet form a whole frame (or have not been read with next()). */
  get pendingBytes(): number {
    return this.buffered
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  /** The next whole frame, or undefined when more bytes are needed. Throws NsqError on a bad size. */
  next(): Frame | undefined {
    if (this.buffered < 8) return undefined
    const first = this.chunks[0] as Buffer
    // The common case reads the header in place; across chunks it is copied into scratch.
    const header = first.length - this.offset >= 8 ? first : this.peek(8)
    const at = header === first ? this.offset : 0
    const size = header.readInt32BE(at)
    if (size > this.maxFrameSize || size < 4) throw sizeError(size, this.maxFrameSize)
    if (this.buffered < 4 + size) return undefined
    const type = header.readInt32BE(at + 4)
    this.skip(8)
    return {type, data: this.take(size - 4)}
  }

  /** Hands back every byte not yet decoded and empties the decoder (used when a stream is upgraded). */
  takeRemaining(): Buffer {
    const rest = this.take(this.buffered)
    return rest
  }

  /** A view (or, across chunks, a copy into scratch) of the first n ≤ 8 bytes, without consuming. */
  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer
    if (first.length - this.offset >= n) return first.subarray(this.offset, this.offset + n)
    let filled = 0
    let index = 0
    let from = this.offset
    while (filled < n) {
      const chunk = this.chunks[index++] as Buffer
      filled += chunk.copy(this.scratch, filled, from, Math.min(chunk.length, from + n - filled))
      from = 0
    }
    return this.scratch.subarray(0, n)
  }

  private skip(n: number): void {
    this.buffered -= n
    while (n > 0) {
      const first = this.chunks[0] as Buffer
      const available = first.length - this.offset
      if (available > n) {
        this.offset += n
        return
      }
      n -= available
      this.chunks.shift()
      this.offset = 0
    }
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0)
    const first = this.chunks[0] as Buffer
    if (first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n)
      this.skip(n)
      return view
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.chunks[0] as Buffer
      const count = chunk.copy(out, filled, this.offset, Math.min(chunk.length, this.offset + n - filled))
      filled += count
      this.skip(count)
    }
    return out
  }
}

function sizeError(size: number, max: number): NsqError {
  if (size === HTTP_AS_SIZE) {
    return new NsqError('PROTOCOL', "the peer answered with HTTP: this looks like an HTTP port, not nsqd's TCP port")
  }
  if (size < 4) return new NsqError('PROTOCOL', `invalid frame size ${size}`)
  return new NsqError('FRAME_TOO_LARGE', `frame size ${size} exceeds the limit of ${max} bytes`)
}
