/**
 * `nsq replay`, assembled: find the archive files (paths, folders, globs, an S3 listing, stdin),
 * choose those overlapping the time range without reading the others, find the nsqd (directly or
 * through lookupd), read nsqd's limits while connecting, then run a ReplayRun into one Publisher
 * per topic (the publish side `to-nsq` uses), and close everything. The same shape as runToNsq,
 * with archive files as the record source.
 */
import type {AddressMap, ConnectionSettings, HttpOptions, NsqError} from '../../core/index.js'
import {EXIT, stoppedExitCode, type ExitCode, type ToolResult} from '../result.js'
import {discoverNsqd} from '../publish/discover.js'
import type {ErrorsFile} from '../publish/errors-file.js'
import {guessHttpAddress, resolveLimits, type LimitOverrides, type ResolvedLimits} from '../publish/nsqd-limits.js'
import {Publisher, type BatchSink, type PublishMode} from '../publish/publisher.js'
import type {Refusal} from '../publish/refusal.js'
import type {ArchiveFile} from './archive-file.js'
import {Checkpoint} from './checkpoint.js'
import {findLocalFiles} from './local-files.js'
import {nameSpanReader} from './name-time.js'
import {ReplayRun, type ReplayFailure, type ReplayRunResult} from './replay-run.js'
import type {S3ListOptions} from './s3-files.js'
import {selectFiles, type Selection} from './selection.js'
import {failedCount, type ReplayStats, type ReplaySummary, type TornFile} from './summary.js'
import type {TimeRange} from './time-range.js'

/** What `runReplay` reports while it runs. */
export interface ReplayEvents {
  /** The files are chosen; `stats` are live counters (bytes known up front, for the ETA). */
  reading?(selection: Selection, stats: Readonly<ReplayStats>): void
  readingDone?(): void
  limitsUnread?(failure: string, source: 'nsqd' | 'flags'): void
  leftOut?(refusal: Refusal, remaining: number): void
  disconnected?(address: string, error: NsqError | undefined): void
  retrying?(address: string, error: NsqError): void
  notPublished?(failure: ReplayFailure): void
  torn?(torn: TornFile): void
  badFile?(file: string, problem: string): void
}

/** Everything a replay needs, flags already parsed. */
export interface ReplayOptions {
  topic: string | undefined
  topicFromEnvelope: boolean
  topicMap: ReadonlyMap<string, string>
  /** Files, folders and globs. */
  paths: readonly string[]
  /** `-`: stdin as one archive (plain or gzip). */
  stdin?: AsyncIterable<Buffer> | undefined
  s3?: S3ListOptions | undefined
  range: TimeRange
  /** `--datetime-format` of the names (default `%Y-%m-%d_%H`), read in local time unless `nameUtc`. */
  datetimeFormat: string
  nameUtc: boolean
  inputFormat: 'auto' | 'raw' | 'json'
  nsqd: readonly string[]
  lookupd: readonly string[]
  nsqdHttp: readonly string[]
  addressMap?: AddressMap
  http: HttpOptions
  mode: PublishMode
  connection: ConnectionSettings
  dryRun: boolean
  limitOverrides: LimitOverrides
  batchSize: number
  rate: number
  ordered: boolean
  verify: boolean
  skipBad: boolean
  /** `--checkpoint FILE`. */
  checkpointPath?: string | undefined
  openErrorsFile?(): ErrorsFile
  signal: AbortSignal
  events?: ReplayEvents
}

export interface ReplayResult extends ToolResult<ReplaySummary> {
  refusal?: Refusal
  errorsFile?: ErrorsFile
}

/** Batches awaiting nsqd at once per topic (1 with --ordered). */
const WINDOW = 16

/** Finds the archive files of every source, in the order given. */
async function findFiles(options: ReplayOptions): Promise<{files: ArchiveFile[]; close(): void}> {
  const files = await findLocalFiles(options.paths.filter((p) => p !== '-'))
  let close = (): void => undefined
  if (options.s3 !== undefined) {
    const {listS3Files} = await import('./s3-files.js')
    const listed = await listS3Files(options.s3, options.signal)
    files.push(...listed.files)
    close = () => listed.close()
  }
  const stdin = options.stdin
  if (stdin !== undefined) files.push({key: '-', name: '-', size: undefined, manifest: undefined, open: () => stdin})
  return {files, close}
}

/**
 * Runs `nsq replay`. Exit code: 1 when the errors file or the checkpoint failed, 69 when nsqd
 * refused publishing for good, 130 when interrupted (the finite-job rule), 3 when records were
 * not published or a file failed `--verify` (without `--skip-bad`), else 0.
 */
