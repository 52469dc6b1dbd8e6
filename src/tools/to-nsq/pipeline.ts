import {monotonicSleepClock, NODE_TIMERS, type SleepClock, type TimerHandle, type Timers} from '../../core/index.js'
import {decodeEnvelope} from '../envelope.js'
import {Batcher, type OutRecord} from '../publish/batcher.js'
import type {FailedRecord, FailureReason} from '../publish/errors-file.js'
import type {BatchOutcome, BatchSink, PublishFailure} from '../publish/publisher.js'
import {Pacer, batchSizeForRate} from './pacer.js'
import {RecordSplitter, DEFAULT_MAX_RECORD_BYTES, type SplitRecord} from './record-splitter.js'
import type {RunResult, StopCause, ToNsqStats} from './summary.js'

export type {RunResult} from './summary.js'

export interface ToNsqRunOptions {
  delimiter: Buffer
  /** `raw`: each record is a message body; `json`: each record is a `tail --format json` envelope. */
  inputFormat: 'raw' | 'json'
  /** Largest message body nsqd takes (--max-msg-size). */
  maxMessageBytes: number
  /** Largest MPUB body nsqd takes (--max-body-size). */
  maxBodyBytes: number
  batchSize: number
  /** Send a partial batch after this long without it filling (ms). */
  lingerMs: number
  /** Messages per second, 0 = unlimited. */
  rate: number
  /** Stop after this many records were accepted. */
  count?: number | undefined
  /** Report empty records as not published instead of skipping them (nsqd refuses empty bodies). */
  keepEmpty: boolean
  onOversize: 'fail' | 'skip'
  onInvalid: 'fail' | 'skip'
  /** Undefined in a dry run. */
  sink?: BatchSink | undefined
  /** Receives the accepted input records (with their delimiter), for `--tee`; awaited (backpressure). */
  tee?: ((data: Buffer) => Promise<void>) | undefined
  /** Receives every record that was not published. */
  onFailure?: ((failure: FailedRecord) => void) | undefined
  /** Aborted: stop reading, publish what was read, wait for every answer. */
  signal: AbortSignal
  /** Paces `--rate` and measures the run (default core's monotonic clock). */
  clock?: SleepClock
  /** Schedules the `--batch-linger` flush (default Node's timers: the input keeps the process alive anyway). */
  timers?: Timers
  maxRecordBytes?: number
}

const ABORTED = Symbol('aborted')

/**
 * One `to-nsq` run: input bytes → records → (envelope decoding) → checks → batches → sink.
 * The input is pulled one chunk at a time and the next chunk is read only once every batch of
 * the previous one was taken by the sink, whose window bounds what awaits nsqd: stdin is read
 * only as fast as nsqd accepts. Every record read ends up counted as published, skipped
 * (empty) or failed (reported to `onFailure`).
 */
export class ToNsqRun {
  readonly stats: ToNsqStats = {
    records: 0,
    accepted: 0,
    published: 0,
    bytes: 0,
    failures: {oversize: 0, empty: 0, invalid_envelope: 0, publish_failed: 0, incomplete: 0},
    skippedEmpty: 0,
  }
  private readonly splitter: RecordSplitter
  private readonly batcher: Batcher
  private readonly pacer: Pacer
  private readonly clock: SleepClock
  private readonly timers: Timers
  private chain: Promise<void> = Promise.resolve()
  private linger: TimerHandle | undefined
  private teeParts: Buffer[] = []
  private stopAt: {record: number; error: string} | undefined
  /** Aborted by `halt`; the input loop watches it together with `options.signal`. */
  private readonly halter = new AbortController()
  private haltCause: 'refused' | 'errors-file' | undefined

  constructor(private readonly options: ToNsqRunOptions) {
    this.clock = options.clock ?? monotonicSleepClock
    this.timers = options.timers ?? NODE_TIMERS
    this.splitter = new RecordSplitter(options.delimiter, options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES)
    this.batcher = new Batcher({maxCount: batchSizeForRate(options.batchSize, options.rate), maxBodyBytes: options.maxBodyBytes})
    this.pacer = new Pacer(options.rate, this.clock)
  }

  /** Records the sink's answer for a batch (the outcome callback given to `submit` lands here). */
  settled(published: readonly OutRecord[], failed: readonly PublishFailure[]): void {
    this.stats.published += published.length
    for (const record of published) this.stats.bytes += record.body.length
    for (const {record, error, nsqd} of failed) {
      this.fail({
        record: record.n,
        reason: 'publish_failed',
        error: error.message,
        body: record.body,
        ...(nsqd === undefined ? {} : {nsqd}),
      })
    }
  }

  /**
   * Stops reading the input at once, for a reason no later record can fix: nsqd refused publishing
   * for good (`refused`), or the errors file cannot be written (`errors-file`). What was already
   * read is still sent (or, once the sink refuses everything, reported failed) and waited for.
   * The first cause wins.
   */
  halt(cause: 'refused' | 'errors-file'): void {
    if (this.haltCause !== undefined) return
    this.haltCause = cause
    this.halter.abort(cause)
  }

