import {describe, expect, it} from 'vitest'
import {createFormatter} from '../../../src/tools/tail/format.js'
import {TailSession} from '../../../src/tools/tail/tail-session.js'
import {FakeMessage, FakeSource, RecordingStream} from './fakes.js'
import {FakeTime, flushMicrotasks} from '../../support/fake-time.js'
import {until} from '../../support/wait.js'

/** Lets the session do all it can without time passing (the fakes do no I/O: event-loop turns only). */
async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await flushMicrotasks()
}

const formatter = createFormatter({format: 'raw', delimiter: Buffer.from('\n'), printTopic: false})

function lines(stream: RecordingStream): string[] {
  return stream.text.split('\n').filter(Boolean)
}

describe('TailSession', () => {
  it('-n prints exactly N, finishes exactly those, requeues the rest', async () => {
    const stream = new RecordingStream()
    const source = FakeSource.of(10)
    const all = [...source.pending]
    const session = new TailSession({stream, formatter, count: 3})
    session.addSource(source)
    const summary = await session.done()
    expect(summary).toMatchObject({reason: 'count', printed: 3, finished: 3})
    expect(lines(stream)).toEqual(['body-t0', 'body-t1', 'body-t2'])
    expect(all.map((m) => m.state)).toEqual(['finished', 'finished', 'finished', ...Array<string>(7).fill('requeued')])
  })

  it('-n counts across topics', async () => {
    const stream = new RecordingStream()
    const a = FakeSource.of(5, 'a')
    const b = FakeSource.of(5, 'b')
    const session = new TailSession({stream, formatter, count: 4})
    session.addSource(a)
    session.addSource(b)
    const summary = await session.done()
    expect(summary.printed).toBe(4)
    const finished = [...a.handed, ...b.handed, ...a.pending, ...b.pending].filter((m) => m.state === 'finished')
    expect(finished).toHaveLength(4)
    expect(lines(stream).sort()).toEqual(finished.map((m) => m.body.toString()).sort())
  })

  it('a closed reader (EPIPE) stops at once: written messages FIN, the rest REQ', async () => {
    const stream = new RecordingStream({failAfter: 1})
    const source = new FakeSource([])
    const session = new TailSession({stream, formatter})
    session.addSource(source)
    const first = [new FakeMessage('a'), new FakeMessage('b')]
    for (const m of first) source.push(m)
    // a and b go out in the one write the stream accepts; the next write fails with EPIPE.
    await until('a and b are written and finished', () => first.every((m) => m.state === 'finished'))
    const second = [new FakeMessage('c'), new FakeMessage('d')]
    for (const m of second) source.push(m)
    const summary = await session.done()
    expect(summary.reason).toBe('epipe')
    expect(first.map((m) => m.state)).toEqual(['finished', 'finished'])
    expect(second.map((m) => m.state)).toEqual(['requeued', 'requeued'])
    expect(lines(stream)).toEqual(['body-a', 'body-b'])
    expect(summary).toMatchObject({printed: 2, finished: 2})
  })

  it('another stdout failure (ENOSPC) stops as output-error and requeues', async () => {
    const stream = new RecordingStream({failAfter: 0, code: 'ENOSPC'})
    const source = FakeSource.of(3)
    const all = [...source.pending]
    const session = new TailSession({stream, formatter})
    session.addSource(source)
    const summary = await session.done()
    expect(summary.reason).toBe('output-error')
    expect((summary.outputError as NodeJS.ErrnoException).code).toBe('ENOSPC')
    expect(all.every((m) => m.state === 'requeued')).toBe(true)
  })

  it('stops reading while stdout pushes back, and never FINs before the write callback', async () => {
    const stream = new RecordingStream({hold: true, highWaterMark: 64})
    const source = FakeSource.of(1000)
    const all = [...source.pending]
    const session = new TailSession({stream, formatter, maxPendingBytes: 256})
    session.addSource(source)
    await settle()
    // Reading paused: most messages are still with the source, and nothing is FIN'd yet.
    expect(source.pending.length).toBeGreaterThan(900)
    expect(all.some((m) => m.state === 'finished')).toBe(false)
    const handedBefore = source.handed.length
    stream.release()
    await settle()
    expect(all.filter((m) => m.state === 'finished').length).toBe(handedBefore)
    // Keep releasing until everything went through.
    for (let i = 0; i < 500 && source.pending.length > 0; i++) {
      stream.release()
      await flushMicrotasks()
    }
    stream.release()
    await settle()
    stream.release()
    void session.stop('done')
    const summary = await session.done()
    expect(summary.printed).toBe(1000)
    expect(lines(stream)).toHaveLength(1000)
  })

  it("Ctrl-C (signal) drains: what was written is FIN'd, nothing unwritten is", async () => {
    const stream = new RecordingStream()
    const source = new FakeSource([])
    const controller = new AbortController()
    const session = new TailSession({stream, formatter, signal: controller.signal})
    session.addSource(source)
    const messages = [new FakeMessage('a'), new FakeMessage('b')]
    for (const m of messages) source.push(m)
    await until('a and b are written', () => lines(stream).length === 2)
    controller.abort('interrupt')
    const late = new FakeMessage('late')
    source.push(late)
    const summary = await session.done()
    expect(summary.reason).toBe('interrupt')
    expect(messages.map((m) => m.state)).toEqual(['finished', 'finished'])
    expect(late.state).toBe('requeued')
    expect(lines(stream)).toEqual(['body-a', 'body-b'])
  })

  it('--peek prints, holds (TOUCHing), then requeues instead of finishing', async () => {
    const stream = new RecordingStream()
    const source = new FakeSource([])
    const time = new FakeTime()
    const session = new TailSession({stream, formatter, count: 2, peek: true, peekTouchMs: 5, timers: time})
    session.addSource(source)
    const first = new FakeMessage('a')
    source.push(first)
    await until('a is printed', () => lines(stream).length === 1)
    await settle()
    expect(first.touches).toBe(0)
    time.advance(5)
    expect(first.touches).toBe(1)
    time.advance(10)
    expect(first.touches).toBe(3)
    expect(first.state).toBe('pending')
    source.push(new FakeMessage('b'))
    const summary = await session.done()
    expect(summary).toMatchObject({reason: 'count', printed: 2, finished: 0, requeued: 2})
    expect(source.handed.map((m) => m.state)).toEqual(['requeued', 'requeued'])
  })

  it('--exit-when-idle stops after a quiet spell, counting from the last message', async () => {
    const stream = new RecordingStream()
    const source = new FakeSource([])
    const time = new FakeTime()
    const session = new TailSession({stream, formatter, exitWhenIdleMs: 60, now: () => time.now(), timers: time})
    session.addSource(source)
    time.advance(40)
    source.push(new FakeMessage('a'))
    await until('a is printed', () => lines(stream).length === 1)
    // Quiet counts from the message at 40 ms, not from the start: still running at 99 ms, stopped at 100.
    time.advance(59)
    expect(session.stopping).toBe(false)
    time.advance(1)
    expect(session.stopping).toBe(true)
    const summary = await session.done()
    expect(summary).toMatchObject({reason: 'idle', printed: 1, finished: 1})
  })

  it('a source added after stop is stopped at once', async () => {
    const session = new TailSession({stream: new RecordingStream(), formatter})
    await session.stop('done')
    const late = FakeSource.of(2)
    session.addSource(late)
    expect(late.stopped).toBe(true)
  })
})
