import {Message, type DrainSummary, type MessageResponder} from '../../../src/core/index.js'
import type {MessageSource} from '../../../src/tools/source/sink.js'

/** A message source fed by the test, recording FINs (stands in for a Consumer in pure archiver tests). */
export class FakeSource implements MessageSource {
  readonly finished: string[] = []
  readonly requeued: string[] = []
  touches = 0
  private readonly queue: Message[] = []
  private waiter: ((r: IteratorResult<Message>) => void) | undefined
  private stopped = false
  private seq = 0
  private readonly responder: MessageResponder = {
    finish: (m) => this.finished.push(m.body.toString()),
    requeue: (m) => this.requeued.push(m.body.toString()),
    touch: () => this.touches++,
  }

  /** Delivers a message; `as` delivers it with a given id and/or from a given nsqd (a redelivery, say). */
  push(body: string, timestampMs = 1_700_000_000_000, as: {id?: string; nsqd?: string; attempts?: number} = {}): void {
    const id = Buffer.from(as.id ?? (this.seq++).toString(16).padStart(16, '0'), 'latin1')
    const message = new Message(
      {id, timestamp: BigInt(timestampMs) * 1_000_000n, attempts: as.attempts ?? 1, body: Buffer.from(body)},
      as.nsqd ?? '127.0.0.1:4150',
      't',
      'c',
      this.responder,
      false,
    )
    const waiter = this.waiter
    this.waiter = undefined
    if (waiter !== undefined) waiter({done: false, value: message})
    else this.queue.push(message)
  }

  /** Messages pushed and not yet taken. */
  get queued(): number {
    return this.queue.length
  }

  next(): Promise<IteratorResult<Message>> {
    const message = this.queue.shift()
    if (message !== undefined) return Promise.resolve({done: false, value: message})
    if (this.stopped) return Promise.resolve({done: true, value: undefined})
    return new Promise((resolve) => (this.waiter = resolve))
  }

  stop(): Promise<DrainSummary> {
    this.stopped = true
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.({done: true, value: undefined})
    return Promise.resolve({finished: this.finished.length, requeued: 0, leftToTimeOut: 0})
  }
}
