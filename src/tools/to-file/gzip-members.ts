/**
 * Finds where the complete gzip members of a (multi-member) gzip file end, so a file cut off
 * by a crash can be trimmed at its last complete sync: to-file (like nsq_to_file) closes one
 * member per sync, and each member's trailer (CRC-32 and length) proves it is whole.
 */
import zlib from 'node:zlib'

const FTEXT_MASK = 0x01
const FHCRC = 0x02
const FEXTRA = 0x04
const FNAME = 0x08
const FCOMMENT = 0x10

/** Length of the member header starting at `offset`, or undefined when it is incomplete or invalid. */
function headerLength(data: Buffer, offset: number): number | undefined {
  if (data.length - offset < 10) return undefined
  if (data[offset] !== 0x1f || data[offset + 1] !== 0x8b || data[offset + 2] !== 8) return undefined
  const flags = data[offset + 3] as number
  let at = offset + 10
  if ((flags & ~(FTEXT_MASK | FHCRC | FEXTRA | FNAME | FCOMMENT)) !== 0) return undefined
  if ((flags & FEXTRA) !== 0) {
    if (data.length - at < 2) return undefined
    at += 2 + data.readUInt16LE(at)
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if ((flags & flag) === 0) continue
    const end = data.indexOf(0, at)
    if (end < 0) return undefined
    at = end + 1
  }
  if ((flags & FHCRC) !== 0) at += 2
  return at <= data.length ? at - offset : undefined
}

/** What a scan of a gzip file found. */
export interface GzipScan {
  /** Bytes of complete, verified members from the start. */
  validLength: number
  members: number
}

/**
 * Scans members from the start; stops at the first incomplete or corrupt one. Each valid
 * member's decompressed content goes to `onContent` (one member in memory at a time).
 */
export function scanGzipMembers(data: Buffer, onContent: (content: Buffer) => void = () => undefined): GzipScan {
  let offset = 0
  let members = 0
  while (offset < data.length) {
    const header = headerLength(data, offset)
    if (header === undefined) break
    let inflated: {buffer: Buffer; engine: zlib.InflateRaw}
    try {
      inflated = zlib.inflateRawSync(data.subarray(offset + header), {info: true}) as unknown as {buffer: Buffer; engine: zlib.InflateRaw}
    } catch {
      break
    }
    const trailer = offset + header + inflated.engine.bytesWritten
    if (data.length - trailer < 8) break
    if (data.readUInt32LE(trailer) !== zlib.crc32(inflated.buffer) || data.readUInt32LE(trailer + 4) !== inflated.buffer.length >>> 0) break
    onContent(inflated.buffer)
    offset = trailer + 8
    members++
  }
  return {validLength: offset, members}
}
