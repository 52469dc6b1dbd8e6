/**
 * A window of at most `size` operations awaiting an answer (a counting semaphore): `acquire`
 * waits for a free slot, `release` frees one and wakes the longest waiter, `idle` waits until
 * nothing is pending. Used where pipelined requests must not pile up without bound (the
 * Producer's `maxPending`, the publisher's batch window), so a fast caller waits instead of
 * filling memory.
 */
export class PendingWindow {
  private count = 0
  private readonly slotWaiters: (() => void)[] = []
  private idleWaiters: (() => void)[] = []

  /** `size` below 1 never admits anything: callers pass at least 1. */
  constructor(readonly size: number) {}

  /** Operations holding a slot. */
  get pending(): number {
    return this.count
  }

  /** Takes a slot, waiting (in arrival order) while all are taken. */
  async acquire(): Promise<void> {
    while (this.count >= this.size) await new Promise<void>((resolve) => this.slotWaiters.push(resolve))
    this.count++
  }

  /** Frees a slot taken by `acquire`. */
  release(): void {
    this.count--
    this.slotWaiters.shift()?.()
    if (this.count === 0) {
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const wake of waiters) wake()
    }
  }

  /** Resolves once nothing is pending (at once when nothing is). */
  async idle(): Promise<void> {
    while (this.count > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }
}
