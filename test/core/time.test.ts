import {describe, expect, it} from 'vitest'
import {NODE_TIMERS, sleep} from '../../src/core/util/time.js'

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
