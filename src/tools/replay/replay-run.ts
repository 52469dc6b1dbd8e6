/**
 * One replay: selected files, in order → records (plain / gzip, raw lines or JSON envelopes) →
 * time filter and topic → MPUB batches (one Batcher per topic, capped by nsqd's limits) → the
 * sink of that topic (a Publisher, the same one `to-nsq` uses). Reading is paced by the sinks'
 * windows (a file is read only as fast as nsqd acknowledges) and, with a checkpoint, by how far
 * the checkpoint on disk lags behind. Every record read ends up counted: published, failed
 * (reported to `onFailure`), outside the range, empty, or done before (checkpoint).
 */
import {decodeEnvelope, type Envelope} from '../envelope.js'
import {Batcher, type OutRecord} from '../publish/batcher.js'
import type {FailedRecord} from '../publish/errors-file.js'
import type {BatchOutcome, BatchSink} from '../publish/publisher.js'
import {monotonicSleepClock, type SleepClock} from '../../core/index.js'
import {Pacer, batchSizeForRate} from '../to-nsq/pacer.js'
import type {SplitRecord} from '../to-nsq/record-splitter.js'
import type {ArchiveFile} from './archive-file.js'
import type {Checkpoint, FileProgress} from './checkpoint.js'
import {readRecords, type ReadEnd} from './record-reader.js'
import type {PlannedFile} from './selection.js'
import type {ReplayStats, ReplayStopCause, ReplaySummary, TornFile} from './summary.js'
import {inRange, type TimeRange} from './time-range.js'
import {verifyFile} from './verify.js'

/** A record not published, with the file it came from (`record` is its line number there). */
export type ReplayFailure = FailedRecord & {file: string}

export interface ReplayRunOptions {
  files: readonly PlannedFile[]
  range: TimeRange
  /** `auto`: the manifest's format, else JSON when the first record is a to-file / tail envelope (with `id` and `timestamp`). */
  inputFormat: 'auto' | 'raw' | 'json'
  /** Where records go; with `topicFromEnvelope`, where records without a topic go (undefined: they fail). */
  topic: string | undefined
  topicFromEnvelope: boolean
  /** `--topic-map FROM=TO`, applied to the envelope's topic. */
  topicMap: ReadonlyMap<string, string>
  maxMessageBytes: number
  maxBodyBytes: number
  batchSize: number
  /** Messages per second, 0 = unlimited. */
  rate: number
  verify: boolean
  skipBad: boolean
  /** The sink for a topic (created on first use); undefined in a dry run. */
  sinkFor?: ((topic: string) => Promise<BatchSink>) | undefined
  checkpoint?: Checkpoint | undefined
  /** With a checkpoint: the most accepted records beyond the one on disk. */
  duplicateLimit: number
  onFailure?: ((failure: ReplayFailure) => void) | undefined
  onTorn?: ((torn: TornFile) => void) | undefined
  onBadFile?: ((file: string, problem: string) => void) | undefined
  signal: AbortSignal
  clock?: SleepClock
}

/** A record on its way, with where it came from (for the checkpoint). */
interface ReplayRecord extends OutRecord {
  progress: FileProgress | undefined
  index: number
  /** Its number in the checkpoint's accepted window. */
  g: number
}

/** What a run ends with, besides its counters. */
export interface ReplayRunResult {
  stoppedBy: ReplayStopCause
  elapsedMs: number
  files: Pick<ReplaySummary['files'], 'read' | 'resumed' | 'bad' | 'torn'>
  /** Published per topic. */
  topics: Record<string, number>
}

const ENVELOPE_START = 0x7b

export class ReplayRun {
  readonly stats: ReplayStats = {
    bytesTotal: 0,
    bytesRead: 0,
    filesRead: 0,
    records: 0,
    accepted: 0,
    published: 0,
    bodyBytes: 0,
    outOfRange: 0,
    resumedRecords: 0,
    skippedEmpty: 0,
    failures: {oversize: 0, empty: 0, invalid_envelope: 0, publish_failed: 0, incomplete: 0},
  }
  private readonly batchers = new Map<string, Batcher>()
  private readonly topics: Record<string, number> = {}
  private readonly pacer: Pacer
  private readonly clock: SleepClock
  private chain: Promise<void> = Promise.resolve()
  private haltCause: ReplayStopCause | undefined
  private readonly halter = new AbortController()
  private readonly maxCount: number
  private readonly ended: ReplayRunResult['files'] = {read: 0, resumed: 0, bad: [], torn: []}

  constructor(private readonly options: ReplayRunOptions) {
    this.clock = options.clock ?? monotonicSleepClock
    this.pacer = new Pacer(options.rate, this.clock)
    this.maxCount = batchSizeForRate(options.batchSize, options.rate)
    this.stats.bytesTotal = options.files.reduce((sum, p) => sum + (p.file.size ?? 0), 0)
  }

