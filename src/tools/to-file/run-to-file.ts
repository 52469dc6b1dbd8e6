/**
 * `nsq to-file` without oclif: repairs what a crash left in the work dir, gets a consumer per
 * topic from the {@link TopicSource} (fixed list or `--topic-pattern` over lookupd), runs one
 * {@link TopicArchiver} per topic on it, drives the --sync-interval tick, and drains on abort.
 */
import path from 'node:path'
import {NsqError, deadlineSignal, type AddressMap, type ConnectionSettings, type Consumer, type HttpOptions} from '../../core/index.js'
import type {SyncObserver} from '../metrics/observers.js'
import {sourceSelection, TopicSource, type SourceTimers, type SourceWait} from '../source/topic-source.js'
import type {ArchiveFileConfig} from './archive-file.js'
import type {FileShipper, FinishedFile, ShipperLeftover} from './file-shipper.js'
import {migrateLegacyManifests} from './manifest.js'
import {nameDepth, topicFilenameFormat, type NamingOptions} from './naming.js'
import {preflightDirs} from './preflight.js'
import {repairWorkDir, type RepairedFile} from './repair.js'
import {RevisionLedger} from './revision-ledger.js'
import {localWallTime, type WallTime} from './strftime.js'
import {TopicArchiver, type TopicArchiverStats} from './topic-archiver.js'

export interface ToFileOptions {
  topics: readonly string[]
  /** Unanchored regexp (nsq_to_file's --topic-pattern). */
  topicPattern?: RegExp
  topicRefreshMs: number
  channel: string
  nsqd: readonly string[]
  lookupd: readonly string[]
  maxInFlight: number
  outputDir: string
  /** Empty: the output dir. */
  workDir: string
  datetimeFormat: string
  filenameFormat: string
  hostIdentifier: string
  gzip: boolean
  gzipLevel: number
  skipEmptyFiles: boolean
  rotateSize: number
  rotateIntervalMs: number
  syncIntervalMs: number
  format: 'raw' | 'json'
  manifest: boolean
  dedupeWindow: number
  /** Ids per topic remembered to drop redeliveries (0 = off). */
  redeliveryWindow?: number
  drainTimeoutMs: number
  connection: ConnectionSettings
  addressMap?: AddressMap
  lookupdHttp?: HttpOptions
  /** How often lookupd is polled for the topic's nsqd (ms; the Consumer's default when absent). */
  lookupdPollIntervalMs?: number
  /**
   * Names are never reused (set when a shipper such as the S3 uploader is configured, since it
   * deletes uploaded files): `<REV>` is kept and required in --filename-format, files are opened
   * exclusively, and each topic keeps a revision ledger in the work dir (revision-ledger.ts).
   */
  uniqueNames?: boolean
  /**
   * Opens the shipper of finished files (e.g. the S3 uploader) once crash repair is done, so
   * the shipper's own scan of the output dir (for work pending from an earlier run) sees the
   * repaired files finished, with their manifests, and nothing in progress.
   */
  openShipper?: () => Promise<FileShipper | undefined>
  signal: AbortSignal
  now?: () => number
  wallTime?: (ms: number) => WallTime
  /** The topic source's poll timers (tests). */
  timers?: SourceTimers
  events?: ToFileEvents
  /** Told the time of every fdatasync (`--metrics-address`). */
  syncObserver?: SyncObserver
}

export interface ToFileEvents {
  repaired?(file: RepairedFile): void
  /** A topic's consumer started (its counters are what `--metrics-address` reads). */
  topicAdded?(topic: string, consumer: Consumer): void
  topicFailed?(topic: string, error: NsqError): void
  opened?(topic: string, workPath: string): void
  finished?(file: FinishedFile): void
  lookupdError?(address: string, error: Error): void
  /** With lookupd: connecting to an nsqd it reported failed (retried with backoff). */
  connectFailed?(topic: string, address: string, error: Error): void
  /** A connection to an nsqd was lost with an error (stalled, reset, killed); the consumer reconnects. */
  disconnected?(topic: string, address: string, error: Error): void
  /** Nothing to archive yet: what the topic source waits for (said once). */
  waiting?(wait: SourceWait): void
  warning?(text: string): void
}

/** The end-of-run summary (`--json`). */
export interface ToFileSummary {
  topics: Record<string, TopicArchiverStats>
  messages: number
  bytes: number
  duplicatesDropped: number
  redeliveriesDropped: number
  filesFinished: number
  filesRepaired: number
  bytesCutOnRepair: number
  /** With a shipper: what it left at exit for the next start (absent without one). */
  unshipped?: ShipperLeftover
}

