/**
 * Encoders for the client → nsqd commands of protocol V2 (reference §1.2, §1.4).
 * Each returns one Buffer holding the whole command, ready to be written.
 * Names and sizes are not checked here; callers validate before encoding.
 */

/** The 4-byte magic every connection starts with: two spaces, `V2`. */
export const MAGIC_V2 = Buffer.from('  V2', 'latin1')

const NOP = Buffer.from('NOP\n', 'latin1')
const CLS = Buffer.from('CLS\n', 'latin1')

/** A command line with no body: `NAME p1 p2\n`. */
function line(text: string): Buffer {
  return Buffer.from(`${text}\n`, 'latin1')
}

/** A command line followed by `[int32 size][body]`. */
function withBody(header: string, body: Buffer): Buffer {
  const headLength = Buffer.byteLength(header, 'latin1')
  const out = Buffer.allocUnsafe(headLength + 1 + 4 + body.length)
  out.write(header, 0, 'latin1')
  out[headLength] = 0x0a
  out.writeInt32BE(body.length, headLength + 1)
  body.copy(out, headLength + 5)
  return out
}

export function encodeIdentify(data: Readonly<Record<string, unknown>>): Buffer {
  return withBody('IDENTIFY', Buffer.from(JSON.stringify(data), 'utf8'))
}

export function encodeAuth(secret: string | Buffer): Buffer {
  return withBody('AUTH', typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret)
}

export function encodeSub(topic: string, channel: string): Buffer {
  return line(`SUB ${topic} ${channel}`)
}

export function encodePub(topic: string, body: Buffer): Buffer {
  return withBody(`PUB ${topic}`, body)
}

/** `DPUB <topic> <defer_ms>`; the delay is truncated to whole milliseconds. */
export function encodeDpub(topic: string, deferMs: number, body: Buffer): Buffer {
  return withBody(`DPUB ${topic} ${Math.trunc(deferMs)}`, body)
}

/** Size of an MPUB body holding no message yet: the int32 count. */
export const MPUB_EMPTY_BODY_SIZE = 4

/** What one message of `bodyLength` bytes adds to an MPUB body: its int32 size prefix and the bytes. */
export function mpubEntrySize(bodyLength: number): number {
  return 4 + bodyLength
}

/** Size of the MPUB body (count + each size-prefixed message) for these bodies (nsq-reference §1.4). */
export function mpubBodySize(bodies: readonly Buffer[]): number {
  let size = MPUB_EMPTY_BODY_SIZE
  for (const body of bodies) size += mpubEntrySize(body.length)
  return size
}

/** `MPUB <topic>\n[int32 body size][int32 count]` then count × `[int32 size][bytes]`, in one allocation. */
export function encodeMpub(topic: string, bodies: readonly Buffer[]): Buffer {
  const header = `MPUB ${topic}`
  const headLength = Buffer.byteLength(header, 'latin1')
  const bodySize = mpubBodySize(bodies)
  const out = Buffer.allocUnsafe(headLength + 1 + 4 + bodySize)
  out.write(header, 0, 'latin1')
  let at = headLength
  out[at++] = 0x0a
  out.writeInt32BE(bodySize, at)
  out.writeInt32BE(bodies.length, at + 4)
  at += 8
  for (const body of bodies) {
    out.writeInt32BE(body.length, at)
    at += 4
    at += body.copy(out, at)
  }
  return out
}

/** `RDY <count>`: the connection's in-flight window (reference §1.9). */
export function encodeRdy(count: number): Buffer {
  return line(`RDY ${Math.trunc(count)}`)
}

/** Writes `<CMD> <16-byte id>` (+ optional ` <number>`) then `\n`. */
function idCommand(name: 'FIN' | 'REQ' | 'TOUCH', id: Buffer, suffix: string): Buffer {
  const out = Buffer.allocUnsafe(name.length + 1 + id.length + suffix.length + 1)
  let at = out.write(name, 0, 'latin1')
  out[at++] = 0x20
  at += id.copy(out, at)
  at += out.write(suffix, at, 'latin1')
  out[at] = 0x0a
  return out
}

export function encodeFin(id: Buffer): Buffer {
  return idCommand('FIN', id, '')
}

const FIN_PREFIX = Buffer.from('FIN ', 'latin1')

/** Bytes of a FIN command with a 16-byte id: `FIN <id>\n`. */
export const FIN_SIZE = FIN_PREFIX.length + 16 + 1

/**
 * Writes `FIN <id>\n` into `target` at `offset` (the hot path's allocation-free form of
 * encodeFin; the caller guarantees room for 4 + id.length + 1 bytes) and returns the new offset.
 */
export function writeFin(target: Buffer, offset: number, id: Buffer): number {
  let at = offset + FIN_PREFIX.copy(target, offset)
  at += id.copy(target, at)
  target[at] = 0x0a
  return at + 1
}

/** `REQ <id> <timeout_ms>`; negative timeouts are a fatal parse error in nsqd, so they become 0. */
export function encodeReq(id: Buffer, timeoutMs: number): Buffer {
  return idCommand('REQ', id, ` ${Math.max(0, Math.trunc(timeoutMs))}`)
}

export function encodeTouch(id: Buffer): Buffer {
  return idCommand('TOUCH', id, '')
}

export function encodeNop(): Buffer {
  return NOP
}

export function encodeCls(): Buffer {
  return CLS
}
