import zlib from 'node:zlib'
import {EventEmitter} from 'node:events'
import {SnappyFrameDecoder, SnappyFrameEncoder, type SnappyBlockCodec} from '../protocol/snappy-frames.js'

/**
 * The byte-stream layers a connection can be upgraded to after IDENTIFY (reference §1.6):
 * snappy framing or raw deflate with a sync flush after every write. Each layer turns
 * outgoing bytes into what the socket carries, and incoming socket bytes back into frames.
 */
export interface StreamLayer {
  /** Encodes and writes; false means wait for 'drain' on `drainEmitter` before writing more. */
  write(data: Buffer): boolean
  /** Feeds bytes read from the socket; plain bytes come out through the `onPlain` callback. */
  receive(chunk: Buffer): void
  readonly drainEmitter: EventEmitter
  destroy(): void
}

interface Socketish extends EventEmitter {
  write(data: Buffer): boolean
}

let snappyCodec: Promise<SnappyBlockCodec> | undefined

/** Loads the native snappy block codec on first use only. */
export function loadSnappyCodec(): Promise<SnappyBlockCodec> {
  snappyCodec ??= import('snappy').then((snappy) => ({
    compress: (input: Buffer): Buffer => snappy.compressSync(input),
    uncompress: (input: Buffer): Buffer => {
      const out = snappy.uncompressSync(input, {asBuffer: true})
      return typeof out === 'string' ? Buffer.from(out) : out
    },
  }))
  return snappyCodec
}

export function snappyLayer(socket: Socketish, codec: SnappyBlockCodec, onPlain: (chunk: Buffer) => void): StreamLayer {
  const encoder = new SnappyFrameEncoder(codec)
  const decoder = new SnappyFrameDecoder(codec)
  return {
    write: (data) => socket.write(encoder.encode(data)),
    receive: (chunk) => {
      for (const plain of decoder.decode(chunk)) onPlain(plain)
    },
    drainEmitter: socket,
    destroy: () => undefined,
  }
}

export function deflateLayer(
  socket: Socketish,
  level: number,
  onPlain: (chunk: Buffer) => void,
  onError: (error: Error) => void,
): StreamLayer {
  const deflater = zlib.createDeflateRaw({level})
  const inflater = zlib.createInflateRaw()
  deflater.on('data', (out: Buffer) => {
    if (!socket.write(out)) {
      deflater.pause()
      socket.once('drain', () => deflater.resume())
    }
  })
  inflater.on('data', onPlain)
  deflater.on('error', onError)
  inflater.on('error', onError)
  return {
    write: (data) => {
      const ok = deflater.write(data)
      deflater.flush(zlib.constants.Z_SYNC_FLUSH)
      return ok
    },
    receive: (chunk) => {
      inflater.write(chunk)
    },
    drainEmitter: deflater,
    destroy: () => {
      deflater.destroy()
      inflater.destroy()
    },
  }
}
