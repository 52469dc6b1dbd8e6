/**
 * The bound on finished files waiting for upload. Files beyond it still wait safely on disk, but
 * the archiver is told the spool is backlogged: it stops writing and FIN'ing, holds (and
 * TOUCHes) at most --max-in-flight messages per topic, and nsqd, at that in-flight limit, sends
 * no more, so a long outage fills nsqd's queue (where NSQ keeps it, with its own limits) instead
 * of this machine's disk. (RDY itself is not changed; see to-file/file-shipper.ts.)
 */

/** Limits of the spool: backlogged when either is exceeded. */
export interface SpoolLimits {
  /** Pending bytes above which the spool is backlogged. */
  maxBytes: number
  /** Pending files above which the spool is backlogged. */
  maxFiles: number
}

/** Defaults: 1 GiB or 100 files. */
export const DEFAULT_SPOOL_LIMITS: SpoolLimits = {maxBytes: 1024 ** 3, maxFiles: 100}

/** Counts pending files and bytes against {@link SpoolLimits}; wakes waiters when below them. */
export class Spool {
  readonly #limits: SpoolLimits
  readonly #pending = new Map<string, number>()
  #bytes = 0
  #waiters: (() => void)[] = []

  constructor(limits: SpoolLimits) {
    this.#limits = limits
  }

  /** Files waiting. */
  get files(): number {
    return this.#pending.size
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes
  }

  /** True while pending files or bytes exceed the limits. */
  get backlogged(): boolean {
    return this.#pending.size > this.#limits.maxFiles || this.#bytes > this.#limits.maxBytes
  }

  /** Whether `id` is pending. */
  has(id: string): boolean {
    return this.#pending.has(id)
  }

  /** Adds a file; false when it was already pending. */
  add(id: string, bytes: number): boolean {
    if (this.#pending.has(id)) return false
    this.#pending.set(id, bytes)
    this.#bytes += bytes
    return true
  }

  /** Removes a file (uploaded, or gone) and wakes waiters if no longer backlogged. */
  remove(id: string): void {
    const bytes = this.#pending.get(id)
    if (bytes === undefined) return
    this.#pending.delete(id)
    this.#bytes -= bytes
    if (!this.backlogged) {
      const waiters = this.#waiters
      this.#waiters = []
      for (const wake of waiters) wake()
    }
  }

  /** Resolves when not backlogged; rejects with the signal's reason if it aborts first. */
  whenReady(signal?: AbortSignal): Promise<void> {
    if (!this.backlogged) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the abort reason is passed on as given
        reject(signal.reason)
        return
      }
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== wake)
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the abort reason is passed on as given
        reject(signal?.reason)
      }
      this.#waiters.push(wake)
      signal?.addEventListener('abort', onAbort, {once: true})
    })
  }
}
