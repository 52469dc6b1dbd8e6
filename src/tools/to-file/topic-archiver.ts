/**
 * One topic's archive router (nsq_to_file's FileLogger.router): takes messages from a consumer,
 * rotates files by datetime / interval / size, writes each message as one line (raw body or the
 * JSON envelope), and FINs a message only after the sync that made it durable. A batch is
 * synced when it reaches a quarter of max-in-flight (syncs overlap, so new messages keep
 * arriving while earlier ones are fsynced), after a short linger when traffic is light, on every
 * --sync-interval tick, before a rotation, on SIGHUP and on stop.
 */
import type {DrainSummary, Message} from '../../core/index.js'
import {encodeMessageEnvelope} from '../envelope.js'
import {ArchiveFile, type ArchiveFileConfig} from './archive-file.js'
import {DedupeWindow, RedeliveryWindow} from './dedupe.js'
import type {FileShipper, FinishedFile} from './file-shipper.js'
import {datedName} from './naming.js'
import type {RevisionLedger} from './revision-ledger.js'
import {nextRev, rotationReason, type RotationRules} from './rotation.js'
import type {WallTime} from './strftime.js'

/** What the archiver needs from a consumer (the core Consumer fits). */
export interface MessageSource {
  next(): Promise<IteratorResult<Message>>
  stop(options?: {timeoutMs?: number}): Promise<DrainSummary>
}

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

interface Batch {
  chunks: Buffer[]
  timestamps: bigint[]
  messages: Message[]
}

const emptyBatch = (): Batch => ({chunks: [], timestamps: [], messages: []})
const NEWLINE = Buffer.from('\n')
const TOUCH_EVERY_MS = 20_000
/** A batch is synced once it holds this fraction of max-in-flight (syncs overlap, so the window stays full). */
const FLUSH_PARTS = 4

