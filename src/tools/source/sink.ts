/**
 * The consume side's one contract: a {@link MessageSource} (a topic's Consumer) hands messages to
 * a {@link MessageSink} (stdout, an archive file, and next a destination nsqd, an HTTP endpoint)
 * through a pump (pump.ts), and a message is FIN'd only once the sink said its work is done.
 */
import type {DeliveredMessage} from '../envelope.js'

/**
 * One delivered message as sources hand it out and pumps answer it (core's `Message` fits).
 * Answer it exactly once: `finish()` (FIN) or `requeue()` (REQ); later answers are ignored.
 */
export interface Delivery extends DeliveredMessage {
  /** FIN: nsqd forgets the message. */
  finish(): void
  /** REQ: nsqd delivers it again after `delayMs`; `backoff` also slows the consumer down. */
  requeue(delayMs?: number, options?: {backoff?: boolean}): void
  /** TOUCH: resets nsqd's msg-timeout for a message held longer than that. */
  touch(): void
}

/** Where messages come from: one per topic (core's `Consumer` fits). */
export interface MessageSource<M extends Delivery = Delivery> {
  /** The next message; `done` once the source stopped and handed out all it had. */
  next(): Promise<IteratorResult<M>>
  /**
   * RDY 0, REQ what was never handed out, wait up to `timeoutMs` for the handed-out messages to
   * be answered, then close. `next()` resolves `done` from here on.
   */
  stop(options?: {timeoutMs?: number}): Promise<unknown>
}

/** What happens to a message whose work failed (the sink states it; the pump applies it). */
export interface SinkFailurePolicy {
  /** REQ delay for each failed message, ms (0: at once). */
  readonly requeueDelayMs: number
  /** Whether the REQ counts as a failure for the consumer's backoff (slows every connection down). */
  readonly backoff: boolean
  /**
   * True when one failure means the sink is broken for good (stdout closed, a disk error): the
   * pump reports it once (`onFatal`) so its owner stops the run. False for sinks whose failures
   * are per message (an HTTP endpoint answering 500): the pump keeps feeding them.
   */
  readonly fatal: boolean
}

/**
 * A rejection that says how this one message is to be requeued, overriding the sink's
 * {@link SinkFailurePolicy} for it (an HTTP endpoint's `Retry-After`, a per-attempt backoff).
 * Sinks reject `accept` with it; the pump reads it (other errors get the policy's values).
 */
export class RequeueRequest extends Error {
  override readonly name = 'RequeueRequest'
  constructor(
    message: string,
    /** REQ delay for this message, ms. */
    readonly delayMs: number,
    /** Whether this REQ counts for the consumer's backoff (the policy's value when absent). */
    readonly backoff?: boolean,
  ) {
    super(message)
  }
}

/**
 * A destination for consumed messages.
 *
 * **The contract.** `accept(message)` takes the message over and returns a promise that
 * *resolves once the message's work is done and durable* (its bytes written to stdout, fsynced
 * into an archive file, published to and acknowledged by the destination nsqd, answered 2xx by
 * an HTTP endpoint). Only then is the message FIN'd, by the pump and never by the sink, so
 * "nothing is FIN'd before its work is done" holds by construction. When the work failed the
 * promise *rejects*, and the pump REQs the message as {@link failurePolicy} says (or, when the
 * rejection is a {@link RequeueRequest}, with the delay it carries). A sink that
 * dead-letters does so inside `accept` and resolves once the dead-letter record is durable (the
 * message's work, being set aside, is then done). A sink never answers (FIN/REQ) a message
 * itself; it may `touch()` messages it holds longer than nsqd's msg-timeout.
 *
 * **Batching.** A sink may batch internally and resolve many accepts at once (to-file resolves
 * at each fsync, tail at each stdout write callback). It should then return *the same promise
 * object* for every message of one batch: the pump answers such a run of messages with one
 * callback, so batching costs one array slot per message instead of a promise and two closures.
 * A batch's promise must not be handed out again after it settled.
 *
 * **Backpressure.** While `ready` is false the pump does not call `accept` (it waits on
 * `whenReady()`); messages then stay with the source and, once max-in-flight is reached, in
 * nsqd. `accept` must not be called while `ready` is false.
 *
 * **Order.** Messages are accepted in the order the source handed them out; a sink that
 * preserves order (tail, to-file) resolves its accepts in that order.
 */
export interface MessageSink<M extends Delivery = Delivery> {
  /** How failed messages are answered. */
  readonly failurePolicy: SinkFailurePolicy
  /** False while the sink wants no more messages for now (stdout pushing back, a file rotating). */
  readonly ready: boolean
  /** Resolves when `ready` is true again (at once if it is, or once the sink failed for good). */
  whenReady(): Promise<void>
  /** Takes `message`; resolves when its work is done (then FIN), rejects when it failed (then REQ). */
  accept(message: M): Promise<void>
}
