/**
 * Time driven by hand, for unit tests of timing logic: one object that is a `Clock`, `Timers`
 * and `SleepClock` at once. Nothing happens until the test calls `advance(ms)`, which runs what
 * falls due in order of due time, moving `now` to each timer's due time as it runs.
 */
import type {SleepClock, TimerHandle, Timers} from '../../src/core/index.js'

interface Pending {
  at: number
  ms: number
  callback: () => void
}

export class FakeTime implements Timers, SleepClock {
  private current: number
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  constructor(start = 0) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++
    this.pending.set(id, {at: this.current + Math.max(0, ms), ms, callback})
    return id
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number)
  }

  /** Resolves when `advance` passes `ms` from now, or at once when `signal` aborts (core's `sleep` rule). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted === true) return resolve()
      const done = (): void => {
        this.clearTimeout(id)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const id = this.setTimeout(done, ms)
      signal?.addEventListener('abort', done, {once: true})
    })
  }

  /** Delays (ms, as asked for) of the timers still pending, in the order they were set. */
  get delays(): number[] {
    return [...this.pending.values()].map((t) => t.ms)
  }

  /** Timers still pending. */
  get count(): number {
    return this.pending.size
  }

  /** Moves time forward by `ms`, running every timer that falls due (including ones set meanwhile). */
  advance(ms: number): void {
    const end = this.current + ms
    for (;;) {
      let due: [number, Pending] | undefined
      for (const entry of this.pending) if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry
      if (due === undefined) break
      this.pending.delete(due[0])
      this.current = due[1].at
      due[1].callback()
    }
    this.current = end
  }

  /**
   * Like `advance`, but lets promise callbacks run after each timer (sleeps resolved by a timer
   * continue their async function before the next timer is considered).
   */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.current + ms
    for (;;) {
      await flushMicrotasks()
      let due: [number, Pending] | undefined
      for (const entry of this.pending) if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry
      if (due === undefined) break
      this.pending.delete(due[0])
      this.current = due[1].at
      due[1].callback()
    }
    this.current = end
    await flushMicrotasks()
  }
}

/** Lets every queued promise callback run (a macrotask turn: microtasks queued meanwhile run too). */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
