import {NsqError} from '../errors.js'
import {FIN_SIZE, writeFin} from '../protocol/commands.js'
import {MESSAGE_ID_LENGTH} from '../protocol/message.js'

/** Commands up to this many bytes are copied into the scratch buffer rather than queued by reference. */
export const SMALL_COMMAND = 64
/** Default size of each scratch buffer. */
export const DEFAULT_SCRATCH_SIZE = 64 * 1024
/** Default number of queued bytes at or above which `writable` turns false. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024

/** Where an {@link OutboundQueue} sends its bytes: the connection's socket or compression layer. */
export interface OutboundSink {
  /**
   * Writes one coalesced chunk. The queue never touches `data` again, so the sink may keep it
   * until written. False means "wait for drain": the queue then calls `onceDrain` and writes
   * nothing more until `resume` is called.
   */
  write(data: Buffer): boolean
  /** Calls `resume` once, when the sink that last returned false can take more ('drain'). */
  onceDrain(resume: () => void): void
}

/** Tuning and injection points of an {@link OutboundQueue}; the defaults are what a connection uses. */
export interface OutboundQueueOptions {
  /** Queued bytes at or above which `writable` turns false (default 1 MiB). */
  highWaterMark?: number
  /** Size of each scratch buffer, at least {@link SMALL_COMMAND} (default 64 KiB). */
  scratchSize?: number
  /** Runs `flush` once, later (default `setImmediate`); injectable so tests control the ticks. */
  schedule?: (flush: () => void) => void
}

/**
 * The outbound half of a connection: coalesces every command queued in one tick into a single
 * sink write, and tracks the sink's backpressure.
 *
 * - Small commands (RDY, NOP, FIN, …) are copied into a scratch buffer; `pushFin` writes
 *   `FIN <id>\n` there in place, without allocating. Larger commands are queued by reference,
 *   after whatever scratch bytes precede them, so order is kept.
 * - A scratch buffer whose bytes were handed to the sink is never written over: new commands go
 *   after them, and a full scratch is replaced by a fresh one.
 * - The first push in a tick schedules one flush, which hands everything queued to the sink as
 *   one chunk. While the sink is draining nothing more is written; the queue resumes on drain.
 * - `writable` is false while draining or while `highWaterMark` bytes or more are queued;
 *   `waitWritable()` resolves when it turns true again (or when `releaseWaiters()` is called).
 */
export class OutboundQueue {
  private chunks: Buffer[] = []
  /** Every byte queued and not yet handed to the sink: the chunks plus the pending scratch part. */
  private bytes = 0
  private scratch: Buffer
  /** Start of the part of scratch not yet moved to `chunks`, and its end. */
  private scratchStart = 0
  private scratchEnd = 0
  private flushScheduled = false
  private draining = false
  private waiters: (() => void)[] = []
  private readonly scratchSize: number
  private readonly highWaterMark: number
  private readonly schedule: (flush: () => void) => void

  constructor(
    private readonly sink: OutboundSink,
    options: OutboundQueueOptions = {},
  ) {
    this.scratchSize = options.scratchSize ?? DEFAULT_SCRATCH_SIZE
    if (this.scratchSize < SMALL_COMMAND) throw new NsqError('CONFIG', `scratch size must be at least ${SMALL_COMMAND} bytes`)
    this.highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK
    this.schedule = options.schedule ?? setImmediate
    this.scratch = Buffer.allocUnsafe(this.scratchSize)
  }

  /** False while the sink is draining or `highWaterMark` bytes or more are queued; see waitWritable(). */
  get writable(): boolean {
    return !this.draining && this.bytes < this.highWaterMark
  }

  /** Bytes queued and not yet handed to the sink. */
  get queuedBytes(): number {
    return this.bytes
  }

  /** Queues an encoded command; it is written on the next flush, after everything queued before it. */
  push(data: Buffer): void {
    if (data.length <= SMALL_COMMAND) {
      this.reserve(data.length)
      this.scratchEnd += data.copy(this.scratch, this.scratchEnd)
    } else {
      this.takeScratch()
      this.chunks.push(data)
    }
    this.bytes += data.length
    this.scheduleFlush()
  }

  /** Queues `FIN <id>\n`, written in place into the scratch buffer: the consumer's hot path. */
  pushFin(id: Buffer): void {
    const size = FIN_SIZE - MESSAGE_ID_LENGTH + id.length
    this.reserve(size)
    this.scratchEnd = writeFin(this.scratch, this.scratchEnd, id)
    this.bytes += size
    this.scheduleFlush()
  }

  /** Resolves once `writable` is true again, or when `releaseWaiters()` is called. */
  waitWritable(): Promise<void> {
    if (this.writable) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /**
   * Hands everything queued to the sink as one chunk, unless the sink is draining (then the
   * drain resumes it). Runs by itself once per tick after a push; call it to flush at once.
   */
  readonly flush = (): void => {
    this.flushScheduled = false
    if (this.draining) return
    this.takeScratch()
    if (this.chunks.length === 0) return
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.bytes)
    this.chunks = []
    this.bytes = 0
    if (this.sink.write(data)) {
      // Queued bytes alone (no drain) may have made `writable` false; they are gone now.
      if (this.waiters.length > 0) this.releaseWaiters()
    } else {
      this.draining = true
      this.sink.onceDrain(this.onDrain)
    }
  }

  /** Drops everything queued and not yet written (the connection failed). */
  discard(): void {
    this.chunks = []
    this.bytes = 0
    this.scratchStart = this.scratchEnd
  }

  /** Wakes every `waitWritable()` caller now, writable or not (the connection closed). */
  releaseWaiters(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true
      this.schedule(this.flush)
    }
  }

  /** Makes room for `bytes` in scratch; a full scratch is handed to `chunks` and replaced (never reused: a write may still hold it). */
  private reserve(bytes: number): void {
    if (this.scratchEnd + bytes <= this.scratch.length) return
    this.takeScratch()
    this.scratch = Buffer.allocUnsafe(this.scratchSize)
    this.scratchStart = 0
    this.scratchEnd = 0
  }

  /** Moves the pending part of scratch to `chunks`, keeping the order of commands. */
  private takeScratch(): void {
    if (this.scratchEnd === this.scratchStart) return
    this.chunks.push(this.scratch.subarray(this.scratchStart, this.scratchEnd))
    this.scratchStart = this.scratchEnd
  }

  private readonly onDrain = (): void => {
    this.draining = false
    if (this.bytes > 0) this.flush()
    if (this.writable) this.releaseWaiters()
  }
}
