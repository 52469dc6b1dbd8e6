import {afterEach, describe, expect, it, vi} from 'vitest'
import {NODE_TIMERS, settledWithin, sleep} from '../../src/core/util/time.js'

describe('sleep', () => {
  it('an abort cuts a long sleep short: it resolves, it does not reject', async () => {
    const controller = new AbortController()
    const slept = sleep(60_000, controller.signal).then(() => 'resolved')
    controller.abort(new Error('stop'))
    await expect(slept).resolves.toBe('resolved')
  })

  it('resolves at once when the signal is already aborted', async () => {
    await expect(sleep(60_000, AbortSignal.abort(new Error('gone')))).resolves.toBeUndefined()
  })

  it('resolves after a short wait with no signal (under 1 ms on the next turn)', async () => {
    await expect(sleep(0)).resolves.toBeUndefined()
    await expect(sleep(2)).resolves.toBeUndefined()
  })
})

describe('NODE_TIMERS', () => {
  it('keeps the process alive while pending (ref’d), and can be cancelled', () => {
    const handle = NODE_TIMERS.setTimeout(() => {
      throw new Error('cancelled timer fired')
    }, 60_000)
    expect((handle as NodeJS.Timeout).hasRef()).toBe(true)
    NODE_TIMERS.clearTimeout(handle)
  })
})

describe('settledWithin', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('resolves when the promise settles, before the time is up, and leaves no timer behind', async () => {
    vi.useFakeTimers()
    let settle!: () => void
    const waited = settledWithin(new Promise<void>((resolve) => (settle = resolve)), 60_000).then(() => 'done')
    settle()
    await expect(waited).resolves.toBe('done')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('resolves after the time for a promise that never settles', async () => {
    vi.useFakeTimers()
    let state = 'waiting'
    const waited = settledWithin(new Promise<void>(() => undefined), 1000).then(() => (state = 'done'))
    await vi.advanceTimersByTimeAsync(999)
    expect(state).toBe('waiting')
    await vi.advanceTimersByTimeAsync(1)
    await waited
    expect(state).toBe('done')
  })

  it('never rejects: a rejected promise ends the wait too', async () => {
    await expect(settledWithin(Promise.reject(new Error('gone')), 60_000)).resolves.toBeUndefined()
  })
})