/** Resolved directories and the per-file config. */
export function archiveConfig(
  options: Pick<
    ToFileOptions,
    'outputDir' | 'workDir' | 'gzip' | 'gzipLevel' | 'format' | 'rotateSize' | 'rotateIntervalMs' | 'manifest' | 'uniqueNames'
  >,
): ArchiveFileConfig {
  const outputDir = path.resolve(options.outputDir)
  const workDir = options.workDir === '' ? outputDir : path.resolve(options.workDir)
  return {
    outputDir,
    workDir,
    gzip: options.gzip,
    gzipLevel: options.gzipLevel,
    format: options.format,
    // nsq_to_file's rule, plus unique names: never append to a name that may be finished already.
    exclusive: options.gzip || options.rotateIntervalMs > 0 || options.uniqueNames === true,
    rotateSize: options.rotateSize,
    manifest: options.manifest,
  }
}

/** Naming options from the run options (throws CONFIG when `<REV>` is missing but required). */
export function namingOptions(options: ToFileOptions, config: ArchiveFileConfig): NamingOptions {
  return {
    filenameFormat: options.filenameFormat,
    hostIdentifier: options.hostIdentifier,
    gzip: options.gzip,
    rotateSize: options.rotateSize,
    rotateIntervalMs: options.rotateIntervalMs,
    separateWorkDir: config.workDir !== config.outputDir,
    uniqueNames: options.uniqueNames === true,
  }
}

export class ToFile {
  private readonly archivers = new Map<string, {archiver: TopicArchiver; done: Promise<TopicArchiverStats>}>()
  private readonly config: ArchiveFileConfig
  private readonly naming: NamingOptions
  private repairedCount = 0
  private cutBytes = 0
  private ticker: NodeJS.Timeout | undefined
  private source: TopicSource | undefined
  private failure: Error | undefined
  private failed: (() => void) | undefined
  private shipper: FileShipper | undefined
  private unshipped: ShipperLeftover | undefined

  constructor(private readonly options: ToFileOptions) {
    this.config = archiveConfig(options)
    this.naming = namingOptions(options, this.config)
    topicFilenameFormat(this.naming, 'topic')
    if (options.channel === '') throw new NsqError('CONFIG', '--channel must not be empty')
    if (options.topics.length === 0 && options.topicPattern === undefined)
      throw new NsqError('CONFIG', '--topic or --topic-pattern required')
    if (options.topics.length === 0 && options.lookupd.length === 0)
      throw new NsqError('CONFIG', '--lookupd-http-address must be specified when no --topic specified')
    if (options.nsqd.length === 0 && options.lookupd.length === 0)
      throw new NsqError('CONFIG', '--nsqd-tcp-address or --lookupd-http-address required')
    if (options.nsqd.length > 0 && options.lookupd.length > 0)
      throw new NsqError('CONFIG', 'use --nsqd-tcp-address or --lookupd-http-address not both')
    if (!Number.isInteger(options.gzipLevel) || options.gzipLevel < 1 || options.gzipLevel > 9)
      throw new NsqError('CONFIG', '--gzip-level must be 1-9')
  }

  /** Stats of every topic so far (for a status line). */
  get stats(): ToFileSummary {
    const topics: Record<string, TopicArchiverStats> = {}
    let messages = 0
    let bytes = 0
    let duplicatesDropped = 0
    let redeliveriesDropped = 0
    let filesFinished = 0
    for (const [topic, {archiver}] of this.archivers) {
      topics[topic] = {...archiver.stats}
      messages += archiver.stats.messages
      bytes += archiver.stats.bytes
      duplicatesDropped += archiver.stats.duplicatesDropped
      redeliveriesDropped += archiver.stats.redeliveriesDropped
      filesFinished += archiver.stats.filesFinished
    }
    return {
      topics,
      messages,
      bytes,
      duplicatesDropped,
      redeliveriesDropped,
      filesFinished,
      filesRepaired: this.repairedCount,
      bytesCutOnRepair: this.cutBytes,
      ...(this.unshipped === undefined ? {} : {unshipped: this.unshipped}),
    }
  }

  /** SIGHUP: every topic syncs and closes its current file. */
  rotate(): void {
    for (const {archiver} of this.archivers.values()) archiver.rotate()
  }