  /** Stops reading for a reason no later record can fix; the first cause wins. */
  halt(cause: ReplayStopCause): void {
    if (this.haltCause !== undefined) return
    this.haltCause = cause
    this.halter.abort(cause)
  }

  private get stopping(): boolean {
    return this.haltCause !== undefined || this.options.signal.aborted
  }

  /** Reads every file (or until stopped) and waits for every answer from nsqd. */
  async run(): Promise<ReplayRunResult> {
    const started = this.clock.now()
    const signal = AbortSignal.any([this.options.signal, this.halter.signal])
    try {
      for (const planned of this.options.files) {
        if (this.stopping) break
        await this.replayFile(planned.file, signal)
      }
    } finally {
      this.flushAll()
      await this.chain
      await this.drainSinks()
      if (this.options.checkpoint !== undefined) await this.options.checkpoint.flush()
    }
    const stoppedBy = this.haltCause ?? (this.options.signal.aborted ? 'interrupted' : 'eof')
    return {stoppedBy, elapsedMs: this.clock.now() - started, files: this.ended, topics: this.topics}
  }

  private readonly sinks = new Map<string, Promise<BatchSink>>()

  private sink(topic: string): Promise<BatchSink> | undefined {
    const sinkFor = this.options.sinkFor
    if (sinkFor === undefined) return undefined
    let sink = this.sinks.get(topic)
    if (sink === undefined) {
      sink = sinkFor(topic)
      this.sinks.set(topic, sink)
    }
    return sink
  }

  private async drainSinks(): Promise<void> {
    await Promise.all([...this.sinks.values()].map(async (sink) => (await sink.catch(() => undefined))?.drain()))
  }

  private async replayFile(file: ArchiveFile, signal: AbortSignal): Promise<void> {
    const o = this.options
    const resume = o.checkpoint?.resumeAt(file.key) ?? 0
    if (resume === 'done') {
      this.ended.resumed++
      this.stats.bytesTotal -= file.size ?? 0
      return
    }
    if (o.verify) {
      const problem = await verifyFile(file, signal)
      if (problem !== undefined) {
        this.ended.bad.push({file: file.key, problem})
        o.onBadFile?.(file.key, problem)
        this.stats.bytesTotal -= file.size ?? 0
        if (!o.skipBad) this.halt('bad-file')
        return
      }
    }
    this.ended.read++
    const progress = o.checkpoint?.track(file.key, resume)
    let index = 0
    let format: 'raw' | 'json' | undefined = o.inputFormat === 'auto' ? file.manifest?.format : o.inputFormat
    const end: ReadEnd = {gzip: false}
    const counted = {bytes: 0}
    const before = this.stats.bytesRead
    try {
      for await (const records of readRecords(file.open(signal), end, counted)) {
        this.stats.bytesRead = before + counted.bytes
        for (const record of records) {
          const i = index++
          if (progress !== undefined) progress.next()
          if (i < resume) {
            this.stats.resumedRecords++
            continue
          }
          if (format === undefined && record.length > 0) format = detectFormat(record.body)
          this.handle(file.key, record, i, format ?? 'raw', progress)
          if (o.checkpoint !== undefined && !o.checkpoint.hasRoom(o.duplicateLimit)) await this.waitForCheckpoint(signal)
        }
        await this.chain
        if (this.stopping) break
      }
    } catch (error) {
      if (!signal.aborted) throw error
    }
    this.stats.bytesRead = before + counted.bytes
    if (end.torn !== undefined) {
      const torn: TornFile = {
        file: file.key,
        error: end.torn.error,
        storedBytes: end.torn.storedBytes,
        remainderBytes: end.remainder?.length ?? 0,
      }
      this.ended.torn.push(torn)
      o.onTorn?.(torn)
      if (end.remainder !== undefined && end.remainder.length > 0) {
        this.stats.records++
        this.fail({
          file: file.key,
          record: index + 1,
          reason: 'incomplete',
          error: `gzip torn before the end of this line (${end.torn.error})`,
          body: end.remainder,
        })
        if (progress !== undefined) progress.next()
      }
    }
    this.stats.filesRead++
    // A file's last partial batches go now, so batches never mix files.
    this.flushAll()
    if (progress !== undefined && !this.stopping) progress.end()
    o.checkpoint?.changed()
  }

  /** The checkpoint on disk lags too far behind: send what waits in batchers, wait for it to catch up. */
  private async waitForCheckpoint(signal: AbortSignal): Promise<void> {
    const checkpoint = this.options.checkpoint as Checkpoint
    this.flushAll()
    await this.chain
    checkpoint.changed()
    await checkpoint.room(this.options.duplicateLimit, signal)
    if (checkpoint.failure !== undefined) this.halt('checkpoint')
  }

