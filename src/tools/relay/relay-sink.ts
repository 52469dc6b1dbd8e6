/**
 * The relay's {@link MessageSink}: collects a source topic's messages into MPUB batches for its
 * destination topic, hands them to the publish side ({@link BatchSink}: the Publisher) and
 * resolves a batch's accepts only once the destination answered OK for every message of it (in
 * fanout: every destination did). So a source message is FIN'd (by the pump) only after the
 * destination has it. What the destination cannot take right now (every nsqd down, a stalled
 * one) is sent again after a growing pause while the sink says not ready: the source then stops
 * handing out messages and the ones in flight stay in flight (touched so nsqd does not time
 * them out): nothing is dropped for its attempt count. What the destination refuses for good
 * (oversize, `E_BAD_MESSAGE`) goes to the errors file and is FIN'd only once written there.
 */
import {classifyPublishError} from '../publish/refusal.js'
import type {OutRecord} from '../publish/batcher.js'
import type {ErrorsFileReason, FailedRecord} from '../publish/errors-file.js'
import type {BatchOutcome, BatchSink} from '../publish/publisher.js'
import type {Delivery, MessageSink, SinkFailurePolicy} from '../source/sink.js'
import type {SourceTimers} from '../source/topic-source.js'
import type {JsonFilter} from './json-filter.js'

/** What happens to a body that is not a JSON object while a JSON filter is on. */
export type InvalidPolicy = 'skip' | 'fail' | 'errors'

/** Where records the destination will never take are set aside (the to-nsq errors file fits). */
export interface DeadLetters {
  /** Writes one record; false when it could not be written (the message is then not FIN'd). */
  write(failure: FailedRecord<ErrorsFileReason>): boolean
}

/** Counts of one relay sink (live; the status line and the summary read them). */
export interface RelaySinkStats {
  /** Messages the destination acknowledged (FIN'd at the source). */
  relayed: number
  bytes: number
  /** Messages the JSON filter left out (FIN'd). */
  filtered: number
  /** Bodies that were not a JSON object while a filter was on (handled by the `--on-invalid` policy). */
  invalid: number
  /** Messages written to the errors file (FIN'd): oversize, refused by the destination, invalid JSON with `--on-invalid errors`. */
  deadLettered: number
  /** Messages published again after a failed try: the destination may hold them twice. */
  republished: number
  /** Messages the source delivered more than once (attempts > 1): the destination may hold them twice. */
  redelivered: number
}

export interface RelaySinkOptions {
  /** The destination topic's publish side. */
  publisher: BatchSink
  /** Most messages per MPUB. */
  batchSize: number
  /** The destination's max-body-size (an MPUB body). */
  maxBodyBytes: number
  /** The destination's max-msg-size: a larger body goes to the errors file. */
  maxMessageBytes: number
  /** A partial batch is sent after this long without more messages (ms, default 5). */
  lingerMs?: number
  filter: JsonFilter
  onInvalid: InvalidPolicy
  /** The errors file; without one a record that needs it stops the run (the message is REQ'd). */
  deadLetters?: DeadLetters
  /** Pause before a failed batch is sent again: first, doubling up to max (ms; default 100 … 2000). */
  retryMs?: {initial: number; max: number}
  /** Messages held longer than this get a TOUCH (ms, default 20000: a third of nsqd's default msg-timeout). */
  touchIntervalMs?: number
  timers?: SourceTimers
  /** Numbers records for the errors file (shared by every sink of a run). */
  nextRecordNumber?: () => number
  events?: RelaySinkEvents
}

export interface RelaySinkEvents {
  /** Publishing failed for now: the sink holds (nothing more is taken from the source) and tries again. */
  held?(error: Error): void
  /** A held batch went through: the sink takes messages again. */
  resumed?(): void
  /** A body the JSON filter could not read (said for each; the command rate-limits what it prints). */
  invalid?(message: Delivery, error: string): void
}

/** One MPUB batch on its way: its messages, and the one promise all their accepts share. */
interface Batch<M> {
  readonly messages: M[]
  readonly records: OutRecord[]
  bytes: number
  /** Records not acknowledged yet (the whole batch at first; after a failure, what is left). */
  pending: OutRecord[]
  tries: number
  settled: boolean
  readonly promise: Promise<void>
  resolve(): void
  reject(error: Error): void
}

/** A failure that stops the run: the pump reports it once (`fatal`) and the owner stops. */
export class RelayStopped extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
    this.name = 'RelayStopped'
  }
}

const NODE_TIMERS: SourceTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

