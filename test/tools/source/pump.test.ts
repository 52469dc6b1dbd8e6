import {describe, expect, it} from 'vitest'
import {Pump} from '../../../src/tools/source/pump.js'
import {RequeueRequest, type MessageSink, type SinkFailurePolicy} from '../../../src/tools/source/sink.js'
import {FakeMessage, FakeSource} from '../tail/fakes.js'

/** Lets settled promises run their callbacks. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** A sink that batches by hand: every accept joins the open batch; `settle()` resolves or rejects it. */
class ManualSink implements MessageSink<FakeMessage> {
  readonly accepted: string[] = []
  ready = true
  private batch: {promise: Promise<void>; resolve: () => void; reject: (e: Error) => void} | undefined
  private waiters: (() => void)[] = []

  constructor(readonly failurePolicy: SinkFailurePolicy = {requeueDelayMs: 0, backoff: false, fatal: true}) {}

  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve))
  }

  setReady(ready: boolean): void {
    this.ready = ready
    if (ready) for (const wake of this.waiters.splice(0)) wake()
  }

  accept(message: FakeMessage): Promise<void> {
    if (!this.ready) throw new Error('accept while not ready')
    this.accepted.push(message.id)
    if (this.batch === undefined) {
      let resolve!: () => void
      let reject!: (e: Error) => void
      const promise = new Promise<void>((res, rej) => {
        resolve = res
        reject = rej
      })
      this.batch = {promise, resolve, reject}
    }
    return this.batch.promise
  }

  /** Ends the open batch: resolve (work done) or reject (failed). */
  settle(error?: Error): void {
    const batch = this.batch
    this.batch = undefined
    if (error === undefined) batch?.resolve()
    else batch?.reject(error)
  }
}

describe('Pump', () => {
  it("FINs a message only once the sink's accept resolved, a whole batch at once", async () => {
    const source = FakeSource.of(3)
    const sink = new ManualSink()
    const pump = new Pump(source, sink)
    const running = pump.run()
    await turn()
    expect(sink.accepted).toEqual(['t0', 't1', 't2'])
    expect(source.handed.map((m) => m.state)).toEqual(['pending', 'pending', 'pending'])
    sink.settle()
    await turn()
    expect(source.handed.map((m) => m.state)).toEqual(['finished', 'finished', 'finished'])
    await source.stop()
    expect(await running).toEqual({accepted: 3, done: 3, failed: 0, refused: 0})
  })

  it("a rejected accept REQs the batch by the sink's policy and reports a fatal failure once", async () => {
    const source = FakeSource.of(2)
    const sink = new ManualSink({requeueDelayMs: 0, backoff: false, fatal: true})
    const fatal: string[] = []
    const pump = new Pump(source, sink, {onFatal: (error) => fatal.push(error.message)})
    const running = pump.run()
    await turn()
    sink.settle(new Error('disk full'))
    await turn()
    source.push(new FakeMessage('late'))
    await turn()
    sink.settle(new Error('still full'))
    await turn()
    expect(source.handed.map((m) => m.state)).toEqual(['requeued', 'requeued', 'requeued'])
    expect(fatal).toEqual(['disk full'])
    await source.stop()
    expect(await running).toMatchObject({accepted: 3, done: 0, failed: 3})
  })

  it('a promise handed out again after it settled starts a new batch (nothing is left unanswered)', async () => {
    const source = new FakeSource([])
    const settled = Promise.resolve()
    const sink: MessageSink<FakeMessage> = {
      failurePolicy: {requeueDelayMs: 0, backoff: false, fatal: false},
      ready: true,
      whenReady: () => Promise.resolve(),
      accept: () => settled,
    }
    const running = new Pump(source, sink).run()
    const first = new FakeMessage('a')
    source.push(first)
    await turn()
    const second = new FakeMessage('b')
    source.push(second)
    await turn()
    expect([first.state, second.state]).toEqual(['finished', 'finished'])
    await source.stop()
    await running
  })

  it('does not take a message while the sink is not ready', async () => {
    const source = FakeSource.of(5)
    const sink = new ManualSink()
    sink.setReady(false)
    const running = new Pump(source, sink).run()
    await turn()
    expect(source.handed).toHaveLength(0)
    expect(sink.accepted).toEqual([])
    sink.setReady(true)
    await turn()
    expect(sink.accepted).toHaveLength(5)
    sink.settle()
    await source.stop()
    await running
  })

  it('admit turns messages away (REQ at once), done takes over answering', async () => {
    const source = FakeSource.of(4)
    const sink = new ManualSink()
    const held: string[] = []
    const pump = new Pump(source, sink, {admit: (m) => m.id !== 't1', done: (messages) => held.push(...messages.map((m) => m.id))})
    const running = pump.run()
    await turn()
    sink.settle()
    await turn()
    expect(held).toEqual(['t0', 't2', 't3'])
    expect(source.handed.map((m) => m.state)).toEqual(['pending', 'requeued', 'pending', 'pending'])
    await source.stop()
    expect(await running).toEqual({accepted: 3, done: 3, failed: 0, refused: 1})
  })

  it("a RequeueRequest's delay and backoff replace the policy's for that message only", async () => {
    class Recorded extends FakeMessage {
      asked: [number | undefined, boolean | undefined] | undefined
      override requeue(delayMs?: number, options?: {backoff?: boolean}): void {
        this.asked = [delayMs, options?.backoff]
        super.requeue()
      }
    }
    const source = new FakeSource([])
    const answers = new Map<string, Promise<void>>([
      ['a', Promise.reject(new RequeueRequest('HTTP 429', 2000, false))],
      ['b', Promise.reject(new Error('plain failure'))],
    ])
    for (const p of answers.values()) p.catch(() => undefined)
    const sink: MessageSink<FakeMessage> = {
      failurePolicy: {requeueDelayMs: 100, backoff: true, fatal: false},
      ready: true,
      whenReady: () => Promise.resolve(),
      accept: (m) => answers.get(m.id) as Promise<void>,
    }
    const running = new Pump(source, sink).run()
    const a = new Recorded('a')
    const b = new Recorded('b')
    source.push(a)
    await turn()
    source.push(b)
    await turn()
    expect(a.asked).toEqual([2000, false])
    expect(b.asked).toEqual([100, true])
    await source.stop()
    expect(await running).toMatchObject({failed: 2})
  })
})
