import {isUtf8} from 'node:buffer'

/**
 * The one-line JSON envelope (NDJSON) that `nsq tail --format json` prints and that
 * `nsq to-nsq --input-format json` / `nsq to-file --format json` read and write.
 *
 * Fields, in this order:
 * - `topic`, `channel`: where the message was read (strings).
 * - `id`: nsqd's 16-character hex message id.
 * - `timestamp`: when nsqd accepted the publish, in milliseconds since the Unix epoch (integer).
 * - `attempts`: delivery count, 1 on first delivery.
 * - `nsqd`: the `host:port` of the nsqd it came from.
 * - `body`: the body as a string, when it is valid UTF-8; otherwise
 * - `body_base64`: the body bytes in standard base64. Exactly one of the two is present.
 *
 * Only the body is required when decoding, so hand-written lines like `{"body":"hi"}` replay too.
 */
export interface Envelope {
  topic?: string
  channel?: string
  id?: string
  /** Milliseconds since the Unix epoch. */
  timestamp?: number
  attempts?: number
  nsqd?: string
  /** The message body bytes (encoded as `body` or `body_base64`). */
  body: Buffer
}

/** A line that is not a valid envelope. */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError'
}

/** Nanoseconds since the epoch (as nsqd stamps messages) → whole milliseconds. */
export function nanosToMillis(nanos: bigint): number {
  return Number(nanos / 1_000_000n)
}

/** A delivered message as the envelope describes it (the core Message has this shape). */
export interface DeliveredMessage {
  readonly topic: string
  readonly channel: string
  readonly id: string
  /** Nanoseconds since the epoch, as nsqd stamps it. */
  readonly timestamp: bigint
  readonly attempts: number
  readonly nsqd: string
  readonly body: Buffer
}

/** The envelope line (no trailing newline) of a delivered message: what tail prints and to-file archives. */
export function encodeMessageEnvelope(message: DeliveredMessage): string {
  return encodeEnvelope({
    topic: message.topic,
    channel: message.channel,
    id: message.id,
    timestamp: nanosToMillis(message.timestamp),
    attempts: message.attempts,
    nsqd: message.nsqd,
    body: message.body,
  })
}

/**
 * Encodes one envelope as a single JSON line, without the trailing newline.
 * Absent optional fields are left out; the body goes to `body` when it is valid UTF-8, else
 * `body_base64`.
 */
export function encodeEnvelope(envelope: Envelope): string {
  let out = '{'
  let first = true
  const add = (key: string, json: string): void => {
    out += (first ? '"' : ',"') + key + '":' + json
    first = false
  }
  if (envelope.topic !== undefined) add('topic', JSON.stringify(envelope.topic))
  if (envelope.channel !== undefined) add('channel', JSON.stringify(envelope.channel))
  if (envelope.id !== undefined) add('id', JSON.stringify(envelope.id))
  if (envelope.timestamp !== undefined) add('timestamp', String(envelope.timestamp))
  if (envelope.attempts !== undefined) add('attempts', String(envelope.attempts))
  if (envelope.nsqd !== undefined) add('nsqd', JSON.stringify(envelope.nsqd))
  const {body} = envelope
  if (isUtf8(body)) add('body', JSON.stringify(body.toString('utf8')))
  else add('body_base64', '"' + body.toString('base64') + '"')
  return out + '}'
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function optionalString(object: Record<string, unknown>, key: string): string | undefined {
  const value = object[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new EnvelopeError(`envelope field "${key}" must be a string`)
  return value
}

function optionalInteger(object: Record<string, unknown>, key: string): number | undefined {
  const value = object[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new EnvelopeError(`envelope field "${key}" must be an integer`)
  }
  return value
}

/**
 * Decodes one envelope line (as written by encodeEnvelope; surrounding whitespace is allowed).
 * Throws EnvelopeError when the line is not a JSON object, has neither or both of `body` and
 * `body_base64`, or a field has the wrong type. Unknown fields are ignored.
 */
export function decodeEnvelope(line: string): Envelope {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (error) {
    throw new EnvelopeError(`not valid JSON: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EnvelopeError('envelope must be a JSON object')
  }
  const object = parsed as Record<string, unknown>
  const text = object['body']
  const base64 = object['body_base64']
  const hasText = text !== undefined && text !== null
  const hasBase64 = base64 !== undefined && base64 !== null
  if (hasText === hasBase64) throw new EnvelopeError('envelope needs exactly one of "body" and "body_base64"')
  let body: Buffer
  if (hasText) {
    if (typeof text !== 'string') throw new EnvelopeError('envelope field "body" must be a string')
    body = Buffer.from(text, 'utf8')
  } else {
    if (typeof base64 !== 'string' || base64.length % 4 !== 0 || !BASE64.test(base64)) {
      throw new EnvelopeError('envelope field "body_base64" must be standard base64')
    }
    body = Buffer.from(base64, 'base64')
  }
  const envelope: Envelope = {body}
  const topic = optionalString(object, 'topic')
  if (topic !== undefined) envelope.topic = topic
  const channel = optionalString(object, 'channel')
  if (channel !== undefined) envelope.channel = channel
  const id = optionalString(object, 'id')
  if (id !== undefined) envelope.id = id
  const timestamp = optionalInteger(object, 'timestamp')
  if (timestamp !== undefined) envelope.timestamp = timestamp
  const attempts = optionalInteger(object, 'attempts')
  if (attempts !== undefined) envelope.attempts = attempts
  const nsqd = optionalString(object, 'nsqd')
  if (nsqd !== undefined) envelope.nsqd = nsqd
  return envelope
}
