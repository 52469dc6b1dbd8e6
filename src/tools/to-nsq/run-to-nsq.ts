import type {AddressMap, ConnectionSettings, HttpOptions, NsqError} from '../../core/index.js'
import type {PublishObserver} from '../metrics/observers.js'
import {EXIT, stoppedExitCode, type ExitCode, type ToolResult} from '../result.js'
import {discoverNsqd} from '../publish/discover.js'
import type {ErrorsFile, FailedRecord} from '../publish/errors-file.js'
import {guessHttpAddress, resolveLimits, type LimitOverrides, type NsqdLimits} from '../publish/nsqd-limits.js'
import {Publisher, type PublishMode} from '../publish/publisher.js'
import type {Refusal} from '../publish/refusal.js'
import {ToNsqRun, type ToNsqRunOptions} from './pipeline.js'
import {buildSummary, type RunResult, type ToNsqStats, type ToNsqSummary} from './summary.js'

/** What `runToNsq` reports while it runs (the command turns these into stderr lines). */
export interface ToNsqEvents {
  /** An nsqd HTTP address given explicitly (`nsqdHttp`) could not be read; `source` says which limits apply instead. */
  limitsUnread?(failure: string, source: 'nsqd' | 'flags'): void
  /** One nsqd refused publishing for good and left the rotation; `remaining` nsqd still take publishes. */
  leftOut?(refusal: Refusal, remaining: number): void
  /** A connection to an nsqd was lost, or (`established` false) could not be made; it is retried. */
  disconnected?(address: string, error: NsqError | undefined, established: boolean): void
  /** Publishes failed on this nsqd and are tried again (`failover`: round-robin over several nsqd, so on the others). */
  retrying?(address: string, error: NsqError, failover: boolean): void
  /** The limits are known and the nsqd connected: reading starts now; `stats` are live counters. */
  reading?(stats: Readonly<ToNsqStats>): void
  /** Reading and publishing are over (every answer is in); closing follows. */
  readingDone?(): void
  /** A record was not published (it is in the errors file, when there is one). */
  notPublished?(failure: FailedRecord): void
}

/** Everything a `to-nsq` run needs, flags already parsed. */
export interface ToNsqOptions {
  topic: string
  /** nsqd TCP addresses to publish to; empty with `lookupd`. */
  nsqd: readonly string[]
  /** nsqlookupd HTTP addresses to find the nsqd carrying `topic` (or every nsqd) through. */
  lookupd: readonly string[]
  /** nsqd HTTP addresses given explicitly, for the limits; otherwise those lookupd reports or TCP port + 1. */
  nsqdHttp: readonly string[]
  addressMap?: AddressMap
  http: HttpOptions
  mode: PublishMode
  connection: ConnectionSettings
  /** Read, split and check; publish nothing (no nsqd is connected). */
  dryRun: boolean
  /** DPUB delay, ms: each record its own DPUB. */
  deferMs?: number | undefined
  /** `--max-message-bytes` / `--max-body-bytes`: used without an nsqd answer, and can only tighten nsqd's. */
  limitOverrides: LimitOverrides
  /**
   * Checks the flags against nsqd's limits once they are known, before any input is read (e.g.
   * `--defer` beyond `--max-req-timeout`); it throws to stop the run (everything is closed).
   */
  checkLimits?(limits: NsqdLimits): void
  /**
   * Opens the errors file (records not published go there), once the nsqd are found and before
   * they are connected; it throws to stop the run. The run closes the file when it ends.
   */
  openErrorsFile?(): ErrorsFile
  /** How records are read, checked and batched (limits, sink and failures are the run's). */
  pipeline: Omit<ToNsqRunOptions, 'maxMessageBytes' | 'maxBodyBytes' | 'batchSize' | 'sink' | 'onFailure' | 'signal'>
  /** `--batch-size` (with `deferMs` every batch is one record). */
  batchSize: number
  input: AsyncIterable<Buffer>
  /** Aborted: stop reading, publish what was read, wait for every answer. */
  signal: AbortSignal
  /** True when the abort came from the reader of stdout leaving (`--tee`): not an interruption. */
  outputGone?(): boolean
  events?: ToNsqEvents
  /** Told each batch's publish latency and outcome (`--metrics-address`). */
  publishObserver?: PublishObserver
}

/** How a `to-nsq` run ended: its summary and exit code, and what the command reports after the summary. */
export interface ToNsqResult extends ToolResult<ToNsqSummary> {
  /** How reading ended (`stoppedAt` names a bad record that stopped it). */
  run: RunResult
  /** nsqd refused publishing for good and publishing stopped. */
  refusal?: Refusal
  /** The errors file, when there is one (its `failure` and `unrecorded` tell whether it failed). */
  errorsFile?: ErrorsFile
}

/**
 * Runs `nsq to-nsq`: finds the nsqd (directly or through lookupd, `--address-map` applied),
 * connects the Publisher while reading nsqd's limits, then pipes `input` through a ToNsqRun into
 * the Publisher, records what was not published in the errors file, and closes everything. Exit
 * code: 1 when the errors file failed, 69 when nsqd refused publishing for good, 130 when
 * interrupted before the end of the input (the finite-job rule), 3 when records failed, else 0.
 */
