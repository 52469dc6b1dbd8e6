/**
 * One topic's archive router (nsq_to_file's FileLogger.router) as a {@link MessageSink}: rotates
 * files by datetime / interval / size, writes each message as one line (raw body or the JSON
 * envelope), and resolves a message's accept only after the sync that made it durable (so the
 * pump FINs it then). A batch is synced when it reaches a quarter of max-in-flight (syncs
 * overlap, so new messages keep arriving while earlier ones are fsynced), after a short linger
 * when traffic is light, on every --sync-interval tick, before a rotation, on SIGHUP and on stop.
 * `run()` drives the topic's source into it with the shared {@link Pump}.
 */
import {performance} from 'node:perf_hooks'
import type {SyncObserver} from '../metrics/observers.js'
import {Pump} from '../source/pump.js'
import type {Delivery, MessageSink, MessageSource, SinkFailurePolicy} from '../source/sink.js'
import {encodeMessageEnvelope} from '../envelope.js'
import {ArchiveFile, type ArchiveFileConfig} from './archive-file.js'
import {DedupeWindow, RedeliveryWindow} from './dedupe.js'
import type {FileShipper, FinishedFile} from './file-shipper.js'
import {datedName} from './naming.js'
import type {RevisionLedger} from './revision-ledger.js'
import {nextRev, rotationReason, type RotationRules} from './rotation.js'
import type {WallTime} from './strftime.js'

export interface TopicArchiverOptions {
  topic: string
  file: ArchiveFileConfig
  /** Per-topic name template from topicFilenameFormat. */
  topicFormat: string
  datetimeFormat: string
  rotation: RotationRules
  syncIntervalMs: number
  skipEmptyFiles: boolean
  maxInFlight: number
  /** 0 = off. */
  dedupeWindow: number
  /** `--redelivery-window`: ids per topic remembered to drop a message nsqd delivers again (0 = off; default 0 here). */
  redeliveryWindow?: number
  /** How long stop() waits for nsqd to take back what is in flight. */
  drainTimeoutMs: number
  /** Takes finished files away (the S3 uploader); while it is backlogged, messages are held (see file-shipper.ts). */
  shipper?: FileShipper
  /**
   * The topic's revision ledger (given when a shipper takes finished files away): each new file's
   * revision is above every one the ledger records for its dated name, and is claimed in it
   * before the file is created, so no name is ever handed out twice, across restarts too.
   */
  ledger?: RevisionLedger
  /** Milliseconds since the epoch (injected for tests). */
  now?: () => number
  /** Wall time for `<DATETIME>` (default: local time, as nsq_to_file). */
  wallTime: (ms: number) => WallTime
  /** Longest a partial batch waits for more messages before it is synced. */
  lingerMs?: number
  events?: TopicArchiverEvents
  /** Told how long each fdatasync took (`--metrics-address`). */
  syncObserver?: SyncObserver
}

export interface TopicArchiverEvents {
  opened?(topic: string, workPath: string): void
  finished?(file: FinishedFile): void
  synced?(topic: string, messages: number): void
}

/** Counters of one topic. */
export interface TopicArchiverStats {
  messages: number
  /** Uncompressed bytes written. */
  bytes: number
  duplicatesDropped: number
  /** Messages nsqd delivered again (same nsqd, same id) that were already archived, dropped and FIN'd. */
  redeliveriesDropped: number
  syncs: number
  filesFinished: number
  currentFile: string | undefined
}

/** A promise with its settle functions: one per batch, shared by every message in it. */
interface Deferred {
  readonly promise: Promise<void>
  readonly resolve: () => void
  readonly reject: (error: Error) => void
}

function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return {promise, resolve, reject}
}

interface Batch {
  chunks: Buffer[]
  timestamps: bigint[]
  /** Messages in it: written ones and ones dropped as already archived (FIN'd with it all the same). */
  count: number
  /** Settles every accept of the batch; made with its first message. */
  settled: Deferred | undefined
}

/** Messages taken while the file shipper was backlogged: held (TOUCHed), unwritten, until it is ready. */
interface Held {
  readonly messages: Delivery[]
  readonly settled: Deferred
  readonly toucher: NodeJS.Timeout
  readonly stopWaiting: AbortController
}

const emptyBatch = (): Batch => ({chunks: [], timestamps: [], count: 0, settled: undefined})
const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)))
const ignore = (): void => undefined
const NEWLINE = Buffer.from('\n')
const TOUCH_EVERY_MS = 20_000
/** A batch is synced once it holds this fraction of max-in-flight (syncs overlap, so the window stays full). */
const FLUSH_PARTS = 4