export class RelaySink<M extends Delivery = Delivery> implements MessageSink<M> {
  /** Failures are the run's end (a refusal, an errors file that failed, `--on-invalid fail`): REQ at once. */
  readonly failurePolicy: SinkFailurePolicy = {requeueDelayMs: 0, backoff: false, fatal: true}
  readonly stats: RelaySinkStats = {relayed: 0, bytes: 0, filtered: 0, invalid: 0, deadLettered: 0, republished: 0, redelivered: 0}
  private batch: Batch<M> | undefined
  private lingerTimer: unknown
  private touchTimer: unknown
  private readonly unsettled = new Set<Batch<M>>()
  /** Batches waiting to be sent again. */
  private readonly retrying = new Set<Batch<M>>()
  private readyWaiters: (() => void)[] = []
  private idleWaiters: (() => void)[] = []
  private stoppedBy: Error | undefined
  private recordCounter = 0
  private readonly timers: SourceTimers

  constructor(private readonly options: RelaySinkOptions) {
    this.timers = options.timers ?? NODE_TIMERS
    if (options.batchSize < 1) throw new Error('batch size must be at least 1')
  }

  /** False while a batch waits to be sent again (the destination is down): hold. True once stopped. */
  get ready(): boolean {
    return this.retrying.size === 0 || this.stoppedBy !== undefined
  }

  /** Batches not yet acknowledged (including the one filling). */
  get inFlight(): number {
    let count = this.batch?.messages.length ?? 0
    for (const batch of this.unsettled) if (batch !== this.batch) count += batch.pending.length
    return count
  }

  /** The failure that stopped the sink, if one did. */
  get stopped(): Error | undefined {
    return this.stoppedBy
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve()
    return new Promise((resolve) => this.readyWaiters.push(resolve))
  }

  accept(message: M): Promise<void> {
    if (message.attempts > 1) this.stats.redelivered++
    const {filter} = this.options
    const verdict = filter.apply(message.body)
    if (verdict.kind === 'filtered') {
      this.stats.filtered++
      return Promise.resolve()
    }
    if (verdict.kind === 'invalid') {
      this.stats.invalid++
      this.options.events?.invalid?.(message, verdict.error)
      if (this.options.onInvalid === 'skip') return Promise.resolve()
      if (this.options.onInvalid === 'fail')
        return this.stop(new RelayStopped(`message ${message.id} on ${message.topic}: ${verdict.error} (--on-invalid fail)`, 'INVALID'))
      return this.deadLetter(message, 'invalid_json', verdict.error)
    }
    const body = verdict.body
    if (body.length > this.options.maxMessageBytes)
      return this.deadLetter(message, 'oversize', `${body.length} bytes > destination max-msg-size ${this.options.maxMessageBytes}`, body)
    if (this.stoppedBy !== undefined) return Promise.reject(this.stoppedBy)
    const size = 4 + body.length
    if (this.batch !== undefined && this.batch.bytes + size > this.options.maxBodyBytes) this.flush()
    const batch = this.batch ?? this.open()
    batch.messages.push(message)
    batch.records.push({n: this.recordNumber(), body})
    batch.bytes += size
    const {promise} = batch
    if (batch.messages.length >= this.options.batchSize) this.flush()
    return promise
  }

  /** Sends the batch being filled now (end of a linger, a stop). */
  flush(): void {
    const batch = this.batch
    if (batch === undefined) return
    this.batch = undefined
    if (this.lingerTimer !== undefined) this.timers.clearTimeout(this.lingerTimer)
    this.lingerTimer = undefined
    batch.pending = batch.records
    this.send(batch)
  }