export async function runToNsq(options: ToNsqOptions): Promise<ToNsqResult> {
  const events = options.events ?? {}
  let nsqd = [...options.nsqd]
  let httpAddresses = [...options.nsqdHttp]
  if (options.lookupd.length > 0) {
    const found = await discoverNsqd(options.lookupd, options.topic, options.http, options.addressMap, options.signal)
    nsqd = found.map((n) => n.tcpAddress)
    if (httpAddresses.length === 0) httpAddresses = found.map((n) => n.httpAddress)
  }
  if (httpAddresses.length === 0) httpAddresses = nsqd.map(guessHttpAddress)
  // nsqd's limits are read while the TCP connections open.
  const limitsRead = resolveLimits(httpAddresses, options.limitOverrides, {...options.http, signal: options.signal}).then((resolved) => {
    // A guessed HTTP address (TCP port + 1) that does not answer is no news; one given explicitly is.
    if (options.nsqdHttp.length > 0 && resolved.failure !== undefined) events.limitsUnread?.(resolved.failure, resolved.source)
    return resolved
  })
  const errorsFile = options.openErrorsFile?.()
  const publisher = options.dryRun ? undefined : newPublisher(options, nsqd)
  let closed = false
  try {
    await Promise.all([publisher?.connect(), limitsRead])
    const {limits, source} = await limitsRead
    options.checkLimits?.(limits)
    const run = new ToNsqRun({
      ...options.pipeline,
      maxMessageBytes: Math.min(limits.maxMessageBytes, limits.maxBodyBytes - 8),
      maxBodyBytes: limits.maxBodyBytes,
      batchSize: options.deferMs === undefined ? options.batchSize : 1,
      signal: options.signal,
      sink: publisher,
      onFailure: (failure) => {
        // A full disk (or I/O error) on the errors file: stop reading, finish what is in flight.
        if (errorsFile !== undefined && !errorsFile.write(failure)) run.halt('errors-file')
        events.notPublished?.(failure)
      },
    })
    events.reading?.(run.stats)
    let result: RunResult
    try {
      result = await run.run(options.input)
    } finally {
      events.readingDone?.()
    }
    closed = true
    await publisher?.close()
    errorsFile?.close()

    const refusal = publisher?.refusal
    const broken = errorsFile?.failure
    const unrecorded = errorsFile?.unrecorded
    const summary = buildSummary(run.stats, result, {
      topic: options.topic,
      mode: options.mode,
      nsqd,
      dryRun: options.dryRun,
      ...(errorsFile === undefined ? {} : {errorsFile: errorsFile.path}),
      ...(refusal === undefined
        ? {}
        : {refused: {...(refusal.nsqd === undefined ? {} : {nsqd: refusal.nsqd}), code: refusal.error.code, error: refusal.error.message}}),
      refusedNsqd: [...(publisher?.refused ?? [])].map(([address, error]) => ({nsqd: address, code: error.code, error: error.message})),
      ...(broken === undefined || unrecorded === undefined
        ? {}
        : {unrecorded: {count: unrecorded.count, records: unrecorded.ranges, code: broken.code, error: broken.message}}),
      limits: {maxMessageBytes: limits.maxMessageBytes, maxBodyBytes: limits.maxBodyBytes, source},
    })
    const interrupted = result.stoppedBy === 'interrupted' && options.outputGone?.() !== true
    return {
      summary,
      exitCode: exitCode({broken: broken !== undefined, refused: refusal !== undefined, interrupted, failed: summary.failed}),
      run: result,
      ...(refusal === undefined ? {} : {refusal}),
      ...(errorsFile === undefined ? {} : {errorsFile}),
    }
  } finally {
    // The early ways out (connecting failed, checkLimits or the run threw) close here.
    if (!closed) {
      await publisher?.close().catch(() => undefined)
      errorsFile?.close()
    }
  }
}

/** The Publisher of a run: round-robin or fanout over `nsqd`, a small window (a large one for DPUB, one command per record). */
function newPublisher(options: ToNsqOptions, nsqd: readonly string[]): Publisher {
  const events = options.events ?? {}
  return new Publisher({
    topic: options.topic,
    nsqd,
    mode: options.mode,
    settings: options.connection,
    deferMs: options.deferMs,
    window: options.deferMs === undefined ? 16 : 256,
    ...(options.publishObserver === undefined ? {} : {observer: options.publishObserver}),
    // With none left, the run stops reading through the batch outcome (BatchOutcome.stopped).
    onRefused: (refusal, remaining) => {
      if (remaining > 0) events.leftOut?.(refusal, remaining)
    },
    events: {
      disconnected: (address, error, established) => events.disconnected?.(address, error, established),
      retrying: (address, error) => events.retrying?.(address, error, nsqd.length > 1 && options.mode === 'round-robin'),
    },
  })
}

/** The to-nsq exit code: the errors file failing wins, then a refusal, then the Ctrl-C rule, then records not published. */
function exitCode(ended: {broken: boolean; refused: boolean; interrupted: boolean; failed: number}): ExitCode {
  if (ended.broken) return EXIT.FAILURE
  if (ended.refused) return EXIT.UNAVAILABLE
  if (ended.interrupted) return stoppedExitCode('finite')
  return ended.failed > 0 ? EXIT.PARTIAL : EXIT.OK
}