export async function runReplay(options: ReplayOptions): Promise<ReplayResult> {
  const events = options.events ?? {}
  const found = await findFiles(options)
  const publishers = new Map<string, Publisher>()
  let errorsFile: ErrorsFile | undefined
  try {
    const selection = selectFiles(found.files, options.range, nameSpanReader(options.datetimeFormat, options.nameUtc))
    const checkpoint =
      options.checkpointPath === undefined ? undefined : await Checkpoint.open(options.checkpointPath, options.topic ?? null)
    let nsqd = [...options.nsqd]
    let httpAddresses = [...options.nsqdHttp]
    if (options.lookupd.length > 0 && !options.dryRun) {
      const probe = options.topic ?? found.files[0]?.manifest?.topic ?? 'replay'
      const discovered = await discoverNsqd(options.lookupd, probe, options.http, options.addressMap, options.signal)
      nsqd = discovered.map((n) => n.tcpAddress)
      if (httpAddresses.length === 0) httpAddresses = discovered.map((n) => n.httpAddress)
    }
    if (httpAddresses.length === 0) httpAddresses = nsqd.map(guessHttpAddress)
    const resolved: ResolvedLimits = await resolveLimits(httpAddresses, options.limitOverrides, {...options.http, signal: options.signal})
    if (options.nsqdHttp.length > 0 && resolved.failure !== undefined) events.limitsUnread?.(resolved.failure, resolved.source)
    const {limits} = resolved
    errorsFile = options.openErrorsFile?.()
    const window = options.ordered ? 1 : WINDOW
    const sinkFor = options.dryRun
      ? undefined
      : async (topic: string): Promise<BatchSink> => {
          const publisher = newPublisher(options, topic, nsqd, window)
          publishers.set(topic, publisher)
          await publisher.connect()
          return publisher
        }
    // Connect the main topic's publisher before reading, so an unreachable nsqd fails at once.
    const first = options.topic !== undefined && sinkFor !== undefined ? sinkFor(options.topic) : undefined
    await first
    const duplicateLimit = window * options.batchSize
    const broken = errorsFile
    const run = new ReplayRun({
      files: selection.selected,
      range: options.range,
      inputFormat: options.inputFormat,
      topic: options.topic,
      topicFromEnvelope: options.topicFromEnvelope,
      topicMap: options.topicMap,
      maxMessageBytes: Math.min(limits.maxMessageBytes, limits.maxBodyBytes - 8),
      maxBodyBytes: limits.maxBodyBytes,
      batchSize: options.batchSize,
      rate: options.rate,
      verify: options.verify,
      skipBad: options.skipBad,
      sinkFor: sinkFor === undefined ? undefined : (topic) => (topic === options.topic && first !== undefined ? first : sinkFor(topic)),
      checkpoint,
      duplicateLimit,
      onFailure: (failure) => {
        if (broken !== undefined && !broken.write(failure)) run.halt('errors-file')
        events.notPublished?.(failure)
      },
      onTorn: (torn) => events.torn?.(torn),
      onBadFile: (file, problem) => events.badFile?.(file, problem),
      signal: options.signal,
    })
    events.reading?.(selection, run.stats)
    let result: ReplayRunResult
    try {
      result = await run.run()
    } finally {
      events.readingDone?.()
    }
    await Promise.all([...publishers.values()].map((p) => p.close()))
    errorsFile?.close()
    const refusal = [...publishers.values()].map((p) => p.refusal).find((r) => r !== undefined)
    const stats = run.stats
    const summary: ReplaySummary = {
      topic: options.topic ?? null,
      topics: result.topics,
      mode: options.mode,
      nsqd,
      dryRun: options.dryRun,
      files: {
        found: found.files.length,
        selected: selection.selected.length,
        skipped: selection.skipped.length,
        read: result.files.read,
        resumed: result.files.resumed,
        bad: result.files.bad,
        torn: result.files.torn,
      },
      bytes: {selected: selection.selected.reduce((sum, p) => sum + (p.file.size ?? 0), 0), read: stats.bytesRead},
      records: stats.records,
      accepted: stats.accepted,
      published: stats.published,
      bodyBytes: stats.bodyBytes,
      outOfRange: stats.outOfRange,
      resumedRecords: stats.resumedRecords,
      skippedEmpty: stats.skippedEmpty,
      failed: failedCount(stats),
      failures: {...stats.failures},
      elapsedMs: Math.round(result.elapsedMs),
      rate: result.elapsedMs > 0 ? Math.round(((options.dryRun ? stats.accepted : stats.published) * 1000) / result.elapsedMs) : 0,
      stoppedBy: result.stoppedBy,
      ...(errorsFile === undefined ? {} : {errorsFile: errorsFile.path}),
      ...(refusal === undefined
        ? {}
        : {refused: {...(refusal.nsqd === undefined ? {} : {nsqd: refusal.nsqd}), code: refusal.error.code, error: refusal.error.message}}),
      ...(checkpoint === undefined
        ? {}
        : {
            checkpoint: {
              path: checkpoint.path,
              resumed: checkpoint.resumed,
              maxDuplicates: duplicateLimit,
              ...(checkpoint.failure === undefined ? {} : {error: checkpoint.failure.message}),
            },
          }),
      limits: {maxMessageBytes: limits.maxMessageBytes, maxBodyBytes: limits.maxBodyBytes, source: resolved.source},
    }
    return {
      summary,
      exitCode: exitCode(summary, errorsFile?.failure !== undefined || checkpoint?.failure !== undefined),
      ...(refusal === undefined ? {} : {refusal}),
      ...(errorsFile === undefined ? {} : {errorsFile}),
    }
  } finally {
    await Promise.all([...publishers.values()].map((p) => p.close().catch(() => undefined)))
    errorsFile?.close()
    found.close()
  }
}

function newPublisher(options: ReplayOptions, topic: string, nsqd: readonly string[], window: number): Publisher {
  const events = options.events ?? {}
  return new Publisher({
    topic,
    nsqd,
    mode: options.mode,
    settings: options.connection,
    window,
    onRefused: (refusal, remaining) => {
      if (remaining > 0) events.leftOut?.(refusal, remaining)
    },
    events: {
      disconnected: (address, error) => events.disconnected?.(address, error),
      retrying: (address, error) => events.retrying?.(address, error),
    },
  })
}

/** The replay exit code: a broken errors file or checkpoint wins, then a refusal, then the Ctrl-C rule, then anything not replayed. */
function exitCode(s: ReplaySummary, broken: boolean): ExitCode {
  if (broken) return EXIT.FAILURE
  if (s.refused !== undefined) return EXIT.UNAVAILABLE
  if (s.stoppedBy === 'interrupted') return stoppedExitCode('finite')
  if (s.stoppedBy === 'bad-file') return EXIT.PARTIAL
  return s.failed > 0 ? EXIT.PARTIAL : EXIT.OK
}
