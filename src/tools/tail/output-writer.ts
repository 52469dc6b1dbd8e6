import type {Writable} from 'node:stream'
import type {TimerHandle, Timers} from '../../core/index.js'
import type {SinkFailurePolicy} from '../source/sink.js'

const ignore = (): void => undefined

export interface OutputWriterOptions<T> {
  /** Where bytes go (stdout in the command; any Writable in tests). */
  stream: Writable
  /** Renders an item by pushing its bytes onto `out`. */
  render(item: T, out: Buffer[]): void
  /** Rendered-but-unwritten bytes at which `ready` turns false (default 1 MiB). */
  maxPendingBytes?: number
  /** How a flush is deferred to the end of the current burst (default setImmediate). */
  defer?: (flush: () => void) => void
  /**
   * The unread-window rule for a pipe, whose reader may leave without reading what the pipe
   * holds: an item's accept resolves only once the stream accepted `bytes` of LATER output (the
   * pipe holds no more than that, so the item was read), or when more than `maxItems` items are
   * held (the oldest go, so the in-flight budget is never used up by held items), or `quietMs`
   * after the last write when nothing more waits to be written (a quiet topic; a write waiting on
   * a full pipe keeps them held), or at a clean `settle()`. A
   * failure or `abort()` rejects every held item (they are requeued). Unset: an accept resolves at
   * its write callback.
   */
  unread?: {bytes: number; maxItems: number; quietMs: number; timers: Timers}
}

/** A written batch waiting for the unread window to pass it. */
interface Held {
  readonly batch: Batch
  /** Output bytes accepted up to and including this batch. */
  readonly end: number
  readonly items: number
}

/** One write's worth of items: they share one accept promise. */
interface Batch {
  readonly settled: Promise<void>
  readonly resolve: () => void
  readonly reject: (error: Error) => void
}

function newBatch(): Batch {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const settled = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return {settled, resolve, reject}
}

/**
 * tail's sink (sink.ts): batches rendered items into one write per event-loop turn, honours the
 * stream's backpressure (`write()` returning false → not ready until 'drain'), and resolves an
 * item's accept only once the write callback says its bytes were handed over, so exactly what
 * reached stdout is FIN'd. Every item of one write shares one promise. Failure policy: REQ at
 * once without backoff, and fatal (a stdout that failed once takes nothing more: every later
 * accept rejects with the same error).
 */
export class OutputWriter<T> {
  readonly failurePolicy: SinkFailurePolicy = {requeueDelayMs: 0, backoff: false, fatal: true}
  private chunks: Buffer[] = []
  private count = 0
  private batch: Batch | undefined
  private pendingBytes = 0
  private scheduled = false
  private blocked = false
  private writesOutstanding = 0
  private failure: Error | undefined
  private waiters: (() => void)[] = []
  private readonly held: Held[] = []
  private heldItems = 0
  private acceptedBytes = 0
  private quietTimer: TimerHandle | undefined
  private readonly maxPending: number
  private readonly defer: (flush: () => void) => void
  private readonly flushNow = (): void => this.flush()

  constructor(private readonly options: OutputWriterOptions<T>) {
    this.maxPending = options.maxPendingBytes ?? 1024 * 1024
    this.defer = options.defer ?? ((flush) => setImmediate(flush))
    // Failures are reported through the write callbacks; without a listener the 'error' event would crash.
    options.stream.on('error', ignore)
  }

  /** False while the stream asked us to wait ('drain') or too many bytes are pending. */
  get ready(): boolean {
    return this.failure !== undefined || (!this.blocked && this.pendingBytes < this.maxPending)
  }

  /** Set once a write failed or the writer was aborted; every later accept rejects at once. */
  get error(): Error | undefined {
    return this.failure
  }

  /** True when nothing is buffered and no write is awaiting its callback. */
  get idle(): boolean {
    return this.count === 0 && this.writesOutstanding === 0
  }

