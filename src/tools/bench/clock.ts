/** The time source of a bench run, injected so the pacing logic is testable without sleeping. */
import {sleep, type SleepClock} from '../../core/index.js'

/** Core's monotonic `SleepClock` (`now()` in fractional ms), plus the epoch time of a reading. */
export interface BenchClock extends SleepClock {
  /** Epoch milliseconds of a `now()` reading: what goes into body stamps. */
  toEpochMs(time: number): number
}

/** performance.now() and core's `sleep` (setImmediate below a millisecond, so tight pacing is not rounded up). */
export const benchClock: BenchClock = {
  now: () => performance.now(),
  sleep,
  toEpochMs: (time) => performance.timeOrigin + time,
}
