import {describe, expect, it} from 'vitest'
import {OutputWriter} from '../../../src/tools/tail/output-writer.js'
import {FakeTime} from '../../support/fake-time.js'
import {RecordingStream} from './fakes.js'

type Log = {written: string[]; failed: string[]}

/** A writer whose accepts are logged as they settle (written: resolved, failed: rejected). */
function writer(
  stream: RecordingStream,
  log: Log,
  maxPendingBytes?: number,
  defer?: (flush: () => void) => void,
): {w: OutputWriter<string>; put: (item: string) => void} {
  const w = new OutputWriter<string>({
    stream,
    render: (item, out) => {
      out.push(Buffer.from(item), Buffer.from('\n'))
    },
    ...(maxPendingBytes === undefined ? {} : {maxPendingBytes}),
    ...(defer === undefined ? {} : {defer}),
  })
  const put = (item: string): void => {
    w.accept(item).then(
      () => log.written.push(item),
      () => log.failed.push(item),
    )
  }
  return {w, put}
}

/** Lets settled accepts run their callbacks. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('OutputWriter', () => {
  it('writes a burst as one write and resolves its accepts (with one promise) only after the callback', async () => {
    const stream = new RecordingStream({hold: true})
    const log: Log = {written: [], failed: []}
    const flushes: (() => void)[] = []
    const {w, put} = writer(stream, log, undefined, (flush) => flushes.push(flush))
    for (const item of ['a', 'b', 'c']) put(item)
    expect(w.accept('d')).toBe(w.accept('e')) // one batch, one promise
    expect(stream.writes).toBe(0)
    expect(flushes).toHaveLength(1) // one flush deferred for the whole burst
    flushes[0]?.()
    expect(stream.writes).toBe(1)
    await settle()
    expect(log.written).toEqual([])
    stream.release()
    await settle()
    expect(log.written).toEqual(['a', 'b', 'c'])
    expect(stream.text).toBe('a\nb\nc\nd\ne\n')
    expect(w.idle).toBe(true)
  })

  it('is not ready while the stream pushes back, until drain', async () => {
    const stream = new RecordingStream({hold: true, highWaterMark: 4})
    const log: Log = {written: [], failed: []}
    const {w, put} = writer(stream, log, undefined, (flush) => flush())
    put('0123456789')
    w.flush()
    expect(w.ready).toBe(false)
    const ready = w.whenReady()
    stream.release()
    await ready
    expect(w.ready).toBe(true)
    await settle()
    expect(log.written).toEqual(['0123456789'])
  })

  it('is not ready while too many bytes wait for the next flush', () => {
    const {w, put} = writer(new RecordingStream(), {written: [], failed: []}, 8)
    put('12345678')
    expect(w.ready).toBe(false)
  })

  it('a failed write rejects its items, what is batched, and everything after', async () => {
    const stream = new RecordingStream({failAfter: 0})
    const log: Log = {written: [], failed: []}
    const {w, put} = writer(stream, log)
    put('a')
    w.flush()
    await settle()
    put('b')
    await settle()
    expect(log.failed).toEqual(['a', 'b'])
    expect((w.error as NodeJS.ErrnoException).code).toBe('EPIPE')
    expect(log.written).toEqual([])
  })

  it('abort rejects what was not yet written; settle waits for writes in progress', async () => {
    const stream = new RecordingStream({hold: true})
    const log: Log = {written: [], failed: []}
    const {w, put} = writer(stream, log)
    put('sent')
    w.flush()
    put('unsent')
    w.abort(new Error('stop'))
    await settle()
    expect(log.failed).toEqual(['unsent'])
    const settled = w.settle()
    stream.release()
    await settled
    await settle()
    expect(log.written).toEqual(['sent'])
  })

  describe('the unread window (a durable channel printed into a pipe)', () => {
    /** Items of `size` bytes (newline included), written one per flush; accepts logged as they settle. */
    function windowed(
      stream: RecordingStream,
      unread: {bytes: number; maxItems: number; quietMs: number},
      time: FakeTime,
    ): {w: OutputWriter<string>; log: Log; put: (item: string) => void} {
      const log: Log = {written: [], failed: []}
      const w = new OutputWriter<string>({
        stream,
        render: (item, out) => void out.push(Buffer.from(`${item}\n`)),
        defer: (flush) => flush(),
        unread: {...unread, timers: time},
      })
      const put = (item: string): void => {
        w.accept(item).then(
          () => log.written.push(item),
          () => log.failed.push(item),
        )
      }
      return {w, log, put}
    }
    const item = (n: number): string => String(n).padStart(9, '0') // 10 bytes with the newline

    it('resolves an item only once a window of later bytes was accepted', async () => {
      const time = new FakeTime()
      const {w, log, put} = windowed(new RecordingStream(), {bytes: 30, maxItems: 100, quietMs: 1000}, time)
      for (let n = 0; n < 5; n++) put(item(n))
      await settle()
      // 50 bytes accepted: items ending at 10 and 20 have 30 bytes after them; 30, 40 and 50 do not.
      expect(log.written).toEqual([item(0), item(1)])
      expect(w.heldCount).toBe(3)
      put(item(5))
      await settle()
      expect(log.written).toEqual([item(0), item(1), item(2)])
    })

    it('a failure (EPIPE) rejects every held item; a clean settle resolves them', async () => {
      const time = new FakeTime()
      const {log, put} = windowed(new RecordingStream({failAfter: 4}), {bytes: 30, maxItems: 100, quietMs: 1000}, time)
      for (let n = 0; n < 5; n++) put(item(n))
      await settle()
      expect(log.written).toEqual([item(0)])
      expect(log.failed.sort()).toEqual([item(1), item(2), item(3), item(4)])

      const clean = windowed(new RecordingStream(), {bytes: 30, maxItems: 100, quietMs: 1000}, new FakeTime())
      for (let n = 0; n < 3; n++) clean.put(item(n))
      await settle()
      expect(clean.log.written).toEqual([])
      await clean.w.settle()
      await settle()
      expect(clean.log.written).toEqual([item(0), item(1), item(2)])
    })

    it('never holds more than maxItems, and lets go after quietMs with nothing written after them', async () => {
      const time = new FakeTime()
      const {w, log, put} = windowed(new RecordingStream(), {bytes: 1000, maxItems: 2, quietMs: 1000}, time)
      for (let n = 0; n < 4; n++) put(item(n))
      await settle()
      expect(log.written).toEqual([item(0), item(1)])
      expect(w.heldCount).toBe(2)
      time.advance(999)
      await settle()
      expect(log.written).toHaveLength(2)
      time.advance(1)
      await settle()
      expect(log.written).toEqual([item(0), item(1), item(2), item(3)])
      expect(w.heldCount).toBe(0)
      expect(time.count).toBe(0)
    })
  })
})
