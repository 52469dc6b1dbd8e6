import {Writable} from 'node:stream'
import type {Delivery, MessageSource} from '../../../src/tools/source/sink.js'

/** A message that records how it was answered. */
export class FakeMessage implements Delivery {
  state: 'pending' | 'finished' | 'requeued' = 'pending'
  touches = 0
  readonly channel = 'c'
  readonly timestamp = 1_000_000_000n
  readonly attempts = 1
  readonly nsqd = 'fake:4150'
  readonly body: Buffer

  constructor(
    readonly id: string,
    readonly topic = 't',
  ) {
    this.body = Buffer.from(`body-${id}`)
  }

  finish(): void {
    if (this.state === 'pending') this.state = 'finished'
  }

  requeue(): void {
    if (this.state === 'pending') this.state = 'requeued'
  }

  touch(): void {
    this.touches++
  }
}

/** A source over a fixed list; stop() requeues what was never handed out, as the Consumer does. */
export class FakeSource implements MessageSource {
  readonly handed: FakeMessage[] = []
  stopped = false
  private waiter: ((r: IteratorResult<FakeMessage>) => void) | undefined

  constructor(readonly pending: FakeMessage[]) {}

  static of(count: number, topic = 't'): FakeSource {
    return new FakeSource(Array.from({length: count}, (_, i) => new FakeMessage(`${topic}${i}`, topic)))
  }

  push(message: FakeMessage): void {
    if (this.stopped) {
      message.requeue() // as the Consumer does with what arrives while it stops
      return
    }
    const waiter = this.waiter
    if (waiter !== undefined) {
      this.waiter = undefined
      this.handed.push(message)
      waiter({done: false, value: message})
    } else this.pending.push(message)
  }

  next(): Promise<IteratorResult<FakeMessage>> {
    const message = this.pending.shift()
    if (message !== undefined) {
      this.handed.push(message)
      return Promise.resolve({done: false, value: message})
    }
    if (this.stopped) return Promise.resolve({done: true, value: undefined})
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }

  stop(): Promise<void> {
    this.stopped = true
    for (const m of this.pending.splice(0)) m.requeue()
    this.waiter?.({done: true, value: undefined})
    this.waiter = undefined
    return Promise.resolve()
  }
}

/**
 * A Writable that records what it accepted; `failAfter` writes fail with `code`; `hold` keeps
 * write callbacks pending until release().
 */
export class RecordingStream extends Writable {
  readonly accepted: Buffer[] = []
  writes = 0
  private held: (() => void)[] = []

  constructor(private readonly options: {failAfter?: number; code?: string; hold?: boolean; highWaterMark?: number} = {}) {
    super({highWaterMark: options.highWaterMark ?? 16 * 1024})
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes++
    if (this.options.failAfter !== undefined && this.writes > this.options.failAfter) {
      callback(Object.assign(new Error(`write ${this.options.code ?? 'EPIPE'}`), {code: this.options.code ?? 'EPIPE'}))
      return
    }
    const done = (): void => {
      this.accepted.push(chunk)
      callback()
    }
    if (this.options.hold === true) this.held.push(done)
    else done()
  }

  release(): void {
    const held = this.held
    this.held = []
    for (const done of held) done()
  }

  get text(): string {
    return Buffer.concat(this.accepted).toString()
  }
}
