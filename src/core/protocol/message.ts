import {NsqError} from '../errors.js'

/** The shortest valid message frame body: timestamp (8) + attempts (2) + id (16). */
export const MIN_MESSAGE_SIZE = 26
export const MESSAGE_ID_LENGTH = 16

/** A message as nsqd sent it (reference §1.3). `id` and `body` are views of the frame data. */
export interface RawMessage {
  /** Nanoseconds since the Unix epoch, set by nsqd when the message was published. */
  readonly timestamp: bigint
  /** Delivery count; the first delivery is 1. */
  readonly attempts: number
  /** The 16 ASCII hex bytes of the message id, exactly as FIN/REQ/TOUCH must quote them. */
  readonly id: Buffer
  readonly body: Buffer
}

/**
 * A message frame's data read in place: what a field costs is paid when it is read. The
 * timestamp (a BigInt) is decoded only if asked for, the id and body views are made on first use
 * and then kept. On the consume path (200,000 messages relayed) nothing reads the timestamp and
 * the id is read only to FIN, so a message in flight holds one view (its frame) instead of a
 * BigInt and two views: fewer objects for each scavenge to copy while it waits for its answer.
 */
export class FrameMessage implements RawMessage {
  readonly attempts: number
  private idView: Buffer | undefined = undefined
  private bodyView: Buffer | undefined = undefined

  constructor(private readonly data: Buffer) {
    if (data.length < MIN_MESSAGE_SIZE) {
      throw new NsqError('PROTOCOL', `message frame of ${data.length} bytes is shorter than ${MIN_MESSAGE_SIZE}`)
    }
    this.attempts = data.readUInt16BE(8)
  }

  get timestamp(): bigint {
    return this.data.readBigInt64BE(0)
  }

  get id(): Buffer {
    return (this.idView ??= this.data.subarray(10, 26))
  }

  get body(): Buffer {
    return (this.bodyView ??= this.data.subarray(26))
  }
}

/** Parses the data of a FrameTypeMessage frame (a view of it: see FrameMessage). */
export function parseMessage(data: Buffer): RawMessage {
  return new FrameMessage(data)
}

/** Builds message frame data; the inverse of parseMessage (used by tests and fake servers). */
export function encodeMessage(message: RawMessage): Buffer {
  if (message.id.length !== MESSAGE_ID_LENGTH) throw new NsqError('PROTOCOL', 'message id must be 16 bytes')
  const out = Buffer.allocUnsafe(MIN_MESSAGE_SIZE + message.body.length)
  out.writeBigInt64BE(message.timestamp, 0)
  out.writeUInt16BE(message.attempts, 8)
  message.id.copy(out, 10)
  message.body.copy(out, 26)
  return out
}

/** Encodes a frame: `[size][type][data]` (used by tests and fake servers). */
export function encodeFrame(type: number, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(8 + data.length)
  out.writeInt32BE(4 + data.length, 0)
  out.writeInt32BE(type, 4)
  data.copy(out, 8)
  return out
}