export class TopicArchiver {
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
  /** Resolves when every queued batch is durable and FIN'd (never rejects: see `failure`). */
  private chain: Promise<void> = Promise.resolve()
  /** Serializes writes to the current file. */
  private writes: Promise<void> = Promise.resolve()
  private failure: Error | undefined
  private readonly dedupe: DedupeWindow | undefined
  private readonly redeliveries: RedeliveryWindow | undefined
  private readonly flushAt: number
  private linger: NodeJS.Timeout | undefined
  private wake: (() => void) | undefined
  private readonly requests = {tick: false, hup: false, stop: false, linger: false}
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
    this.now = options.now ?? Date.now
  }

  /** SIGHUP: sync, FIN and close the current file; the next message opens a new one. */
  rotate(): void {
    this.request('hup')
  }

  /** Drain: RDY 0, sync, FIN, close the file; run() then resolves. */
  stop(): void {
    this.request('stop')
  }

  /** The --sync-interval tick (driven by the caller, so tests can drive time). */
  tick(): void {
    this.request('tick')
  }

  private request(kind: keyof TopicArchiver['requests']): void {
    this.requests[kind] = true
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** Rethrows the first fatal file error, if any (a method, so flow narrowing does not assume it unchanged). */
  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure
  }

  /** Runs until stopped (or a fatal file error, which rejects after requeueing what it can). */
  async run(): Promise<TopicArchiverStats> {
    let pending: Promise<IteratorResult<Message>> | undefined
    let drained: Promise<DrainSummary> | undefined
    try {
      for (;;) {
        this.throwIfFailed()
        if (this.requests.stop && drained === undefined) drained = this.source.stop({timeoutMs: this.options.drainTimeoutMs})
        if (this.requests.hup) {
          this.requests.hup = false
          await this.closeFile()
        }
        if (this.requests.tick) {
          this.requests.tick = false
          await this.onTick()
        }
        if (this.requests.linger) {
          this.requests.linger = false
          this.flush()
        }
        if (this.options.shipper?.backlogged === true && drained === undefined) {
          pending = (await this.holdWhileBacklogged(pending)).pending
          continue
        }
        pending ??= this.source.next()
        const result = await this.race(pending)
        if (result === undefined) continue
        pending = undefined
        if (result.done === true) break
        await this.accept(result.value)
      }
      this.flush()
      await this.chain
      this.throwIfFailed()
      await this.closeFile()
      await (drained ?? this.source.stop({timeoutMs: this.options.drainTimeoutMs}))
      return this.stats
    } catch (error) {
      if (this.linger !== undefined) clearTimeout(this.linger)
      await this.source.stop({timeoutMs: 0}).catch(() => undefined)
      throw error
    }
  }

  /** The next message, or undefined when a request (tick, hup, stop, linger) came first. */
  private race(pending: Promise<IteratorResult<Message>>): Promise<IteratorResult<Message> | undefined> {
    return Promise.race([pending, new Promise<undefined>((resolve) => (this.wake = () => resolve(undefined)))]).finally(() => {
      this.wake = undefined
    })
  }

  /**
   * The shipper is backlogged: sync what we have, then hold further messages (touched, unwritten,
   * not FIN'd) until it is ready. RDY is left alone: once max-in-flight are held nsqd sends no more.
   */
  private async holdWhileBacklogged(
    pending: Promise<IteratorResult<Message>> | undefined,
  ): Promise<{pending: Promise<IteratorResult<Message>> | undefined}> {
    this.flush()
    await this.chain
    const shipper = this.options.shipper as FileShipper
    const held: Message[] = []
    const stopWaiting = new AbortController()
    const ready = shipper.whenReady(stopWaiting.signal).then(
      () => 'ready' as const,
      () => 'ready' as const,
    )
    const toucher = setInterval(() => {
      for (const message of held) message.touch()
    }, TOUCH_EVERY_MS)
    toucher.unref()
    try {
      while (shipper.backlogged && !this.requests.stop) {
        pending ??= this.source.next()
        const result = await Promise.race([pending, ready, new Promise<undefined>((resolve) => (this.wake = () => resolve(undefined)))])
        this.wake = undefined
        if (result === 'ready' || result === undefined) continue
        pending = undefined
        if (result.done === true) {
          pending = Promise.resolve(result)
          break
        }
        held.push(result.value)
      }
    } finally {
      clearInterval(toucher)
      stopWaiting.abort()
    }
    for (const message of held) await this.accept(message)
    return {pending}
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

  /** The dated name for `now`, computed at most once per clock second (strftime has second resolution). */
  private currentDatedName(now: number): string {
    const second = Math.floor(now / 1000)
    if (second !== this.nameSecond) {
      this.nameSecond = second
      this.nameCache = datedName(this.options.topicFormat, this.options.datetimeFormat, this.options.wallTime(second * 1000))
    }
    return this.nameCache
  }

  private async accept(message: Message): Promise<void> {
    // Already archived by this run: FIN'd after the next sync like the rest, not written again.
    if (this.redeliveries?.seen(message.nsqd, message.id) === true) {
      this.stats.redeliveriesDropped++
      this.batch.messages.push(message)
      this.afterAppend()
      return
    }
    if (this.dedupe?.seen(message.body) === true) {
      this.stats.duplicatesDropped++
      this.batch.messages.push(message)
      this.afterAppend()
      return
    }
    const now = this.now()
    if (rotationReason(this.fileState(), this.currentDatedName(now), now, this.options.rotation) !== undefined) await this.openNext()
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
    this.batch.messages.push(message)
    file.size += length
    this.stats.bytes += length
    this.stats.messages++
    this.afterAppend()
  }

  private afterAppend(): void {
    if (this.batch.messages.length >= this.flushAt) this.flush()
    else if (this.linger === undefined) {
      this.linger = setTimeout(
        () => {
          this.linger = undefined
          this.request('linger')
        },
        Math.min(this.options.lingerMs ?? 50, this.options.syncIntervalMs),
      )
    }
  }

  /**
   * Queues a sync of the current batch: compress (gzip, off the main thread) at once, write in
   * order, fdatasync — several syncs may overlap, so more than one batch is in flight per fsync
   * latency — and FIN once this batch and every earlier one are durable.
   */
  private flush(): void {
    if (this.linger !== undefined) clearTimeout(this.linger)
    this.linger = undefined
    const batch = this.batch
    if (batch.messages.length === 0) return
    this.batch = emptyBatch()
    const file = this.file
    let durable: Promise<void> = Promise.resolve()
    if (batch.chunks.length > 0 && file !== undefined) {
      const prepared = file.prepare(batch.chunks)
      const written = this.writes.then(async () => file.write(await prepared, batch.timestamps))
      this.writes = written.then(
        () => undefined,
        () => undefined,
      )
      durable = written.then((span) => file.sync(span))
    }
    this.chain = Promise.all([this.chain, durable]).then(
      () => {
        if (this.failure !== undefined) return
        for (const message of batch.messages) message.finish()
        this.stats.syncs++
        this.options.events?.synced?.(this.options.topic, batch.messages.length)
      },
      (error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error))
        // Wake the loop: it may be waiting for a message that never comes (every one in flight).
        const wake = this.wake
        this.wake = undefined
        wake?.()
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
