/**
 * Time, injectable: the one clock, timer and sleep vocabulary of the toolkit. Logic that waits or
 * measures takes a `Clock` / `Timers` / `SleepClock` so unit tests drive time by hand instead of
 * sleeping; the defaults here are the real thing.
 */

/** Opaque handle of a pending timer. */
export type TimerHandle = NonNullable<unknown> | null

/** A source of the current time in milliseconds (epoch or monotonic: each default says which). */
export interface Clock {
  now(): number
}

/** Timer functions, injectable so tests fire callbacks by hand. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** A clock that can also wait: what pacing and polling loops need. */
export interface SleepClock extends Clock {
  /** Waits `ms`; see {@link sleep} for what an abort does. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** Wall-clock epoch milliseconds (`Date.now`): for timestamps that are compared with other hosts or files. */
export const systemClock: Clock = {now: () => Date.now()}

/** Monotonic milliseconds (`performance.now`, fractional): for measuring intervals and pacing. */
export const monotonicClock: Clock = {now: () => performance.now()}

/**
 * Node's timers, ref'd: a pending timer keeps the process alive. For waits that ARE the work
 * (a follower's next poll while nothing is found yet).
 */
export const NODE_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/**
 * Node's timers, unref'd: a pending timer never keeps the process alive. For housekeeping that
 * must not hold a finished program open (reconnects, recovery polls, idle checks).
 */
export const UNREF_TIMERS: Timers = {
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms)
    timer.unref()
    return timer
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/**
 * Resolves after `ms` (at once-ish for `ms ≤ 0`), or EARLY when `signal` aborts: it never
 * rejects. The one abort rule: a sleep is cut short, not failed; a caller that must stop on abort
 * checks `signal.aborted` (or `signal.throwIfAborted()`) after it. Waits under a millisecond use
 * `setImmediate`, so tight pacing loops are not rounded up to Node's 1 ms timer minimum.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted === true) {
      resolve()
      return
    }
    if (ms < 1) {
      setImmediate(resolve)
      return
    }
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, Math.max(0, ms))
    signal?.addEventListener('abort', done, {once: true})
  })
}

/** The real monotonic clock with {@link sleep}. */
export const monotonicSleepClock: SleepClock = {now: () => performance.now(), sleep}

/**
 * Resolves once `promise` settles or after `ms`, whichever comes first; never rejects, and leaves
 * no timer behind. For bounded waits at a stop ("drain, but not forever").
 */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  const done = new AbortController()
  await Promise.race([promise.then(noop, noop), sleep(ms, done.signal)])
  done.abort()
}

const noop = (): void => undefined
