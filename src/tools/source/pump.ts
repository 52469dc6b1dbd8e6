/**
 * The consume loop, once: pulls messages from one {@link MessageSource} into one
 * {@link MessageSink} and answers each by what the sink said: FIN once its accept resolved, REQ
 * (as the sink's failure policy says) once it rejected. Several pumps may feed one sink (tail:
 * one pump per topic, one stdout).
 */
import {RequeueRequest, type Delivery, type MessageSink, type MessageSource} from './sink.js'

export interface PumpOptions<M extends Delivery> {
  /**
   * Asked about each message before the sink sees it; false: REQ it at once (no backoff) and
   * count it `refused`. (tail: extras beyond `-n`, anything arriving while it stops.)
   */
  admit?(message: M): boolean
  /**
   * Called with each run of messages whose work is done, instead of FIN'ing them: the caller
   * then owns answering them (tail --peek holds them and REQs them at the end).
   */
  done?(messages: readonly M[]): void
  /** The sink's first failure, when its policy says failures are fatal (the owner stops the run). */
  onFatal?(error: Error): void
}

/** Counts of one pump. */
export interface PumpStats {
  /** Messages handed to the sink. */
  accepted: number
  /** Accepted messages whose work was done (FIN'd, or handed to `done`). */
  done: number
  /** Accepted messages whose work failed (REQ'd by the sink's policy). */
  failed: number
  /** Messages `admit` turned away (REQ'd at once). */
  refused: number
}

/** Messages that share one accept promise (one batch of the sink), answered together. */
interface Group<M> {
  readonly messages: M[]
  answered: boolean
}

export class Pump<M extends Delivery> {
  readonly stats: PumpStats = {accepted: 0, done: 0, failed: 0, refused: 0}
  private lastSettled: Promise<void> | undefined
  private group: Group<M> | undefined
  private fatalSeen = false

  constructor(
    private readonly source: MessageSource<M>,
    private readonly sink: MessageSink<M>,
    private readonly options: PumpOptions<M> = {},
  ) {}

  /**
   * Feeds the sink until the source is done (the owner stopped it). Resolves then; answers to
   * messages still with the sink come later, when the sink settles them (its owner flushes or
   * closes it after the pumps ended).
   */
  async run(): Promise<PumpStats> {
    const {source, sink, options} = this
    for (;;) {
      if (!sink.ready) await sink.whenReady()
      const result = await source.next()
      if (result.done === true) return this.stats
      const message = result.value
      if (options.admit !== undefined && !options.admit(message)) {
        message.requeue(0, {backoff: false})
        this.stats.refused++
        continue
      }
      // The sink may have become busy while we waited for the message (another pump, a rotation).
      if (!sink.ready) await sink.whenReady()
      this.hand(message)
    }
  }

  private hand(message: M): void {
    this.stats.accepted++
    const settled = this.sink.accept(message)
    const group = this.group
    if (settled === this.lastSettled && group !== undefined && !group.answered) {
      group.messages.push(message)
      return
    }
    const next: Group<M> = {messages: [message], answered: false}
    this.group = next
    this.lastSettled = settled
    settled.then(
      () => this.succeeded(next),
      (error: unknown) => this.failed(next, error instanceof Error ? error : new Error(String(error))),
    )
  }

  private succeeded(group: Group<M>): void {
    group.answered = true
    const {messages} = group
    this.stats.done += messages.length
    if (this.options.done !== undefined) this.options.done(messages)
    else for (const message of messages) message.finish()
  }

  private failed(group: Group<M>, error: Error): void {
    group.answered = true
    const policy = this.sink.failurePolicy
    // A per-message answer (Retry-After, backoff by attempts) overrides the policy's.
    const asked = error instanceof RequeueRequest ? error : undefined
    const requeue = {backoff: asked?.backoff ?? policy.backoff}
    const delayMs = asked?.delayMs ?? policy.requeueDelayMs
    for (const message of group.messages) message.requeue(delayMs, requeue)
    this.stats.failed += group.messages.length
    if (policy.fatal && !this.fatalSeen) {
      this.fatalSeen = true
      this.options.onFatal?.(error)
    }
  }
}