  /** Reads the input to its end (or until stopped) and waits for every answer from nsqd. */
  async run(input: AsyncIterable<Buffer>): Promise<RunResult> {
    const started = this.clock.now()
    const signal = AbortSignal.any([this.options.signal, this.halter.signal])
    const iterator = input[Symbol.asyncIterator]()
    let stoppedBy: StopCause = 'eof'
    try {
      for (;;) {
        const next = this.haltCause === undefined ? await nextOrAbort(iterator, signal) : ABORTED
        if (next === ABORTED) {
          stoppedBy = this.haltCause ?? 'interrupted'
          // Bytes read after the last delimiter: not a whole record, so not published, but not lost either.
          const partial = this.splitter.end()
          if (partial !== undefined) {
            this.stats.records++
            const why = this.haltCause === undefined ? 'interrupted' : 'stopped'
            this.fail({
              record: partial.n,
              reason: 'incomplete',
              error: `${why} before the end of this record`,
              body: partial.body,
              ...(partial.length > partial.body.length ? {length: partial.length} : {}),
            })
          }
          break
        }
        if (next.done === true) {
          const last = this.splitter.end()
          if (last !== undefined) stoppedBy = this.handle(last) ?? stoppedBy
          break
        }
        const stop = await this.chunk(next.value)
        if (stop !== undefined) {
          stoppedBy = stop
          break
        }
      }
      await this.flushTee()
      if (stoppedBy !== 'eof') void iterator.return?.()
      this.clearLinger()
      const rest = this.batcher.flush()
      if (rest !== undefined) this.dispatch(rest)
      await this.chain
      await this.options.sink?.drain()
    } finally {
      this.clearLinger()
    }
    return {stoppedBy, ...(this.stopAt === undefined ? {} : {stoppedAt: this.stopAt}), elapsedMs: this.clock.now() - started}
  }

  private async chunk(data: Buffer): Promise<StopCause | undefined> {
    let stop: StopCause | undefined
    for (const record of this.splitter.push(data)) {
      // (A halt during this loop lets the chunk's records through: they were read, so each ends
      // counted as published or failed rather than vanishing; the loop in run() stops after it.)
      stop = this.handle(record)
      if (stop !== undefined) break
    }
    await this.flushTee()
    await this.chain
    if (this.batcher.size > 0 && this.linger === undefined && stop === undefined) {
      this.linger = this.timers.setTimeout(() => {
        this.linger = undefined
        const batch = this.batcher.flush()
        if (batch !== undefined) this.dispatch(batch)
      }, this.options.lingerMs)
    }
    return stop
  }

  /** Checks one record and queues it; returns a cause when reading must stop. */
  private handle(record: SplitRecord): StopCause | undefined {
    const o = this.options
    this.stats.records++
    let body = record.body
    if (o.inputFormat === 'json') {
      if (record.length === 0 || /^\s*$/.test(body.toString('latin1'))) {
        this.stats.skippedEmpty++
        return undefined
      }
      if (record.length > body.length)
        return this.reject(record, 'oversize', `input line of ${record.length} bytes is longer than ${body.length} bytes`, o.onOversize)
      try {
        body = decodeEnvelope(body.toString('utf8')).body
      } catch (error) {
        return this.reject(record, 'invalid_envelope', `invalid envelope: ${(error as Error).message}`, o.onInvalid)
      }
    } else if (record.length > o.maxMessageBytes) {
      return this.reject(record, 'oversize', `${record.length} bytes > max message size ${o.maxMessageBytes}`, o.onOversize)
    }
    if (body.length === 0) {
      if (!o.keepEmpty) {
        this.stats.skippedEmpty++
        return undefined
      }
      this.fail({record: record.n, reason: 'empty', error: 'empty record: nsqd refuses empty message bodies', body})
      return undefined
    }
    if (body.length > o.maxMessageBytes) {
      return this.reject(
        {...record, body, length: body.length},
        'oversize',
        `${body.length} bytes > max message size ${o.maxMessageBytes}`,
        o.onOversize,
      )
    }
    this.stats.accepted++
    if (o.tee !== undefined) this.teeParts.push(record.body, o.delimiter)
    for (const batch of this.batcher.add({n: record.n, body})) this.dispatch(batch)
    if (o.count !== undefined && this.stats.accepted >= o.count) return 'count'
    return undefined
  }

  private reject(record: SplitRecord, reason: FailureReason, error: string, policy: 'fail' | 'skip'): StopCause | undefined {
    this.fail({record: record.n, reason, error, body: record.body, ...(record.length > record.body.length ? {length: record.length} : {})})
    if (policy === 'skip') return undefined
    this.stopAt = {record: record.n, error}
    return 'bad-input'
  }

  private fail(failure: FailedRecord): void {
    this.stats.failures[failure.reason]++
    this.options.onFailure?.(failure)
  }

  /** Queues a batch behind the previous ones (pacing and the sink's window apply in order). */
  private dispatch(batch: OutRecord[]): void {
    const sink = this.options.sink
    this.chain = this.chain.then(async () => {
      if (sink === undefined) return
      await this.pacer.take(batch.length, this.options.signal)
      await sink.submit(batch, this.onOutcome)
    })
  }

  /** A batch answered: counted; a sink that takes no more publishes (every nsqd refused) stops the reading. */
  private readonly onOutcome = (outcome: BatchOutcome): void => {
    this.settled(outcome.published, outcome.failed)
    if (outcome.stopped !== undefined) this.halt('refused')
  }

  private async flushTee(): Promise<void> {
    if (this.options.tee === undefined || this.teeParts.length === 0) return
    const data = Buffer.concat(this.teeParts)
    this.teeParts = []
    await this.options.tee(data)
  }

  private clearLinger(): void {
    if (this.linger !== undefined) this.timers.clearTimeout(this.linger)
    this.linger = undefined
  }
}

/**
 * The iterator's next value, or ABORTED as soon as the signal is. (Not Promise.race against one
 * long-lived promise: each race would leave a reaction on it holding that chunk, so memory would
 * grow with the input.)
 */
function nextOrAbort<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T> | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED)
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED)
    signal.addEventListener('abort', onAbort, {once: true})
    iterator.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort)
        resolve(result)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}
