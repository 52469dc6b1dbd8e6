/** One record cut from the input. */
export interface SplitRecord {
  /** 1-based position in the input, counting empty records: the line number when splitting on `\n`. */
  n: number
  /** The record's bytes without the delimiter; only the first `maxRecordBytes` when it was longer. */
  body: Buffer
  /** The record's full length in bytes (more than `body.length` when it was cut at `maxRecordBytes`). */
  length: number
}

/** Default most bytes of one record held in memory (longer records are counted, not kept). */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024

const EMPTY = Buffer.alloc(0)

/**
 * Splits a byte stream into records on a delimiter of one or more bytes, without ever decoding
 * text: bytes in, byte records out. Records inside one chunk are zero-copy views of it; a record
 * spanning chunks is copied once when it completes. A delimiter split across two chunks is
 * found. A final record without a trailing delimiter is returned intact by `end()`.
 *
 * Memory stays bounded: of a record longer than `maxRecordBytes` only the first
 * `maxRecordBytes` are kept (the record is still counted and its full `length` reported), so a
 * 1 GB line cannot exhaust memory.
 */
export class RecordSplitter {
  private parts: Buffer[] = []
  private kept = 0
  private length = 0
  private tail: Buffer = EMPTY
  private n = 0

  constructor(
    private readonly delimiter: Buffer,
    private readonly maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
  ) {
    if (delimiter.length === 0) throw new Error('the delimiter must not be empty')
  }

  /** Records completed by this chunk, in input order. */
  push(chunk: Buffer): SplitRecord[] {
    const out: SplitRecord[] = []
    const d = this.delimiter
    let from = 0
    if (this.length > 0 && d.length > 1) {
      // The delimiter may have started in the bytes held from earlier chunks.
      const seam = Buffer.concat([this.tail, chunk.subarray(0, d.length - 1)])
      const at = seam.indexOf(d)
      if (at !== -1 && at < this.tail.length) {
        const inPending = this.tail.length - at
        out.push(this.takePending(this.length - inPending))
        from = d.length - inPending
      }
    }
    // A single-byte delimiter is searched as a number: Buffer#indexOf is faster that way.
    const needle: Buffer | number = d.length === 1 ? (d[0] as number) : d
    for (let at = chunk.indexOf(needle, from); at !== -1; at = chunk.indexOf(needle, from)) {
      if (this.length > 0) {
        this.append(chunk.subarray(from, at))
        out.push(this.takePending(this.length))
      } else {
        const body = chunk.subarray(from, Math.min(at, from + this.maxRecordBytes))
        out.push({n: ++this.n, body, length: at - from})
      }
      from = at + d.length
    }
    if (from < chunk.length) this.append(chunk.subarray(from))
    return out
  }

  /** The last record, when the input did not end with a delimiter. */
  end(): SplitRecord | undefined {
    return this.length > 0 ? this.takePending(this.length) : undefined
  }

  /** Records returned so far. */
  get count(): number {
    return this.n
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return
    this.length += bytes.length
    if (this.kept < this.maxRecordBytes) {
      const take = bytes.subarray(0, this.maxRecordBytes - this.kept)
      this.parts.push(take)
      this.kept += take.length
    }
    const keep = this.delimiter.length - 1
    if (keep > 0) {
      this.tail = bytes.length >= keep ? bytes.subarray(bytes.length - keep) : Buffer.concat([this.tail, bytes]).subarray(-keep)
    }
  }

  private takePending(length: number): SplitRecord {
    const joined = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.kept)
    const body = joined.subarray(0, Math.min(length, this.kept))
    this.parts = []
    this.kept = 0
    this.length = 0
    this.tail = EMPTY
    return {n: ++this.n, body, length}
  }
}
