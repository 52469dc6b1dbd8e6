/**
 * The poll loop: a baseline poll, then one every `intervalMs` on a fixed schedule from the end of
 * the baseline poll (a slow poll does not push the later ones back; missed slots are skipped),
 * until `count` intervals have passed, the signal is aborted, or the consumer of the generator
 * stops. Each yielded tick
 * carries the snapshot before it, so rates divide by the real time between the two.
 */
import {sleep as coreSleep, type SleepClock} from '../../core/index.js'
import type {Snapshot} from './model.js'

export interface Poller {
  poll(signal?: AbortSignal): Promise<Snapshot>
}

export interface WatchOptions {
  intervalMs: number
  /** Intervals to measure after the baseline (nsq_stat's --count); undefined: for ever. */
  count?: number | undefined
  /** Only the baseline poll. */
  once?: boolean
  signal?: AbortSignal
  /** Clock and sleep, injected in tests (defaults: Date.now and core's `sleep`, which an abort cuts short). */
  now?: SleepClock['now']
  sleep?: SleepClock['sleep']
}

export interface Tick {
  /** 0 for the baseline poll. */
  index: number
  snapshot: Snapshot
  previous: Snapshot | undefined
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** Yields the baseline tick, then one tick per interval. Ends quietly on abort. */
export async function* watch(poller: Poller, options: WatchOptions): AsyncGenerator<Tick> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? coreSleep
  const signal = options.signal
  // The schedule starts when the baseline poll is in, so its connection set-up does not shorten the first interval.
  let start: number | undefined
  let previous: Snapshot | undefined
  for (let index = 0; ; index++) {
    if (signal?.aborted === true) return
    let snapshot: Snapshot
    try {
      snapshot = await poller.poll(signal)
    } catch (error) {
      if (aborted(signal)) return
      throw error
    }
    yield {index, snapshot, previous}
    previous = snapshot
    if (options.once === true || (options.count !== undefined && index >= options.count)) return
    start ??= now()
    const elapsed = now() - start
    const next = (Math.floor(elapsed / options.intervalMs) + 1) * options.intervalMs
    await sleep(next - elapsed, signal)
  }
}
