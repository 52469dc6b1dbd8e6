/**
 * RelaySink on fakes: a BatchSink that holds each batch's settle callback until the test answers
 * for it, and timers that fire only when the test says so. The rule under test: a message's
 * accept (after which the pump FINs it at the source) resolves only once the publisher reported
 * it published; what the destination did not take is held and sent again, never accepted early.
 */
import {describe, expect, it} from 'vitest'
import {ConnectionError, ServerError, type TimerHandle} from '../../../src/core/index.js'
import type {OutRecord} from '../../../src/tools/publish/batcher.js'
import type {BatchOutcome, BatchSink} from '../../../src/tools/publish/publisher.js'
import {JsonFilter} from '../../../src/tools/relay/json-filter.js'
import {RelaySink, RelayStopped, type DeadLetters, type RelaySinkOptions} from '../../../src/tools/relay/relay-sink.js'
import type {Delivery} from '../../../src/tools/source/sink.js'
import type {SourceTimers} from '../../../src/tools/source/topic-source.js'

/** Holds every submitted batch with its settle callback: nothing is answered until the test does. */
class HeldPublisher implements BatchSink {
  readonly submitted: {records: readonly OutRecord[]; settle: (outcome: BatchOutcome) => void}[] = []

  submit(records: readonly OutRecord[], settled?: (outcome: BatchOutcome) => void): Promise<void> {
    this.submitted.push({records, settle: settled ?? (() => undefined)})
    return Promise.resolve()
  }

  drain(): Promise<void> {
    return Promise.resolve()
  }

  bodies(index: number): string[] {
    return (this.submitted[index]?.records ?? []).map((r) => r.body.toString('utf8'))
  }
}

/** Timers that fire only when the test says so, chosen by their delay. */
class FakeTimers implements SourceTimers {
  private readonly pending = new Map<number, {ms: number; callback: () => void}>()
  private seq = 0

  setTimeout(callback: () => void, ms: number): number {
    const id = ++this.seq
    this.pending.set(id, {ms, callback})
    return id
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number)
  }

  delays(): number[] {
    return [...this.pending.values()].map((t) => t.ms).sort((a, b) => a - b)
  }

  /** Fires the pending timers of this delay (those they set stay pending). */
  fire(ms: number): void {
    for (const [id, timer] of [...this.pending]) {
      if (timer.ms !== ms) continue
      this.pending.delete(id)
      timer.callback()
    }
  }
}

interface FakeDelivery extends Delivery {
  touches: number
}

let ids = 0
function delivery(body: string, attempts = 1): FakeDelivery {
  const message: FakeDelivery = {
    topic: 'src',
    channel: 'nsq_to_nsq',
    id: `id${++ids}`,
    timestamp: 0n,
    attempts,
    nsqd: '127.0.0.1:4150',
    body: Buffer.from(body),
    touches: 0,
    finish: () => undefined,
    requeue: () => undefined,
    touch: () => {
      message.touches++
    },
  }
  return message
}

/** Tracks a promise's state without awaiting it. */
function track(promise: Promise<void>): {state: 'pending' | 'resolved' | 'rejected'; error?: unknown} {
  const tracked: {state: 'pending' | 'resolved' | 'rejected'; error?: unknown} = {state: 'pending'}
  promise.then(
    () => {
      tracked.state = 'resolved'
    },
    (error: unknown) => {
      tracked.state = 'rejected'
      tracked.error = error
    },
  )
  return tracked
}

/** Lets promise callbacks run (one macrotask turn; no clock involved). */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function makeSink(overrides: Partial<RelaySinkOptions> = {}) {
  const publisher = new HeldPublisher()
  const timers = new FakeTimers()
  const events = {held: [] as string[], resumed: 0}
  const sink = new RelaySink({
    publisher,
    batchSize: 3,
    maxBodyBytes: 1024 * 1024,
    maxMessageBytes: 1024,
    lingerMs: 5,
    filter: new JsonFilter({}),
    onInvalid: 'fail',
    retryMs: {initial: 100, max: 400},
    touchIntervalMs: 20_000,
    timers,
    events: {
      held: (error) => events.held.push(error.message),
      resumed: () => events.resumed++,
    },
    ...overrides,
  })
  return {sink, publisher, timers, events}
}