  /** Filters one record, picks its topic, and queues it. */
  private handle(file: string, record: SplitRecord, index: number, format: 'raw' | 'json', progress: FileProgress | undefined): void {
    const o = this.options
    this.stats.records++
    const n = index + 1
    if (record.length === 0) {
      this.stats.skippedEmpty++
      return
    }
    if (record.length > record.body.length) {
      this.fail({
        file,
        record: n,
        reason: 'oversize',
        error: `line of ${record.length} bytes is longer than ${record.body.length} bytes`,
        body: record.body,
        length: record.length,
      })
      return
    }
    let body = record.body
    let envelope: Envelope | undefined
    if (format === 'json') {
      try {
        envelope = decodeEnvelope(body.toString('utf8'))
      } catch (error) {
        this.fail({
          file,
          record: n,
          reason: 'invalid_envelope',
          error: `invalid envelope: ${(error as Error).message}`,
          body: Buffer.from(body),
        })
        return
      }
      if (envelope.timestamp !== undefined && !inRange(o.range, envelope.timestamp)) {
        this.stats.outOfRange++
        return
      }
      body = envelope.body
    }
    if (body.length === 0) {
      this.stats.skippedEmpty++
      return
    }
    if (body.length > o.maxMessageBytes) {
      this.fail({
        file,
        record: n,
        reason: 'oversize',
        error: `${body.length} bytes > max message size ${o.maxMessageBytes}`,
        body: Buffer.from(body),
      })
      return
    }
    const topic = o.topicFromEnvelope ? this.envelopeTopic(envelope) : o.topic
    if (topic === undefined) {
      this.fail({
        file,
        record: n,
        reason: 'invalid_envelope',
        error: 'no topic in the envelope and no --topic to fall back to',
        body: Buffer.from(record.body),
      })
      return
    }
    this.stats.accepted++
    if (o.sinkFor === undefined) {
      this.stats.bodyBytes += body.length
      return
    }
    const g = o.checkpoint?.window.accept() ?? 0
    progress?.hold(index)
    // A raw body is a view of its decoded chunk (no copy): the sinks' windows bound how many chunks batches hold.
    const out: ReplayRecord = {n, body, progress, index, g}
    let batcher = this.batchers.get(topic)
    if (batcher === undefined) {
      batcher = new Batcher({maxCount: this.maxCount, maxBodyBytes: o.maxBodyBytes})
      this.batchers.set(topic, batcher)
    }
    for (const batch of batcher.add(out)) this.dispatch(topic, batch as ReplayRecord[])
  }

  private envelopeTopic(envelope: Envelope | undefined): string | undefined {
    const from = envelope?.topic
    if (from === undefined) return this.options.topic
    return this.options.topicMap.get(from) ?? from
  }

  private flushAll(): void {
    for (const [topic, batcher] of this.batchers) {
      const rest = batcher.flush()
      if (rest !== undefined) this.dispatch(topic, rest as ReplayRecord[])
    }
  }

  /** Queues a batch behind the previous ones (pacing and the sink's window apply in order). */
  private dispatch(topic: string, batch: ReplayRecord[]): void {
    const sink = this.sink(topic)
    if (sink === undefined) return
    this.chain = this.chain.then(async () => {
      await this.pacer.take(batch.length, this.options.signal)
      const target = await sink
      await target.submit(batch, (outcome) => this.settled(topic, batch, outcome))
    })
  }

  /** nsqd answered for a batch: counted, released for the checkpoint, failures reported. */
  private settled(topic: string, batch: readonly ReplayRecord[], outcome: BatchOutcome): void {
    const failed = new Map(outcome.failed.map((f) => [f.record, f]))
    const checkpoint = this.options.checkpoint
    let published = 0
    for (const record of batch) {
      const failure = failed.get(record)
      if (failure === undefined) {
        published++
        this.stats.bodyBytes += record.body.length
        // A record nsqd did not take keeps its file's mark where it is: a resumed run sends it again.
        record.progress?.release(record.index)
        checkpoint?.window.settle(record.g)
      } else {
        this.fail({
          file: record.progress?.key ?? '',
          record: record.n,
          reason: 'publish_failed',
          error: failure.error.message,
          body: record.body,
          ...(failure.nsqd === undefined ? {} : {nsqd: failure.nsqd}),
        })
      }
    }
    this.stats.published += published
    this.topics[topic] = (this.topics[topic] ?? 0) + published
    if (outcome.stopped !== undefined) this.halt('refused')
    else if (failed.size > 0 && checkpoint !== undefined) this.halt('publish-failed')
    checkpoint?.changed()
  }

  private fail(failure: ReplayFailure): void {
    this.stats.failures[failure.reason]++
    this.options.onFailure?.(failure)
  }
}

/** JSON when the first record is an envelope as to-file and tail write it (with `id` and `timestamp`), else raw. */
export function detectFormat(first: Buffer): 'raw' | 'json' {
  if (first[0] !== ENVELOPE_START) return 'raw'
  try {
    const envelope = decodeEnvelope(first.toString('utf8'))
    return envelope.id !== undefined && envelope.timestamp !== undefined ? 'json' : 'raw'
  } catch {
    return 'raw'
  }
}