export class TopicArchiver implements MessageSink {
  /** A file error breaks the archive for good: REQ at once (no backoff) and end the run. */
  readonly failurePolicy: SinkFailurePolicy = {requeueDelayMs: 0, backoff: false, fatal: true}
  readonly stats: TopicArchiverStats = {
    messages: 0,
    bytes: 0,
    duplicatesDropped: 0,
    redeliveriesDropped: 0,
    syncs: 0,
    filesFinished: 0,
    currentFile: undefined,
  }
  private file: ArchiveFile | undefined
  private openedAt = 0
  private lastDatedName: string | undefined
  private rev = 0
  private batch: Batch = emptyBatch()
  /** Resolves when every queued batch is durable and settled (never rejects: see `failure`). */
  private chain: Promise<void> = Promise.resolve()
  /** Serializes writes to the current file. */
  private writes: Promise<void> = Promise.resolve()
  /** File work that must not interleave with taking messages (open, close, tick, SIGHUP, held messages) runs here, one at a time. */
  private ops: Promise<void> = Promise.resolve()
  /** Ops queued or running: the sink is not ready meanwhile. */
  private busy = 0
  private readyWaiters: (() => void)[] = []
  private held: Held | undefined
  private closed = false
  private draining: Promise<unknown> | undefined
  private failure: Error | undefined
  private readonly dedupe: DedupeWindow | undefined
  private readonly redeliveries: RedeliveryWindow | undefined
  private readonly flushAt: number
  private readonly lingerMs: number
  private linger: NodeJS.Timeout | undefined
  private readonly lingerFlush = (): void => {
    this.linger = undefined
    this.flush()
  }
  private readonly now: () => number
  private nameSecond = Number.NaN
  private nameCache = ''

  constructor(
    private readonly source: MessageSource,
    private readonly options: TopicArchiverOptions,
  ) {
    this.dedupe = options.dedupeWindow > 0 ? new DedupeWindow(options.dedupeWindow) : undefined
    this.redeliveries = (options.redeliveryWindow ?? 0) > 0 ? new RedeliveryWindow(options.redeliveryWindow ?? 0) : undefined
    this.flushAt = Math.max(1, Math.ceil(options.maxInFlight / FLUSH_PARTS))
    this.lingerMs = Math.min(options.lingerMs ?? 50, options.syncIntervalMs)
    this.now = options.now ?? Date.now
  }

  /** False while file work (a rotation, a tick, SIGHUP) is in progress; the pump then waits. */
  get ready(): boolean {
    return this.busy === 0 || this.failure !== undefined
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve()
    return new Promise((resolve) => this.readyWaiters.push(resolve))
  }

  /** SIGHUP: sync, FIN and close the current file; the next message opens a new one. */
  rotate(): void {
    if (!this.closed) this.exclusive(() => this.closeFile()).catch(ignore)
  }

  /** Drain: RDY 0 and wait (up to the drain timeout) for what is in flight; run() then syncs, FINs, closes the file and resolves. */
  stop(): void {
    this.draining ??= this.source.stop({timeoutMs: this.options.drainTimeoutMs})
  }

  /** The --sync-interval tick (driven by the caller, so tests can drive time). */
  tick(): void {
    if (!this.closed) this.exclusive(() => this.onTick()).catch(ignore)
  }

  /** Runs until stopped (or a fatal file error, which rejects after requeueing what it can). */
  async run(): Promise<TopicArchiverStats> {
    await new Pump(this.source, this, {onFatal: (error) => this.fail(error)}).run()
    // The source is done: write what is held, sync (the pump FINs), close the file into the output dir.
    await this.close().catch((error: unknown) => this.fail(asError(error)))
    this.stop()
    await this.draining
    if (this.linger !== undefined) clearTimeout(this.linger)
    this.throwIfFailed()
    return this.stats
  }

