import type {RawMessage} from '../protocol/message.js'

/** Where a message's FIN / REQ / TOUCH go: the connection it arrived on. */
export interface MessageResponder {
  finish(message: Message): void
  requeue(message: Message, delayMs: number, backoff: boolean): void
  touch(message: Message): void
}

const PENDING = 0
const FINISHED = 1
const REQUEUED = 2

/**
 * One delivered message. Answer it exactly once with `finish()` or `requeue()`; later answers
 * are ignored, as is `touch()` after an answer. Until answered it counts against max-in-flight
 * and nsqd redelivers it after its msg-timeout.
 */
export class Message {
  private state = PENDING

  constructor(
    private readonly raw: RawMessage,
    /** The nsqd (`host:port`) it came from. */
    readonly nsqd: string,
    readonly topic: string,
    readonly channel: string,
    private readonly responder: MessageResponder,
    /** True when attempts exceeded the consumer's maxAttempts (policy 'deliver'). */
    readonly overMaxAttempts: boolean,
  ) {}

  /** The 16-character message id. */
  get id(): string {
    return this.raw.id.toString('latin1')
  }

  /** The id bytes exactly as FIN/REQ/TOUCH quote them. */
  get idBytes(): Buffer {
    return this.raw.id
  }

  /** Nanoseconds since the epoch, when nsqd accepted the publish. */
  get timestamp(): bigint {
    return this.raw.timestamp
  }

  /** Delivery count, 1 on first delivery. */
  get attempts(): number {
    return this.raw.attempts
  }

  get body(): Buffer {
    return this.raw.body
  }

  get responded(): boolean {
    return this.state !== PENDING
  }

  get finished(): boolean {
    return this.state === FINISHED
  }

  /** FIN: the work is done; nsqd forgets the message. */
  finish(): void {
    if (this.state !== PENDING) return
    this.state = FINISHED
    this.responder.finish(this)
  }

  /**
   * REQ: give it back for redelivery after `delayMs`. With `backoff` (the default) the consumer
   * also slows down, as a failed message suggests trouble downstream.
   */
  requeue(delayMs = 0, options: {backoff?: boolean} = {}): void {
    if (this.state !== PENDING) return
    this.state = REQUEUED
    this.responder.requeue(this, delayMs, options.backoff ?? true)
  }

  /** TOUCH: reset nsqd's in-flight timeout for this message. */
  touch(): void {
    if (this.state === PENDING) this.responder.touch(this)
  }
}
