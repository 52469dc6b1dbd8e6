import {describe, expect, it} from 'vitest'
import type {BenchClock} from '../../../src/tools/bench/clock.js'
import {nextScheduled, RateSchedule} from '../../../src/tools/bench/rate-schedule.js'

/** A clock that only moves when slept on, or when the test moves it. */
function fakeClock(start = 1000): BenchClock & {advance(ms: number): void; sleeps: number[]} {
  let now = start
  const sleeps: number[] = []
  return {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += Math.max(ms, 0)
    },
    toEpochMs: (t) => 1_700_000_000_000 + t,
    advance: (ms) => {
      now += ms
    },
    sleeps,
  }
}

describe('RateSchedule', () => {
  it('schedules operation k at start + k × interval', () => {
    const schedule = new RateSchedule(1000, 50)
    expect(schedule.intervalMs).toBe(1)
    expect([schedule.take(), schedule.take(), schedule.take()]).toEqual([50, 51, 52])
    expect(schedule.nextAt()).toBe(53)
    expect(schedule.count).toBe(3)
  })

  it('counts the operations due at a time, without drifting over many intervals', () => {
    const schedule = new RateSchedule(3, 0) // 333.33… ms apart: multiplication, not accumulation
    expect(schedule.due(-1)).toBe(0)
    expect(schedule.due(0)).toBe(1)
    expect(schedule.due(999)).toBe(3)
    expect(schedule.due(1000)).toBe(4)
    for (let i = 0; i < 3000; i++) schedule.take()
    expect(schedule.nextAt()).toBeCloseTo(1_000_000, 6)
  })

  it('refuses a rate that is not positive', () => {
    expect(() => new RateSchedule(0, 0)).toThrow(RangeError)
    expect(() => new RateSchedule(-5, 0)).toThrow(RangeError)
    expect(() => new RateSchedule(Number.NaN, 0)).toThrow(RangeError)
  })
})

describe('nextScheduled (open model)', () => {
  it('waits until each operation is due and returns its scheduled time', async () => {
    const clock = fakeClock(0)
    const schedule = new RateSchedule(100, 0) // every 10 ms
    const times: number[] = []
    for (let i = 0; i < 5; i++) times.push((await nextScheduled(schedule, clock, () => false)) as number)
    expect(times).toEqual([0, 10, 20, 30, 40])
    expect(clock.now()).toBe(40)
  })

  it('after a stall, sends the missed operations at once with their original scheduled times (no coordinated omission)', async () => {
    const clock = fakeClock(0)
    const schedule = new RateSchedule(1000, 0) // every 1 ms
    await nextScheduled(schedule, clock, () => false)
    clock.advance(100) // the sender was blocked for 100 ms (e.g. by a slow server)
    const burst: number[] = []
    for (let i = 0; i < 100; i++) burst.push((await nextScheduled(schedule, clock, () => false)) as number)
    expect(clock.now()).toBe(100) // no sleeping: all of them were already late
    expect(burst[0]).toBe(1)
    expect(burst[99]).toBe(100)
    // Latency measured from these scheduled times includes the stall: 99 ms for the first one.
    expect(clock.now() - (burst[0] as number)).toBe(99)
  })

  it('sleeps in steps of at most 100 ms so a stop is noticed, and returns undefined once stopped', async () => {
    const clock = fakeClock(0)
    const schedule = new RateSchedule(0.5, 0) // every 2 s
    await nextScheduled(schedule, clock, () => false)
    let stop = false
    const pending = nextScheduled(schedule, clock, () => {
      if (clock.now() >= 500) stop = true
      return stop
    })
    expect(await pending).toBeUndefined()
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(100)
    expect(clock.now()).toBe(500)
  })
})