  /**
   * Renders `item` into the current batch, written at the end of this turn. Resolves once the
   * stream's write callback reported the batch's bytes handed over; rejects when that write
   * failed, or the writer failed or was aborted before the batch was written.
   */
  accept(item: T): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const before = this.chunks.length
    this.options.render(item, this.chunks)
    for (let i = before; i < this.chunks.length; i++) this.pendingBytes += (this.chunks[i] as Buffer).length
    this.count++
    const batch = (this.batch ??= newBatch())
    if (!this.scheduled) {
      this.scheduled = true
      this.defer(this.flushNow)
    }
    return batch.settled
  }

  /** Writes the current batch now (normally called by the deferred flush). */
  flush(): void {
    this.scheduled = false
    const batch = this.batch
    if (batch === undefined || this.failure !== undefined) return
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.pendingBytes)
    const items = this.count
    this.batch = undefined
    this.count = 0
    this.chunks = []
    this.pendingBytes = 0
    this.writesOutstanding++
    let ok: boolean
    try {
      ok = this.options.stream.write(data, (error) => this.written(batch, error ?? undefined, data.length, items))
    } catch (error) {
      // A destroyed stream may throw synchronously on some Node versions; the callback then never runs.
      this.written(batch, error instanceof Error ? error : new Error(String(error)), data.length, items)
      return
    }
    if (!ok && !this.blocked) {
      this.blocked = true
      this.options.stream.once('drain', () => {
        this.blocked = false
        this.wake()
      })
    }
  }

  /**
   * Stops writing: items rendered but not yet written are rejected with `error` (later items
   * too). Writes already handed to the stream still settle through their callbacks.
   */
  abort(error: Error): void {
    if (this.failure === undefined) this.failure = error
    const batch = this.batch
    this.batch = undefined
    this.count = 0
    this.chunks = []
    this.pendingBytes = 0
    batch?.reject(this.failure)
    this.releaseHeld(this.failure)
    this.wake()
  }

  /** Items written but held by the unread window (not yet resolved). */
  get heldCount(): number {
    return this.heldItems
  }

  /** Resolves when `ready` (or failed). */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Flushes now and resolves once every write handed to the stream has reported back. */
  async settle(): Promise<void> {
    this.flush()
    while (!this.idle) {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
      if (this.failure !== undefined && this.writesOutstanding === 0) break
    }
    // A clean stop: the reader is still there (no failure), so what it was given counts as read.
    if (this.failure === undefined) this.releaseHeld()
  }

  private written(batch: Batch, error: Error | undefined, bytes: number, items: number): void {
    this.writesOutstanding--
    const unread = this.options.unread
    if (error === undefined && unread === undefined) batch.resolve()
    else if (error === undefined && unread !== undefined) {
      this.acceptedBytes += bytes
      this.held.push({batch, end: this.acceptedBytes, items})
      this.heldItems += items
      for (let first = this.held[0]; first !== undefined; first = this.held[0]) {
        if (first.end + unread.bytes > this.acceptedBytes && this.heldItems <= unread.maxItems) break
        this.held.shift()
        this.heldItems -= first.items
        first.batch.resolve()
      }
      this.armQuiet(unread)
    } else {
      const failure = error ?? new Error('write failed')
      if (this.failure === undefined) this.failure = failure
      batch.reject(failure)
      // Nothing more reaches a failed stream: what is still batched goes back too.
      this.abort(this.failure)
    }
    this.wake()
  }

  /**
   * `quietMs` after the last write, held items go if nothing else is waiting to be written: a
   * write still waiting on a full pipe means the reader has not read them, so the wait goes on.
   */
  private armQuiet(unread: NonNullable<OutputWriterOptions<T>['unread']>): void {
    if (this.quietTimer !== undefined) unread.timers.clearTimeout(this.quietTimer)
    this.quietTimer = undefined
    if (this.held.length === 0) return
    this.quietTimer = unread.timers.setTimeout(() => {
      this.quietTimer = undefined
      if (this.idle && !this.blocked) this.releaseHeld()
      else this.armQuiet(unread)
    }, unread.quietMs)
  }

  /** Resolves (or, given an error, rejects) every item the unread window holds. */
  private releaseHeld(error?: Error): void {
    if (this.quietTimer !== undefined) this.options.unread?.timers.clearTimeout(this.quietTimer)
    this.quietTimer = undefined
    for (const {batch} of this.held.splice(0)) {
      if (error === undefined) batch.resolve()
      else batch.reject(error)
    }
    this.heldItems = 0
  }

  private wake(): void {
    if (this.waiters.length === 0) return
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }
}
