/**
 * The sync journal of a plain archive file (`.<name>.sync` beside it while it is written): one
 * 24-byte record per sync, written in place in a file preallocated with zeros (so its fdatasync
 * needs no metadata commit) — the span the sync made durable (start and end offsets, u64 BE
 * each), the CRC-32 of its bytes (u32 BE) and a magic (u32 BE). A sync fdatasyncs the data and,
 * concurrently, writes + fdatasyncs the record; several syncs may be in flight, and a batch is
 * FIN'd only when its sync and every earlier one are done. Because the fsyncs race, a record can
 * reach the disk without its data (power loss): repair trusts only records whose CRC matches
 * the file's bytes, and keeps the longest prefix they cover without a gap, starting from the
 * first record (the size the file had when it was opened). Everything after it was never
 * FIN'd, so nsqd redelivers it.
 */
import fs from 'node:fs/promises'
import zlib from 'node:zlib'

export const RECORD_SIZE = 24
const MAGIC = 0x4e535146 // "NSQF"

/** One journal record: the span [start, end) and its CRC-32. */
export function encodeRecord(start: number, end: number, crc: number): Buffer {
  const record = Buffer.alloc(RECORD_SIZE)
  record.writeBigUInt64BE(BigInt(start), 0)
  record.writeBigUInt64BE(BigInt(end), 8)
  record.writeUInt32BE(crc >>> 0, 16)
  record.writeUInt32BE(MAGIC, 20)
  return record
}

/** CRC-32 of several chunks, as if concatenated. */
export function crcOf(chunks: readonly Buffer[]): number {
  let crc = 0
  for (const chunk of chunks) crc = zlib.crc32(chunk, crc)
  return crc
}

/** A file read by position (so repair never holds a whole archive file in memory). */
export interface PositionalFile {
  size: number
  /** CRC-32 of bytes [start, end). */
  crc(start: number, end: number): Promise<number>
}

/**
 * The longest prefix of the file the journal proves durable: from the first record's end (the
 * size at open, trusted), extended by every record whose span starts inside the proven prefix,
 * fits the file and matches its CRC. Undefined when the journal has no record.
 */
export async function verifiedFileLength(journal: Buffer, file: PositionalFile): Promise<number | undefined> {
  const records: {start: number; end: number; crc: number}[] = []
  for (let at = 0; at + RECORD_SIZE <= journal.length; at += RECORD_SIZE) {
    if (journal.readUInt32BE(at + 20) !== MAGIC) break
    records.push({
      start: Number(journal.readBigUInt64BE(at)),
      end: Number(journal.readBigUInt64BE(at + 8)),
      crc: journal.readUInt32BE(at + 16),
    })
  }
  const first = records.shift()
  if (first === undefined) return undefined
  let proven = Math.min(first.end, file.size)
  records.sort((a, b) => a.start - b.start)
  for (const record of records) {
    if (record.start > proven) break
    if (record.end <= proven || record.end > file.size || record.start > record.end) continue
    if ((await file.crc(record.start, record.end)) === record.crc) proven = record.end
  }
  return proven
}

/** Reads the journal `journalFile` and returns how much of the file it proves durable. */
export async function journaledLength(journalFile: string, file: PositionalFile): Promise<number | undefined> {
  let journal: Buffer
  try {
    journal = await fs.readFile(journalFile)
  } catch {
    return undefined
  }
  return verifiedFileLength(journal, file)
}
