import {describe, expect, it} from 'vitest'
import {retryUntilDone, UPLOAD_BACKOFF, type RetryOptions} from '../../../src/tools/s3/retry.js'

/** A clock that records the waits instead of sleeping (an abort would cut them short: they never block). */
function fakeEnvironment(randoms: number[]): Required<Pick<RetryOptions, 'clock' | 'random'>> & {waits: number[]} {
  const waits: number[] = []
  let i = 0
  return {
    waits,
    clock: {
      sleep: async (ms) => {
        waits.push(ms)
      },
    },
    random: () => randoms[i++ % randoms.length] as number,
  }
}

describe('upload retries', () => {
  it('retries with capped exponential backoff, each delay cut by up to half at random', async () => {
    const environment = fakeEnvironment([0, 0.5, 0.999])
    let calls = 0
    const result = await retryUntilDone(
      async () => {
        calls++
        if (calls < 9) throw new Error(`fail ${calls}`)
        return 'ok'
      },
      new AbortController().signal,
      environment,
    )
    expect(result).toBe('ok')
    expect(calls).toBe(9)
    // initial 1 s doubling to the 60 s cap; jitter factor (1 - 0.5·random) with random 0, 0.5, 0.999, …
    const bases = [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]
    const factors = [1, 0.75, 1 - 0.5 * 0.999]
    expect(environment.waits).toEqual(bases.map((b, i) => Math.round(b * (factors[i % 3] as number))))
    expect(Math.max(...environment.waits)).toBeLessThanOrEqual(UPLOAD_BACKOFF.maxMs)
  })

  it('reports each failure with its attempt number and delay', async () => {
    const environment = fakeEnvironment([0])
    const notices: {attempt: number; delayMs: number; error: string}[] = []
    let calls = 0
    await retryUntilDone(
      async (_signal, n) => {
        calls++
        expect(n).toBe(calls)
        if (n < 3) throw new Error(`down ${n}`)
      },
      new AbortController().signal,
      {...environment, onRetry: (n) => notices.push({attempt: n.attempt, delayMs: n.delayMs, error: (n.error as Error).message})},
    )
    expect(notices).toEqual([
      {attempt: 1, delayMs: 1000, error: 'down 1'},
      {attempt: 2, delayMs: 2000, error: 'down 2'},
    ])
  })

  it('never gives up on its own, and stops with the signal reason when aborted', async () => {
    const controller = new AbortController()
    const environment = fakeEnvironment([0.3])
    let calls = 0
    const promise = retryUntilDone(
      async () => {
        calls++
        if (calls === 500) controller.abort(new Error('closing'))
        throw new Error('still down')
      },
      controller.signal,
      environment,
    )
    await expect(promise).rejects.toThrow('closing')
    expect(calls).toBe(500)
  })

  it('passes the signal to the attempt and does not start one after an abort', async () => {
    const controller = new AbortController()
    controller.abort(new Error('gone'))
    let calls = 0
    await expect(retryUntilDone(async () => void calls++, controller.signal)).rejects.toThrow('gone')
    expect(calls).toBe(0)
  })

  it('interrupts a real backoff sleep when aborted', async () => {
    const controller = new AbortController()
    const started = Date.now()
    const promise = retryUntilDone(
      async () => {
        throw new Error('down')
      },
      controller.signal,
      {policy: {initialMs: 60_000, maxMs: 60_000, jitter: 0}},
    )
    setTimeout(() => controller.abort(new Error('stop now')), 20)
    await expect(promise).rejects.toThrow('stop now')
    expect(Date.now() - started).toBeLessThan(30_000)
  })
})