  /** Resolves once every accepted message has been answered for (flush first). */
  async drain(): Promise<void> {
    this.flush()
    while (this.unsettled.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  /** Gives up on everything not acknowledged yet (a drain that took too long): those messages are REQ'd. */
  abandon(reason: Error): void {
    this.flush()
    this.stoppedBy ??= reason
    for (const batch of [...this.unsettled]) this.settle(batch, reason)
    this.wakeReady()
  }

  private open(): Batch<M> {
    let resolve!: () => void
    let reject!: (error: Error) => void
    const promise = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    // The pump always attaches handlers; this keeps an abandoned batch from being "unhandled" first.
    promise.catch(() => undefined)
    const batch: Batch<M> = {messages: [], records: [], bytes: 4, pending: [], tries: 0, settled: false, promise, resolve, reject}
    this.batch = batch
    this.unsettled.add(batch)
    this.lingerTimer = this.timers.setTimeout(() => {
      this.lingerTimer = undefined
      if (this.batch === batch) this.flush()
    }, this.options.lingerMs ?? 5)
    this.armTouch()
    return batch
  }

  private send(batch: Batch<M>): void {
    if (this.stoppedBy !== undefined) {
      this.settle(batch, this.stoppedBy)
      return
    }
    batch.tries++
    const records = batch.pending
    void this.options.publisher
      .submit(records, (outcome) => this.answered(batch, outcome))
      .catch((error: unknown) => this.settle(batch, error instanceof Error ? error : new Error(String(error))))
  }

  private answered(batch: Batch<M>, outcome: BatchOutcome): void {
    if (batch.settled) return
    for (const record of outcome.published) this.stats.bytes += record.body.length
    if (outcome.stopped !== undefined) {
      // Every destination refused for good: what is not published is REQ'd and the run stops.
      const {error, nsqd} = outcome.stopped
      this.halt(
        new RelayStopped(
          `${nsqd === undefined ? 'destination nsqd' : `destination nsqd ${nsqd}`} refused publishing: ${error.message}`,
          error.code,
        ),
      )
      this.countRelayed(batch, outcome.published.length)
      this.settle(batch, this.stoppedBy)
      return
    }
    this.countRelayed(batch, outcome.published.length)
    const again: OutRecord[] = []
    let lastError: Error | undefined
    for (const failure of outcome.failed) {
      if (classifyPublishError(failure.error) === 'record') {
        const message = batch.messages[batch.records.indexOf(failure.record)] as M
        if (!this.writeDeadLetter(message, 'publish_failed', failure.error.message, failure.record.body, failure.nsqd)) {
          this.halt(
            new RelayStopped(
              `message ${message.id}: ${failure.error.message}, and it could not be written to an errors file (--errors)`,
              failure.error.code,
            ),
          )
          this.settle(batch, this.stoppedBy)
          return
        }
      } else {
        again.push(failure.record)
        lastError = failure.error
      }
    }
    if (again.length === 0) {
      this.settle(batch)
      return
    }
    // Not taken for now (destination down or stalled): hold and send those again.
    this.stats.republished += again.length
    batch.pending = again
    const wasReady = this.ready
    this.retrying.add(batch)
    if (wasReady) this.options.events?.held?.(lastError as Error)
    const {initial, max} = this.options.retryMs ?? {initial: 100, max: 2000}
    const delay = Math.min(max, initial * 2 ** Math.min(batch.tries - 1, 20))
    this.timers.setTimeout(() => this.send(batch), delay)
  }

  private countRelayed(batch: Batch<M>, count: number): void {
    this.stats.relayed += count
    if (count > 0 && this.retrying.delete(batch) && this.retrying.size === 0) {
      this.options.events?.resumed?.()
      this.wakeReady()
    }
  }

  private settle(batch: Batch<M>, error?: Error): void {
    if (batch.settled) return
    batch.settled = true
    this.unsettled.delete(batch)
    if (this.batch === batch) this.batch = undefined
    if (this.retrying.delete(batch) && this.retrying.size === 0) this.wakeReady()
    if (error === undefined) batch.resolve()
    else batch.reject(error)
    if (this.unsettled.size === 0) {
      if (this.touchTimer !== undefined) this.timers.clearTimeout(this.touchTimer)
      this.touchTimer = undefined
      for (const wake of this.idleWaiters.splice(0)) wake()
    }
  }

  private deadLetter(message: M, reason: ErrorsFileReason, error: string, body: Buffer = message.body): Promise<void> {
    if (this.writeDeadLetter(message, reason, error, body)) return Promise.resolve()
    const hint = this.options.deadLetters === undefined ? ' (use --errors FILE to set such messages aside and go on)' : ''
    return this.stop(
      new RelayStopped(`message ${message.id} on ${message.topic}: ${error}${hint}`, reason === 'oversize' ? 'E_BAD_MESSAGE' : 'INVALID'),
    )
  }

  private writeDeadLetter(message: M, reason: ErrorsFileReason, error: string, body: Buffer, nsqd?: string): boolean {
    const file = this.options.deadLetters
    if (file === undefined) return false
    const written = file.write({
      record: this.recordNumber(),
      reason,
      error: `${error} (source ${message.topic} message ${message.id})`,
      body,
      ...(nsqd === undefined ? {} : {nsqd}),
    })
    if (written) this.stats.deadLettered++
    return written
  }

  /** Stops the sink for good and rejects the caller's accept with the reason. */
  private stop(error: Error): Promise<void> {
    this.halt(error)
    return Promise.reject(error)
  }

  private halt(error: Error): void {
    this.stoppedBy ??= error
    this.wakeReady()
  }

  private wakeReady(): void {
    if (!this.ready) return
    for (const wake of this.readyWaiters.splice(0)) wake()
  }

  private recordNumber(): number {
    return this.options.nextRecordNumber?.() ?? ++this.recordCounter
  }

  /** While messages are held, TOUCH them now and then so nsqd's msg-timeout does not redeliver them. */
  private armTouch(): void {
    if (this.touchTimer !== undefined) return
    this.touchTimer = this.timers.setTimeout(() => {
      this.touchTimer = undefined
      if (this.unsettled.size === 0) return
      for (const batch of this.unsettled) for (const message of batch.messages) message.touch()
      this.armTouch()
    }, this.options.touchIntervalMs ?? 20_000)
  }
}
