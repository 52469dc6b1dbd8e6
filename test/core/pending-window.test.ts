import {describe, expect, it} from 'vitest'
import {PendingWindow} from '../../src/core/util/pending-window.js'
import {flushMicrotasks} from '../support/fake-time.js'

describe('PendingWindow', () => {
  it('admits at most `size`, wakes waiters in arrival order, and reports idle once all are released', async () => {
    const window = new PendingWindow(2)
    const admitted: number[] = []
    const takers = [1, 2, 3, 4].map(async (n) => {
      await window.acquire()
      admitted.push(n)
    })
    await flushMicrotasks()
    expect(admitted).toEqual([1, 2])
    expect(window.pending).toBe(2)
    let idle = false
    void window.idle().then(() => (idle = true))
    window.release()
    await flushMicrotasks()
    expect(admitted).toEqual([1, 2, 3])
    window.release()
    await flushMicrotasks()
    expect(admitted).toEqual([1, 2, 3, 4])
    await Promise.all(takers)
    window.release()
    await flushMicrotasks()
    expect(idle).toBe(false)
    window.release()
    await flushMicrotasks()
    expect(idle).toBe(true)
    expect(window.pending).toBe(0)
  })
})
