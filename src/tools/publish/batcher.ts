import {MPUB_EMPTY_BODY_SIZE, mpubEntrySize} from '../../core/index.js'

/** A record on its way to nsqd. */
export interface OutRecord {
  /** 1-based input record number (line number), for the errors file. */
  n: number
  /** The message body to publish. */
  body: Buffer
}

/** How big one MPUB may get. */
export interface BatchLimits {
  /** Most messages per MPUB (`--batch-size`). */
  maxCount: number
  /** nsqd's --max-body-size: the MPUB body is 4 bytes of count plus 4 + size per message. */
  maxBodyBytes: number
}

/**
 * Groups records into MPUB batches that respect both the message count and nsqd's body size
 * limit. Pure: `add` returns the batches that became full, `flush` the partial one (for
 * `--batch-linger` and end of input). A record is assumed to fit alone (callers reject records
 * over the message size limit first).
 */
export class Batcher {
  private records: OutRecord[] = []
  private bytes = MPUB_EMPTY_BODY_SIZE

  constructor(private readonly limits: BatchLimits) {
    if (limits.maxCount < 1) throw new Error('batch size must be at least 1')
  }

  /** Adds a record; returns the batches now complete (zero, one or two), oldest first. */
  add(record: OutRecord): OutRecord[][] {
    const done: OutRecord[][] = []
    const size = mpubEntrySize(record.body.length)
    if (this.records.length > 0 && this.bytes + size > this.limits.maxBodyBytes) done.push(this.take())
    this.records.push(record)
    this.bytes += size
    if (this.records.length >= this.limits.maxCount) done.push(this.take())
    return done
  }

  /** The partial batch, if any. */
  flush(): OutRecord[] | undefined {
    return this.records.length > 0 ? this.take() : undefined
  }

  /** Records waiting for their batch to fill. */
  get size(): number {
    return this.records.length
  }

  private take(): OutRecord[] {
    const batch = this.records
    this.records = []
    this.bytes = MPUB_EMPTY_BODY_SIZE
    return batch
  }
}
