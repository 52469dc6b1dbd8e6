import {describe, expect, it} from 'vitest'
import {Spool} from '../../../src/tools/s3/spool.js'

describe('upload spool', () => {
  it('is backlogged above either limit and ready again below both', async () => {
    const spool = new Spool({maxBytes: 100, maxFiles: 2})
    spool.add('a', 10)
    spool.add('b', 10)
    expect(spool.backlogged).toBe(false)
    spool.add('c', 10)
    expect(spool.backlogged).toBe(true)
    let ready = false
    const waiting = spool.whenReady().then(() => (ready = true))
    spool.remove('a')
    await waiting
    expect(ready).toBe(true)
    spool.add('big', 95)
    expect(spool.bytes).toBe(115)
    expect(spool.backlogged).toBe(true)
    spool.remove('big')
    expect(spool.backlogged).toBe(false)
    expect(spool.files).toBe(2)
  })

  it('counts a file once however often it is added', () => {
    const spool = new Spool({maxBytes: 100, maxFiles: 10})
    expect(spool.add('a', 60)).toBe(true)
    expect(spool.add('a', 60)).toBe(false)
    expect(spool.bytes).toBe(60)
    spool.remove('a')
    spool.remove('a')
    expect(spool.bytes).toBe(0)
  })

  it('whenReady rejects with the signal reason when aborted while backlogged', async () => {
    const spool = new Spool({maxBytes: 1, maxFiles: 10})
    spool.add('a', 5)
    const controller = new AbortController()
    const waiting = spool.whenReady(controller.signal)
    controller.abort(new Error('stopping'))
    await expect(waiting).rejects.toThrow('stopping')
    await expect(new Spool({maxBytes: 1, maxFiles: 1}).whenReady()).resolves.toBeUndefined()
  })
})
