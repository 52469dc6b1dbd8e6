import {monotonicSleepClock, type SleepClock} from '../../core/index.js'

/**
 * `--rate N`: an overall limit of N messages per second. Message number m (0-based) may leave
 * no earlier than start + m / N seconds, so the long-run rate is N and a burst is at most one
 * batch. (The official to_nsq uses a token bucket per record; the long-run effect is the same.)
 */
export class Pacer {
  private start: number | undefined
  private sent = 0

  constructor(
    private readonly ratePerSecond: number,
    private readonly clock: SleepClock = monotonicSleepClock,
  ) {}

  /** Waits until `count` more messages may be sent, then counts them as sent. */
  async take(count: number, signal?: AbortSignal): Promise<void> {
    if (this.ratePerSecond <= 0) return
    this.start ??= this.clock.now()
    const due = this.start + (this.sent * 1000) / this.ratePerSecond
    const wait = due - this.clock.now()
    if (wait > 0) await this.clock.sleep(wait, signal)
    this.sent += count
  }
}

/** The batch size to use with `--rate`: about 20 batches a second, so messages flow evenly. */
export function batchSizeForRate(batchSize: number, ratePerSecond: number): number {
  if (ratePerSecond <= 0) return batchSize
  return Math.max(1, Math.min(batchSize, Math.floor(ratePerSecond / 20)))
}
