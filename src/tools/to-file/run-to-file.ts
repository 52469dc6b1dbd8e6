/**
 * `nsq to-file` without oclif: repairs what a crash left in the work dir, finds topics (fixed
 * list or `--topic-pattern` over lookupd), runs one {@link TopicArchiver} per topic on its own
 * Consumer, drives the --sync-interval tick, and drains on abort.
 */
import path from 'node:path'
import {
  Consumer,
  LookupdHttpClient,
  NsqError,
  deadlineSignal,
  type AddressMap,
  type ConnectionSettings,
  type HttpOptions,
} from '../../core/index.js'
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
  events?: ToFileEvents
}

export interface ToFileEvents {
  repaired?(file: RepairedFile): void
  topicAdded?(topic: string): void
  topicFailed?(topic: string, error: NsqError): void
  opened?(topic: string, workPath: string): void
  finished?(file: FinishedFile): void
  lookupdError?(address: string, error: Error): void
  /** With lookupd: connecting to an nsqd it reported failed (retried with backoff). */
  connectFailed?(topic: string, address: string, error: Error): void
  /** A connection to an nsqd was lost with an error (stalled, reset, killed); the consumer reconnects. */
  disconnected?(topic: string, address: string, error: Error): void
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
  private discovery: NodeJS.Timeout | undefined
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

    const fixed = options.topics.filter((topic) => {
      const keep = options.topicPattern === undefined || options.topicPattern.test(topic)
      if (!keep) options.events?.warning?.(`skipping topic ${topic} (doesn't match pattern ${String(options.topicPattern?.source)})`)
      return keep
    })
    const results = await Promise.all(fixed.map((topic) => this.addTopic(topic)))
    if (fixed.length > 0 && results.every((ok) => !ok)) {
      await this.stopAll()
      throw new NsqError('CONNECTION_FAILED', `could not consume any topic (${fixed.join(', ')}): see the errors above`)
    }
    if (options.topics.length === 0) await this.discover()

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
    if (this.discovery !== undefined) clearTimeout(this.discovery)
    this.discovery = undefined
    for (const {archiver} of this.archivers.values()) archiver.stop()
    await Promise.allSettled([...this.archivers.values()].map((a) => a.done))
  }

  /** One lookupd round: new matching topics get an archiver; then the next round is scheduled. */
  private async discover(): Promise<void> {
    const {options} = this
    const clients = options.lookupd.map((address) => new LookupdHttpClient(address, options.lookupdHttp))
    const answers = await Promise.allSettled(clients.map((client) => client.topics(options.signal)))
    const found = new Set<string>()
    answers.forEach((answer, index) => {
      if (answer.status === 'fulfilled') for (const topic of answer.value) found.add(topic)
      else options.events?.lookupdError?.((clients[index] as LookupdHttpClient).address, answer.reason as Error)
    })
    for (const topic of [...found].sort()) {
      if (this.archivers.has(topic) || (options.topicPattern !== undefined && !options.topicPattern.test(topic))) continue
      await this.addTopic(topic)
    }
    if (options.signal.aborted || this.failure !== undefined) return
    // Not unref'd: with no topic found yet (or lookupd down) this timer is what keeps the run alive.
    this.discovery = setTimeout(() => void this.discover(), options.topicRefreshMs)
  }

  private async addTopic(topic: string): Promise<boolean> {
    const {options} = this
    const consumer = new Consumer({
      ...options.connection,
      topic,
      channel: options.channel,
      nsqd: options.nsqd,
      lookupd: options.lookupd,
      maxInFlight: options.maxInFlight,
      ...(options.lookupdHttp === undefined ? {} : {lookupdHttp: options.lookupdHttp}),
      ...(options.addressMap === undefined ? {} : {addressMap: options.addressMap}),
      ...(options.lookupdPollIntervalMs === undefined ? {} : {lookupdPollIntervalMs: options.lookupdPollIntervalMs}),
      events: {
        disconnected: (address, error) => {
          if (error !== undefined) options.events?.disconnected?.(topic, address, error)
        },
        lookupdError: (address, error) => options.events?.lookupdError?.(address, error),
        // With --nsqd-tcp-address a failure at start is reported by topicFailed instead.
        connectFailed: (address, error) => {
          if (options.lookupd.length > 0) options.events?.connectFailed?.(topic, address, error)
        },
      },
    })
    try {
      await consumer.start()
    } catch (error) {
      const failure = error instanceof NsqError ? error : new NsqError('CONNECTION_FAILED', String(error))
      options.events?.topicFailed?.(topic, failure)
      return false
    }
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
    options.events?.topicAdded?.(topic)
    return true
  }
}
