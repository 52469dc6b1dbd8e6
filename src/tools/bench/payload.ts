/**
 * Bench message bodies. When a body has room (≥ 12 bytes) publishers stamp it: 4 magic bytes
 * `NSQB` then the send time as a float64 of epoch milliseconds (the scheduled time under
 * `--rate`). A consumer in this or another process on the same host reads the stamp back for
 * end-to-end latency; bodies without the magic (someone else's messages) are only counted.
 */

const MAGIC = 0x4e53_5142 // "NSQB"
/** Smallest body that can carry a stamp. */
export const STAMP_BYTES = 12

/** A zero-filled body of `size` bytes (like bench_writer's). */
export function makeBody(size: number): Buffer {
  return Buffer.alloc(size)
}

/**
 * Writes the same stamp into the first `count` bodies (those big enough); the marker is written
 * once per body, so restamping a reused batch only rewrites the 8 time bytes.
 */
export function stampBatch(bodies: readonly Buffer[], count: number, epochMs: number): void {
  if (count === 0 || (bodies[0] as Buffer).length < STAMP_BYTES) return
  for (let i = 0; i < count; i++) {
    const body = bodies[i] as Buffer
    if (body[0] !== 0x4e) body.writeUInt32BE(MAGIC, 0)
    body.writeDoubleBE(epochMs, 4)
  }
}

/** Writes the stamp into `body` when it fits; returns whether it did. */
export function stamp(body: Buffer, epochMs: number): boolean {
  if (body.length < STAMP_BYTES) return false
  body.writeUInt32BE(MAGIC, 0)
  body.writeDoubleBE(epochMs, 4)
  return true
}

/** The stamp's epoch milliseconds, or undefined for a body without one. */
export function readStamp(body: Buffer): number | undefined {
  if (body.length < STAMP_BYTES || body.readUInt32BE(0) !== MAGIC) return undefined
  const at = body.readDoubleBE(4)
  return Number.isFinite(at) ? at : undefined
}

/** A bench topic or channel name: `nsq_bench_<6 base-36 chars>`, random injected for tests. */
export function autoName(random: () => number = Math.random): string {
  let suffix = ''
  for (let i = 0; i < 6; i++) suffix += Math.floor(random() * 36).toString(36)
  return `nsq_bench_${suffix}`
}
