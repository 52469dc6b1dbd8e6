/** The time source of a bench run, injected so the pacing logic is testable without sleeping. */

export interface Clock {
  /** Monotonic milliseconds (fractional). */
  now(): number
  /** Resolves after `ms` (or at once for ms ≤ 0, on the next turn of the event loop). */
  sleep(ms: number): Promise<void>
  /** Epoch milliseconds of a `now()` reading: what goes into body stamps. */
  toEpochMs(time: number): number
}

/** performance.now() and timers: setTimeout for waits of a millisecond or more, setImmediate below. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      if (ms >= 1) setTimeout(resolve, ms)
      else setImmediate(resolve)
    }),
  toEpochMs: (time) => performance.timeOrigin + time,
}