  /** Runs until the signal aborts (then drains) or a file error (rejects). */
  async run(): Promise<ToFileSummary> {
    const {options} = this
    // Before anything is consumed: a folder that cannot be used is a usage error (exit 2), not a hang at the first message.
    await preflightDirs({outputDir: this.config.outputDir, workDir: this.config.workDir})
    const depth = nameDepth(options.filenameFormat, options.datetimeFormat)
    await migrateLegacyManifests(this.config.outputDir, depth)
    const repaired = await repairWorkDir({
      workDir: this.config.workDir,
      outputDir: this.config.outputDir,
      format: options.format,
      manifest: options.manifest,
      depth,
      uniqueNames: options.uniqueNames === true,
    })
    for (const r of repaired) {
      this.repairedCount++
      this.cutBytes += r.cutBytes
      options.events?.repaired?.(r)
    }
    this.shipper = await options.openShipper?.()
    if (options.signal.aborted) return this.finish()

    const events = options.events ?? {}
    const source = new TopicSource({
      ...sourceSelection(options),
      ...(options.timers === undefined ? {} : {timers: options.timers}),
      events: {
        topicAdded: (topic, consumer) => this.addTopic(topic, consumer),
        topicFailed: (topic, error) => events.topicFailed?.(topic, error),
        topicSkipped: (topic, pattern) => events.warning?.(`skipping topic ${topic} (doesn't match pattern ${pattern.source})`),
        disconnected: (topic, address, error) => events.disconnected?.(topic, address, error),
        connectFailed: (topic, address, error) => events.connectFailed?.(topic, address, error),
        lookupdError: (address, error) => events.lookupdError?.(address, error),
        waiting: (wait) => events.waiting?.(wait),
      },
    })
    this.source = source
    const {named, failed} = await source.start()
    // With --nsqd-tcp-address a failure at start is reported here (the source says connectFailed only with lookupd).
    for (const [topic, error] of failed) events.topicFailed?.(topic, error)
    if (named.length > 0 && failed.size === named.length) {
      await this.stopAll()
      throw new NsqError('CONNECTION_FAILED', `could not consume any topic (${named.join(', ')}): see the errors above`)
    }

    this.ticker = setInterval(() => {
      for (const {archiver} of this.archivers.values()) archiver.tick()
    }, options.syncIntervalMs)
    this.ticker.unref()
    await new Promise<void>((resolve) => {
      if (options.signal.aborted || this.failure !== undefined) resolve()
      options.signal.addEventListener('abort', () => resolve(), {once: true})
      this.failed = resolve
    })
    await this.stopAll()
    if (this.failure !== undefined) throw this.failure
    return this.finish()
  }

  private async finish(): Promise<ToFileSummary> {
    if (this.shipper !== undefined) {
      const deadline = deadlineSignal(Math.max(this.options.drainTimeoutMs, 1000))
      this.unshipped = await this.shipper.close(deadline.signal).finally(deadline.dispose)
    }
    return this.stats
  }

  private async stopAll(): Promise<void> {
    if (this.ticker !== undefined) clearInterval(this.ticker)
    this.source?.stop()
    for (const {archiver} of this.archivers.values()) archiver.stop()
    await Promise.allSettled([...this.archivers.values()].map((a) => a.done))
  }

  /** A topic's consumer started: it gets an archiver. */
  private addTopic(topic: string, consumer: Consumer): void {
    const {options} = this
    const archiver = new TopicArchiver(consumer, {
      topic,
      file: this.config,
      topicFormat: topicFilenameFormat(this.naming, topic),
      datetimeFormat: options.datetimeFormat,
      rotation: {rotateSize: options.rotateSize, rotateIntervalMs: options.rotateIntervalMs},
      syncIntervalMs: options.syncIntervalMs,
      skipEmptyFiles: options.skipEmptyFiles,
      maxInFlight: options.maxInFlight,
      dedupeWindow: options.dedupeWindow,
      ...(options.redeliveryWindow === undefined ? {} : {redeliveryWindow: options.redeliveryWindow}),
      drainTimeoutMs: options.drainTimeoutMs,
      wallTime: options.wallTime ?? ((ms) => localWallTime(new Date(ms))),
      ...(this.shipper === undefined ? {} : {shipper: this.shipper}),
      ...(options.uniqueNames === true ? {ledger: new RevisionLedger(this.config.workDir, topic)} : {}),
      ...(options.now === undefined ? {} : {now: options.now}),
      ...(options.syncObserver === undefined ? {} : {syncObserver: options.syncObserver}),
      events: {
        opened: (t, p) => options.events?.opened?.(t, p),
        finished: (file) => options.events?.finished?.(file),
      },
    })
    const done = archiver.run().catch((error: unknown) => {
      this.failure ??= error instanceof Error ? error : new Error(String(error))
      this.failed?.()
      return archiver.stats
    })
    this.archivers.set(topic, {archiver, done})
    options.events?.topicAdded?.(topic, consumer)
  }
}
