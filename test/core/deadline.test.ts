import v8 from 'node:v8'
import vm from 'node:vm'
import {describe, expect, it} from 'vitest'
import {deadlineSignal} from '../../src/core/util/deadline.js'

v8.setFlagsFromString('--expose-gc')
/** A full garbage collection, on demand. */
const gc = vm.runInNewContext('gc') as () => void

const aborted = (signal: AbortSignal): Promise<unknown> =>
  new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), {once: true}))

describe('deadlineSignal', () => {
  it('aborts after ms with a TimeoutError', async () => {
    const started = Date.now()
    const reason = await aborted(deadlineSignal(50).signal)
    expect(reason).toBeInstanceOf(DOMException)
    expect((reason as DOMException).name).toBe('TimeoutError')
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
  })

  it("aborts with the parent's reason when the parent aborts first, and at once when it already has", () => {
    const parent = new AbortController()
    const {signal} = deadlineSignal(10_000, parent.signal)
    parent.abort(new Error('stop'))
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toEqual(new Error('stop'))
    const done = new AbortController()
    done.abort('already')
    expect(deadlineSignal(10_000, done.signal).signal.reason).toBe('already')
  })

  it('dispose() stops the timer', async () => {
    const {signal, dispose} = deadlineSignal(30)
    dispose()
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(signal.aborted).toBe(false)
  })

  it('still fires after garbage collections, when only a listener holds it (AbortSignal.any over AbortSignal.timeout may not)', async () => {
    // Nothing but the promise's listener refers to the signal, as with a request in flight.
    const fired = aborted(deadlineSignal(200).signal)
    const collector = setInterval(gc, 20)
    try {
      const reason = await Promise.race([fired, new Promise((resolve) => setTimeout(() => resolve('never fired'), 2000))])
      expect((reason as DOMException).name).toBe('TimeoutError')
    } finally {
      clearInterval(collector)
    }
  })
})