const transient = (): ConnectionError => new ConnectionError('CONNECTION_CLOSED', '127.0.0.1:4150', 'connection closed')

describe('RelaySink: an accept resolves only after the publisher reported the message published', () => {
  it('a full batch is submitted at once, and its accepts stay pending until the publisher settles it', async () => {
    const {sink, publisher} = makeSink()
    const accepts = ['a', 'b', 'c'].map((body) => track(sink.accept(delivery(body))))
    expect(publisher.submitted).toHaveLength(1)
    expect(publisher.bodies(0)).toEqual(['a', 'b', 'c'])
    await turn()
    expect(accepts.map((a) => a.state)).toEqual(['pending', 'pending', 'pending'])
    expect(sink.inFlight).toBe(3)
    expect(sink.stats.relayed).toBe(0)

    const [batch] = publisher.submitted
    batch!.settle({published: batch!.records, failed: []})
    await turn()
    expect(accepts.map((a) => a.state)).toEqual(['resolved', 'resolved', 'resolved'])
    expect(sink.stats).toMatchObject({relayed: 3, bytes: 3, republished: 0})
    expect(sink.inFlight).toBe(0)
  })

  it('a partial batch waits for the linger timer, then for the publisher', async () => {
    const {sink, publisher, timers} = makeSink()
    const accept = track(sink.accept(delivery('only')))
    expect(publisher.submitted).toHaveLength(0)
    timers.fire(5)
    expect(publisher.bodies(0)).toEqual(['only'])
    await turn()
    expect(accept.state).toBe('pending')
    publisher.submitted[0]!.settle({published: publisher.submitted[0]!.records, failed: []})
    await turn()
    expect(accept.state).toBe('resolved')
  })

  it('part of a batch not taken: nothing of it resolves; the sink holds, sends only the rest again after the pause, and resolves once that is published', async () => {
    const {sink, publisher, timers, events} = makeSink({batchSize: 2})
    const accepts = [track(sink.accept(delivery('x'))), track(sink.accept(delivery('y')))]
    const first = publisher.submitted[0]!
    first.settle({published: [first.records[0]!], failed: [{record: first.records[1]!, error: transient()}]})
    await turn()
    expect(accepts.map((a) => a.state)).toEqual(['pending', 'pending'])
    expect(sink.ready).toBe(false)
    expect(events.held).toEqual(['127.0.0.1:4150: connection closed'])
    const ready = track(sink.whenReady())
    expect(publisher.submitted).toHaveLength(1)

    // The retry waits for its timer; the failed one is resent, the published one is not.
    expect(timers.delays()).toContain(100)
    timers.fire(100)
    expect(publisher.bodies(1)).toEqual(['y'])
    // It fails again: the next pause doubles.
    publisher.submitted[1]!.settle({published: [], failed: [{record: publisher.submitted[1]!.records[0]!, error: transient()}]})
    await turn()
    expect(accepts.map((a) => a.state)).toEqual(['pending', 'pending'])
    expect(timers.delays()).toContain(200)
    timers.fire(200)
    expect(publisher.bodies(2)).toEqual(['y'])
    await turn()
    expect(ready.state).toBe('pending')

    publisher.submitted[2]!.settle({published: publisher.submitted[2]!.records, failed: []})
    await turn()
    expect(accepts.map((a) => a.state)).toEqual(['resolved', 'resolved'])
    expect(ready.state).toBe('resolved')
    expect(sink.ready).toBe(true)
    expect(events.resumed).toBe(1)
    expect(sink.stats).toMatchObject({relayed: 2, republished: 2})
  })

  it('messages held past the touch interval are TOUCHed while the publisher has not answered', async () => {
    const {sink, publisher, timers} = makeSink({batchSize: 1})
    const message = delivery('held')
    const accept = track(sink.accept(message))
    timers.fire(20_000)
    timers.fire(20_000)
    expect(message.touches).toBe(2)
    publisher.submitted[0]!.settle({published: publisher.submitted[0]!.records, failed: []})
    await turn()
    expect(accept.state).toBe('resolved')
    // Settled: no touch timer left.
    expect(timers.delays()).not.toContain(20_000)
  })

  it('every destination refused for good: the accepts reject with the refusal (REQ, not FIN) and later ones reject too', async () => {
    const {sink, publisher} = makeSink({batchSize: 2})
    const accepts = [track(sink.accept(delivery('p'))), track(sink.accept(delivery('q')))]
    const refusal = new ServerError('E_INVALID', 'E_INVALID cannot MPUB in current state (TLS required)', '127.0.0.1:4150')
    const batch = publisher.submitted[0]!
    batch.settle({
      published: [],
      failed: batch.records.map((record) => ({record, error: refusal})),
      stopped: {nsqd: '127.0.0.1:4150', error: refusal},
    })
    await turn()
    expect(accepts.map((a) => a.state)).toEqual(['rejected', 'rejected'])
    expect(accepts[0]!.error).toBeInstanceOf(RelayStopped)
    expect((accepts[0]!.error as RelayStopped).message).toMatch(/destination nsqd 127\.0\.0\.1:4150 refused publishing: .*TLS required/)
    expect(sink.stopped).toBe(accepts[0]!.error)
    expect(sink.stats.relayed).toBe(0)
    const later = track(sink.accept(delivery('r')))
    await turn()
    expect(later.state).toBe('rejected')
    expect(publisher.submitted).toHaveLength(1)
  })

  it('a record the destination can never take resolves only once it is written to the errors file; with no errors file it rejects', async () => {
    const written: string[] = []
    const deadLetters: DeadLetters = {
      write: (failure) => {
        written.push(`${failure.reason}:${failure.body.toString('utf8')}`)
        return true
      },
    }
    const tooBig = (): ServerError => new ServerError('E_BAD_MESSAGE', 'E_BAD_MESSAGE MPUB message too big')
    const withFile = makeSink({batchSize: 1, deadLetters})
    const accept = track(withFile.sink.accept(delivery('big')))
    await turn()
    expect(accept.state).toBe('pending')
    const batch = withFile.publisher.submitted[0]!
    batch.settle({published: [], failed: [{record: batch.records[0]!, error: tooBig()}]})
    await turn()
    expect(written).toEqual(['publish_failed:big'])
    expect(accept.state).toBe('resolved')
    expect(withFile.sink.stats).toMatchObject({relayed: 0, deadLettered: 1})

    const without = makeSink({batchSize: 1})
    const refused = track(without.sink.accept(delivery('big')))
    const lone = without.publisher.submitted[0]!
    lone.settle({published: [], failed: [{record: lone.records[0]!, error: tooBig()}]})
    await turn()
    expect(refused.state).toBe('rejected')
    expect(String(refused.error)).toMatch(/could not be written to an errors file/)
  })

  it("abandon (drain timed out) rejects what the publisher has not answered for: those messages are REQ'd, not FIN'd", async () => {
    const {sink, publisher} = makeSink({batchSize: 1})
    const answered = track(sink.accept(delivery('1')))
    const unanswered = track(sink.accept(delivery('2')))
    publisher.submitted[0]!.settle({published: publisher.submitted[0]!.records, failed: []})
    sink.abandon(new Error('stopped before the destination answered'))
    // A late answer changes nothing.
    publisher.submitted[1]!.settle({published: publisher.submitted[1]!.records, failed: []})
    await turn()
    expect(answered.state).toBe('resolved')
    expect(unanswered.state).toBe('rejected')
    expect(sink.stats.relayed).toBe(1)
  })
})
