/**
 * Open-model pacing for `--rate`: operation k of a client is *scheduled* at start + k × interval
 * whatever happened to earlier ones, and its latency is measured from that scheduled time. A
 * server that stalls for a second therefore shows a second of latency on every operation that
 * should have gone out meanwhile, instead of hiding behind a sender that politely waited
 * (coordinated omission, as wrk2 and oha correct it).
 */
import type {BenchClock} from './clock.js'

export class RateSchedule {
  private taken = 0
  /** ms between scheduled operations. */
  readonly intervalMs: number

  /** `opsPerSec` operations per second from `startMs` (a BenchClock time). */
  constructor(
    opsPerSec: number,
    readonly startMs: number,
  ) {
    if (!(opsPerSec > 0) || !Number.isFinite(opsPerSec)) throw new RangeError(`rate must be a positive number, got ${opsPerSec}`)
    this.intervalMs = 1000 / opsPerSec
  }

  /** Scheduled time of the next operation not yet taken. */
  nextAt(): number {
    return this.startMs + this.taken * this.intervalMs
  }

  /** Operations scheduled at or before `now` and not taken yet. */
  due(now: number): number {
    const scheduledSoFar = Math.floor((now - this.startMs) / this.intervalMs) + 1
    return Math.max(0, scheduledSoFar - this.taken)
  }

  /** Takes the next operation and returns its scheduled time. */
  take(): number {
    const at = this.nextAt()
    this.taken++
    return at
  }

  /** Operations taken so far. */
  get count(): number {
    return this.taken
  }
}

/**
 * Waits until the next operation is due and takes it; returns its scheduled time, or undefined
 * when `stopped()` turns true first. Operations already late are returned at once (a burst),
 * so a sender that fell behind catches up instead of silently skipping the schedule.
 */
export async function nextScheduled(schedule: RateSchedule, clock: BenchClock, stopped: () => boolean): Promise<number | undefined> {
  for (;;) {
    if (stopped()) return undefined
    const wait = schedule.nextAt() - clock.now()
    if (wait <= 0) return schedule.take()
    // Wake a little early for long waits so a stop is noticed, never later than due.
    await clock.sleep(Math.min(wait, 100))
  }
}
