import type {Writable} from 'node:stream'

const ignore = (): void => undefined

export interface OutputWriterOptions<T> {
  /** Where bytes go (stdout in the command; any Writable in tests). */
  stream: Writable
  /** Renders an item by pushing its bytes onto `out`. */
  render(item: T, out: Buffer[]): void
  /** The stream accepted these items' bytes (its write callback reported no error). */
  onWritten(items: T[]): void
  /** These items' bytes were not (or not surely) written: the write failed, or the writer was aborted. */
  onFailed(items: T[], error: Error): void
  /** Rendered-but-unwritten bytes at which `ready` turns false (default 1 MiB). */
  maxPendingBytes?: number
  /** How a flush is deferred to the end of the current burst (default setImmediate). */
  defer?: (flush: () => void) => void
}

/**
 * Batches rendered items into one write per event-loop turn, honours the stream's backpressure
 * (`write()` returning false → not ready until 'drain'), and reports items only once the write
 * callback says their bytes were handed over — so a caller can FIN exactly what reached stdout
 * and requeue the rest.
 */
export class OutputWriter<T> {
  private chunks: Buffer[] = []
  private items: T[] = []
  private pendingBytes = 0
  private scheduled = false
  private blocked = false
  private writesOutstanding = 0
  private failure: Error | undefined
  private waiters: (() => void)[] = []
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

  /** Set once a write failed or the writer was aborted; every later item is failed at once. */
  get error(): Error | undefined {
    return this.failure
  }

  /** True when nothing is buffered and no write is awaiting its callback. */
  get idle(): boolean {
    return this.items.length === 0 && this.writesOutstanding === 0
  }

  /** Renders `item` into the current batch; it is written at the end of this turn. */
  write(item: T): void {
    if (this.failure !== undefined) {
      this.options.onFailed([item], this.failure)
      return
    }
    const before = this.chunks.length
    this.options.render(item, this.chunks)
    for (let i = before; i < this.chunks.length; i++) this.pendingBytes += (this.chunks[i] as Buffer).length
    this.items.push(item)
    if (!this.scheduled) {
      this.scheduled = true
      this.defer(this.flushNow)
    }
  }

  /** Writes the current batch now (normally called by the deferred flush). */
  flush(): void {
    this.scheduled = false
    if (this.items.length === 0 || this.failure !== undefined) return
    const items = this.items
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.pendingBytes)
    this.items = []
    this.chunks = []
    this.pendingBytes = 0
    this.writesOutstanding++
    let ok: boolean
    try {
      ok = this.options.stream.write(data, (error) => this.written(items, error ?? undefined))
    } catch (error) {
      // A destroyed stream may throw synchronously on some Node versions; the callback then never runs.
      this.written(items, error instanceof Error ? error : new Error(String(error)))
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
   * Stops writing: items rendered but not yet written are failed with `error` (later items too).
   * Writes already handed to the stream still report through their callbacks.
   */
  abort(error: Error): void {
    if (this.failure === undefined) this.failure = error
    const items = this.items
    this.items = []
    this.chunks = []
    this.pendingBytes = 0
    if (items.length > 0) this.options.onFailed(items, this.failure)
    this.wake()
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
  }

  private written(items: T[], error: Error | undefined): void {
    this.writesOutstanding--
    if (error === undefined) this.options.onWritten(items)
    else {
      if (this.failure === undefined) this.failure = error
      this.options.onFailed(items, error)
      // Nothing more reaches a failed stream: what is still batched goes back too.
      this.abort(this.failure)
    }
    this.wake()
  }

  private wake(): void {
    if (this.waiters.length === 0) return
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }
}
