import {setTimeout as sleep} from 'node:timers/promises'
import {describe, expect, it} from 'vitest'
import {OutputWriter} from '../../../src/tools/tail/output-writer.js'
import {RecordingStream} from './fakes.js'

function writer(stream: RecordingStream, log: {written: string[]; failed: string[]}, maxPendingBytes?: number): OutputWriter<string> {
  return new OutputWriter<string>({
    stream,
    render: (item, out) => {
      out.push(Buffer.from(item), Buffer.from('\n'))
    },
    onWritten: (items) => log.written.push(...items),
    onFailed: (items) => log.failed.push(...items),
    ...(maxPendingBytes === undefined ? {} : {maxPendingBytes}),
  })
}

describe('OutputWriter', () => {
  it('writes a burst as one write and reports items only after the callback', async () => {
    const stream = new RecordingStream({hold: true})
    const log = {written: [] as string[], failed: [] as string[]}
    const w = writer(stream, log)
    for (const item of ['a', 'b', 'c']) w.write(item)
    expect(stream.writes).toBe(0)
    await sleep(5)
    expect(stream.writes).toBe(1)
    expect(log.written).toEqual([])
    stream.release()
    await sleep(1)
    expect(log.written).toEqual(['a', 'b', 'c'])
    expect(stream.text).toBe('a\nb\nc\n')
    expect(w.idle).toBe(true)
  })

  it('is not ready while the stream pushes back, until drain', async () => {
    const stream = new RecordingStream({hold: true, highWaterMark: 4})
    const log = {written: [] as string[], failed: [] as string[]}
    const w = writer(stream, log)
    w.write('0123456789')
    await sleep(2)
    expect(w.ready).toBe(false)
    const ready = w.whenReady()
    stream.release()
    await ready
    expect(w.ready).toBe(true)
    expect(log.written).toEqual(['0123456789'])
  })

  it('is not ready while too many bytes wait for the next flush', () => {
    const w = writer(new RecordingStream(), {written: [], failed: []}, 8)
    w.write('12345678')
    expect(w.ready).toBe(false)
  })

  it('a failed write fails its items, what is batched, and everything after', async () => {
    const stream = new RecordingStream({failAfter: 0})
    const log = {written: [] as string[], failed: [] as string[]}
    const w = writer(stream, log)
    w.write('a')
    await sleep(5)
    w.write('b')
    expect(log.failed).toEqual(['a', 'b'])
    expect((w.error as NodeJS.ErrnoException).code).toBe('EPIPE')
    expect(log.written).toEqual([])
  })

  it('abort fails what was not yet written; settle waits for writes in progress', async () => {
    const stream = new RecordingStream({hold: true})
    const log = {written: [] as string[], failed: [] as string[]}
    const w = writer(stream, log)
    w.write('sent')
    w.flush()
    w.write('unsent')
    w.abort(new Error('stop'))
    expect(log.failed).toEqual(['unsent'])
    const settled = w.settle()
    stream.release()
    await settled
    expect(log.written).toEqual(['sent'])
  })
})