  /**
   * Takes a message: into the current batch at once (the usual case), or after the next file is
   * opened when a rotation is due, or into the held set while the file shipper is
   * backlogged. Resolves once the batch holding it is synced.
   */
  accept(message: Delivery): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    if (this.held !== undefined || this.options.shipper?.backlogged === true) return this.hold(message)
    if (this.alreadyArchived(message)) return this.join()
    if (!this.rotationDue()) return this.write(message)
    // The promise is made now and becomes the batch's, so the accepts still settle in order.
    const settled = deferred()
    this.exclusive(async () => {
      await this.openNext()
      this.throwIfFailed()
      void this.write(message, settled)
    }).catch((error: unknown) => settled.reject(asError(error)))
    return settled.promise
  }

  /** Rethrows the first fatal file error, if any (a method, so flow narrowing does not assume it unchanged). */
  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure
  }

  /** The first fatal error: later accepts reject, what waits is rejected (REQ'd by the pump), the source stops at once. */
  private fail(error: Error): void {
    if (this.failure !== undefined) return
    this.failure = error
    if (this.linger !== undefined) clearTimeout(this.linger)
    this.linger = undefined
    const batch = this.batch
    this.batch = emptyBatch()
    batch.settled?.reject(error)
    const held = this.held
    this.held = undefined
    if (held !== undefined) this.dropHeld(held, error)
    this.wakeReady()
    this.draining ??= this.source.stop({timeoutMs: 0})
  }

  /** After the source is done: writes what is held, syncs and closes the file. */
  private close(): Promise<void> {
    this.closed = true
    return this.exclusive(async () => {
      await this.writeHeld()
      await this.closeFile()
    })
  }

  /** Runs `op` after every earlier op; the sink is not ready until the last queued op is done. */
  private exclusive<T>(op: () => Promise<T>): Promise<T> {
    this.busy++
    const result = this.ops.then(op)
    this.ops = result.then(ignore, ignore)
    return result.then(
      (value) => {
        this.opDone()
        return value
      },
      (error: unknown) => {
        this.fail(asError(error))
        this.opDone()
        throw error
      },
    )
  }

  private opDone(): void {
    this.busy--
    if (this.busy === 0) this.wakeReady()
  }

  private wakeReady(): void {
    if (this.readyWaiters.length === 0) return
    const waiters = this.readyWaiters
    this.readyWaiters = []
    for (const wake of waiters) wake()
  }

  /**
   * The shipper is backlogged: sync what we have, then hold messages (touched, unwritten, not FIN'd)
   * until it is ready. RDY is left alone: once max-in-flight are held nsqd sends no more.
   */
  private hold(message: Delivery): Promise<void> {
    let held = this.held
    if (held === undefined) {
      this.flush()
      const toucher = setInterval(() => {
        for (const m of this.held?.messages ?? []) m.touch()
      }, TOUCH_EVERY_MS)
      toucher.unref()
      held = {messages: [], settled: deferred(), toucher, stopWaiting: new AbortController()}
      this.held = held
      const release = (): void => {
        if (this.held === held && !this.closed) this.exclusive(() => this.writeHeld()).catch(ignore)
      }
      ;(this.options.shipper as FileShipper).whenReady(held.stopWaiting.signal).then(release, release)
    }
    held.messages.push(message)
    return held.settled.promise
  }

  /** Writes the held messages (in order) and settles them with the batch of the last one. */
  private async writeHeld(): Promise<void> {
    const held = this.held
    if (held === undefined) return
    this.held = undefined
    clearInterval(held.toucher)
    held.stopWaiting.abort()
    const lastIndex = held.messages.length - 1
    try {
      for (const [index, message] of held.messages.entries()) {
        this.throwIfFailed()
        // Batches settle in order: the held promise becomes the last one's, so every held message settles with it.
        const settled = index === lastIndex ? held.settled : undefined
        // (Earlier batches fail the last one too, so only its promise needs a handler.)
        if (this.alreadyArchived(message)) this.join(settled).catch(ignore)
        else {
          if (this.rotationDue()) await this.openNext()
          this.write(message, settled).catch(ignore)
        }
      }
    } catch (error) {
      this.dropHeld(held, asError(error))
      throw error
    }
  }

  private dropHeld(held: Held, error: Error): void {
    clearInterval(held.toucher)
    held.stopWaiting.abort()
    held.settled.reject(error)
  }

  private async onTick(): Promise<void> {
    const now = this.now()
    const reason = rotationReason(this.fileState(), this.currentDatedName(now), now, this.options.rotation)
    if (reason !== undefined) {
      if (this.options.skipEmptyFiles) await this.closeFile()
      else await this.openNext()
    }
    this.flush()
  }

  private fileState(): {datedName: string; openedAt: number; size: number} | undefined {
    return this.file === undefined ? undefined : {datedName: this.file.datedName, openedAt: this.openedAt, size: this.file.size}
  }

  private rotationDue(): boolean {
    const now = this.now()
    return rotationReason(this.fileState(), this.currentDatedName(now), now, this.options.rotation) !== undefined
  }

  /** The dated name for `now`, computed at most once per clock second (strftime has second resolution). */
  private currentDatedName(now: number): string {
    const second = Math.floor(now / 1000)
    if (second !== this.nameSecond) {
      this.nameSecond = second
      this.nameCache = datedName(this.options.topicFormat, this.options.datetimeFormat, this.options.wallTime(second * 1000))
    }
    return this.nameCache
  }

  /** Already archived by this run (a redelivery) or a duplicate body: not written again, FIN'd with the next sync like the rest. */
  private alreadyArchived(message: Delivery): boolean {
    if (this.redeliveries?.seen(message.nsqd, message.id) === true) {
      this.stats.redeliveriesDropped++
      return true
    }
    if (this.dedupe?.seen(message.body) === true) {
      this.stats.duplicatesDropped++
      return true
    }
    return false
  }

  /** Appends the message's line to the current batch (a file is open: rotationDue() was checked). */
  private write(message: Delivery, settled?: Deferred): Promise<void> {
    const file = this.file as ArchiveFile
    let length: number
    if (this.options.file.format === 'json') {
      const line = Buffer.from(`${encodeMessageEnvelope(message)}\n`)
      this.batch.chunks.push(line)
      length = line.length
    } else {
      this.batch.chunks.push(message.body, NEWLINE)
      length = message.body.length + 1
    }
    this.batch.timestamps.push(message.timestamp)
    file.size += length
    this.stats.bytes += length
    this.stats.messages++
    return this.join(settled)
  }

  /**
   * Counts a message into the current batch; returns the batch's promise (syncing the batch once
   * full). `reserved`: a promise handed out before the message got here, settled with the batch.
   */
  private join(reserved?: Deferred): Promise<void> {
    const batch = this.batch
    batch.count++
    if (batch.settled === undefined) batch.settled = reserved ?? deferred()
    else if (reserved !== undefined && reserved !== batch.settled) batch.settled.promise.then(reserved.resolve, reserved.reject)
    const settled = batch.settled.promise
    if (batch.count >= this.flushAt) this.flush()
    else this.linger ??= setTimeout(this.lingerFlush, this.lingerMs)
    return settled
  }

  /**
   * Queues a sync of the current batch: compress (gzip, off the main thread) at once, write in
   * order, fdatasync (several syncs may overlap, so more than one batch is in flight per fsync
   * latency) and settle the batch once it and every earlier one are durable.
   */
  private flush(): void {
    if (this.linger !== undefined) clearTimeout(this.linger)
    this.linger = undefined
    const batch = this.batch
    if (batch.count === 0) return
    this.batch = emptyBatch()
    const settled = batch.settled as Deferred
    const file = this.file
    let durable: Promise<void> = Promise.resolve()
    if (batch.chunks.length > 0 && file !== undefined) {
      const prepared = file.prepare(batch.chunks)
      const written = this.writes.then(async () => file.write(await prepared, batch.timestamps))
      this.writes = written.then(ignore, ignore)
      const observer = this.options.syncObserver
      durable =
        observer === undefined
          ? written.then((span) => file.sync(span))
          : written.then(async (span) => {
              const started = performance.now()
              await file.sync(span)
              observer.synced(this.options.topic, (performance.now() - started) / 1000)
            })
    }
    this.chain = Promise.all([this.chain, durable]).then(
      () => {
        if (this.failure !== undefined) {
          settled.reject(this.failure)
          return
        }
        this.stats.syncs++
        this.options.events?.synced?.(this.options.topic, batch.count)
        settled.resolve()
      },
      (error: unknown) => {
        this.fail(asError(error))
        settled.reject(this.failure ?? asError(error))
      },
    )
  }

  /** Syncs, FINs and closes the current file (moving it to the output dir); hands it to the shipper. */
  private async closeFile(): Promise<void> {
    this.flush()
    await this.chain
    if (this.failure !== undefined) throw this.failure
    const file = this.file
    if (file === undefined) return
    this.file = undefined
    this.stats.currentFile = undefined
    const finished = await file.finish()
    this.rev = file.rev
    this.stats.filesFinished++
    this.options.events?.finished?.(finished)
    await this.options.shipper?.accept(finished)
  }

  /** Closes the current file (if any) and opens the next (updateFile). */
  private async openNext(): Promise<void> {
    await this.closeFile()
    const now = this.now()
    const name = this.currentDatedName(now)
    const {ledger} = this.options
    let rev = nextRev(this.lastDatedName, this.rev, name)
    if (ledger !== undefined) rev = await ledger.firstRevision(rev, name)
    this.file = await ArchiveFile.open(
      this.options.file,
      this.options.topic,
      name,
      rev,
      ledger === undefined ? undefined : (r) => ledger.claim(name, r),
    )
    this.lastDatedName = name
    this.rev = this.file.rev
    this.openedAt = now
    this.stats.currentFile = this.file.workPath
    this.options.events?.opened?.(this.options.topic, this.file.workPath)
  }
}
