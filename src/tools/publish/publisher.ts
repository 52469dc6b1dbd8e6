/**
 * The publish side every publishing command shares (to-nsq now; relay and replay next): records
 * in ({@link OutRecord}: a number for the errors file and a body), MPUB batches capped by nsqd's
 * limits (`batcher.ts`, `nsqd-limits.ts`), spread round-robin with failover or fanned out to every
 * nsqd, permanent refusals told apart from passing failures (`refusal.ts`), and whatever could not
 * be published written to the errors file (`errors-file.ts`, `unrecorded.ts` when even that fails).
 * A record source feeds a {@link BatchSink}; the Publisher is the one that talks to nsqd.
 */
import {
  NsqError,
  PendingWindow,
  Producer,
  formatHostPort,
  isNsqError,
  parseHostPort,
  settledWithin,
  type ConnectionSettings,
  type ProducerEvents,
  type ProducerOptions,
} from '../../core/index.js'
import {performance} from 'node:perf_hooks'
import type {PublishObserver} from '../metrics/observers.js'
import type {OutRecord} from './batcher.js'
import {classifyPublishError, type Refusal} from './refusal.js'

/** How records are spread over several nsqd. */
export type PublishMode = 'round-robin' | 'fanout'

/** A record nsqd did not take. */
export interface PublishFailure {
  record: OutRecord
  error: NsqError
  /** The nsqd(s) that refused it, in fanout mode. */
  nsqd?: string
}

export interface PublisherOptions {
  topic: string
  /** nsqd TCP addresses. */
  nsqd: readonly string[]
  /** `round-robin`: one Producer over all nsqd (spread, with failover); `fanout`: one Producer per nsqd, every record to each. */
  mode: PublishMode
  settings: ConnectionSettings
  /** DPUB delay; nsqd has no deferred MPUB, so each record of a batch goes as its own (pipelined) DPUB. */
  deferMs?: number | undefined
  /** Most batches awaiting nsqd's answer at once; `submit` waits beyond it (default 16). */
  window?: number
  /** Tries per batch before it counts as failed (default 3; round-robin tries another nsqd). */
  maxAttempts?: number
  /**
   * After a batch failed for want of a connection, further batches to that Producer fail at once
   * (instead of each waiting out reconnect backoff), except one probe per this many ms (default 5000).
   */
  probeIntervalMs?: number
  now?: () => number
  /** Called once per batch, when nsqd has answered for all of it (before the submitter's own callback). */
  onSettled?(published: readonly OutRecord[], failed: readonly PublishFailure[]): void
  /**
   * Called when an nsqd refuses publishing for good (TLS required, AUTH denied… see
   * `classifyPublishError`), with how many nsqd still take publishes. 0 means the Publisher has
   * stopped: every later batch fails at once with that refusal, without being sent.
   */
  onRefused?(refusal: Refusal, remaining: number): void
  events?: ProducerEvents
  /** Told each batch's latency and outcome (`--metrics-address`). */
  observer?: PublishObserver
}

/** nsqd's answer for one batch: every record of it is in `published` or in `failed`. */
export interface BatchOutcome {
  published: readonly OutRecord[]
  failed: readonly PublishFailure[]
  /** Set once no nsqd takes publishes any more (see {@link Publisher}): feed no more batches. */
  stopped?: Refusal
}

/**
 * Where batches go: the one name for it. A {@link Publisher} is one; a dry run has none. `submit`
 * resolves once the batch is on its way and there is room for the next (backpressure) and calls
 * `settled` once nsqd has answered for all of it; `drain` resolves once every submitted batch
 * has been answered.
 */
export interface BatchSink {
  submit(batch: readonly OutRecord[], settled?: (outcome: BatchOutcome) => void): Promise<void>
  drain(): Promise<void>
}

/** The producers' events, also told to the observer: connections lost (with an error) and made again. */
function observed(events: ProducerEvents, observer: PublishObserver | undefined): ProducerEvents {
  if (observer === undefined) return events
  const seen = new Set<string>()
  return {
    ...events,
    connected: (address) => {
      if (seen.has(address)) observer.reconnected(address)
      seen.add(address)
      events.connected?.(address)
    },
    disconnected: (address, error, established) => {
      if (error !== undefined && established) observer.lost(address)
      events.disconnected?.(address, error, established)
    },
  }
}

/** One Producer and, in fanout mode, the one nsqd it publishes to. */
interface Lane {
  readonly address: string | undefined
  producer: Producer
}

/**
 * Publishes batches of records with pipelining and a bounded window: `submit` returns as soon
 * as the batch is on its way, but only while fewer than `window` batches await an answer, so a
 * reader that awaits `submit` is slowed to nsqd's pace. Every record ends in the batch's outcome
 * (`submit`'s callback, and `onSettled`), as published or failed (never dropped).
 *
 * A permanent refusal (see `classifyPublishError`: TLS required, AUTH denied, …) is not retried.
 * Round-robin: the refusing nsqd leaves the rotation (a new Producer over the others takes over,
 * with the usual failover between them) and the refused records are sent again to the others;
 * when every nsqd has refused, the Publisher stops. Fanout: a record counts only when every nsqd
 * took it, so one refusing nsqd stops the Publisher; so does a refusal whose nsqd cannot be told
 * (the core names it in the error's `address`). Stopped: `onRefused(refusal, 0)`, and every
 * later batch fails at once with that refusal, so the caller can stop reading its input.
 */
export class Publisher implements BatchSink {
  private readonly lanes: Lane[]
  private readonly base: Omit<ProducerOptions, 'nsqd'>
  /** Every nsqd (normalised host:port), for round-robin rebuilds. */
  private readonly addresses: string[]
  /** nsqd that refused for good, with their error. */
  private readonly refusedNsqd = new Map<string, NsqError>()
  /** Set once no nsqd takes publishes any more. */
  private halted: Refusal | undefined
  /** Producers replaced after a refusal, closing once their publishes settle. */
  private readonly retired: Promise<void>[] = []
  /** Every Producer this Publisher has used (for the per-nsqd counts). */
  private readonly producers: Producer[] = []
  /** `onRefused` calls due, made right after the refused batch's `onSettled` (its records are counted first). */
  private notices: [Refusal, number][] = []
  private readonly window: number
  private readonly slots: PendingWindow
  /** Producers whose last batch failed for want of a connection, with that error and the last try. */
  private readonly down = new Map<Producer, {error: NsqError; triedAt: number}>()

  constructor(private readonly options: PublisherOptions) {
    this.window = Math.max(1, options.window ?? 16)
    this.slots = new PendingWindow(this.window)
    // Reconnect backoff capped at 2 s (not the core's 30 s): a batch held for an nsqd that is down
    // holds up the end of the run, and a pipe should fail over or give up quickly.
    this.base = {
      ...options.settings,
      maxPending: this.window,
      maxAttempts: options.maxAttempts ?? 3,
      reconnectBackoff: {initialMs: 100, maxMs: 2000, jitter: 0.5},
      ...(options.events === undefined && options.observer === undefined ? {} : {events: observed(options.events ?? {}, options.observer)}),
    }
    this.addresses = options.nsqd.map(normalise)
    this.lanes =
      options.mode === 'fanout'
        ? options.nsqd.map((address) => ({address, producer: new Producer({...this.base, nsqd: [address]})}))
        : [{address: undefined, producer: new Producer({...this.base, nsqd: options.nsqd})}]
    for (const lane of this.lanes) this.producers.push(lane.producer)
  }

  /** Messages each nsqd acknowledged (fanout: each nsqd counts every record it took). */
  get publishedByNsqd(): Map<string, number> {
    const counts = new Map<string, number>()
    for (const producer of this.producers)
      for (const [address, count] of producer.publishedByNsqd) counts.set(address, (counts.get(address) ?? 0) + count)
    return counts
  }

  /** Connects before any input is read. Round-robin: at least one nsqd; fanout: every nsqd. */
  async connect(): Promise<void> {
    await Promise.all(this.lanes.map(({producer}) => producer.connect()))
  }

  /** The refusal that stopped publishing, if one did. */
  get refusal(): Refusal | undefined {
    return this.halted
  }

  /** Every nsqd that refused for good, with its error (round-robin: left out of the rotation). */
  get refused(): ReadonlyMap<string, NsqError> {
    return this.refusedNsqd
  }

  /** Sends a batch once the window has room. */
  async submit(batch: readonly OutRecord[], settled?: (outcome: BatchOutcome) => void): Promise<void> {
    await this.slots.acquire()
    const {observer} = this.options
    const started = observer === undefined ? 0 : performance.now()
    void this.send(batch)
      .then((failures) => {
        const failed = new Set(failures.map((f) => f.record))
        const published = failed.size === 0 ? batch : batch.filter((r) => !failed.has(r))
        if (observer !== undefined) {
          let bytes = 0
          for (const r of published) bytes += r.body.length
          observer.batch((performance.now() - started) / 1000, published.length, failures.length, bytes)
        }
        this.options.onSettled?.(published, failures)
        settled?.({published, failed: failures, ...(this.halted === undefined ? {} : {stopped: this.halted})})
        for (const [refusal, remaining] of this.notices.splice(0)) this.options.onRefused?.(refusal, remaining)
      })
      .finally(() => this.slots.release())
  }

  /** Batches awaiting an answer. */
  get pending(): number {
    return this.slots.pending
  }

  /** Waits until every submitted batch has settled. */
  async drain(): Promise<void> {
    await this.slots.idle()
  }

  /**
   * Drains, then closes the connections. With `timeoutMs`, drains that long at most: an nsqd that
   * stopped answering (SIGSTOPped, black-holed) must not keep a stopping command from exiting.
   */
  async close(options: {timeoutMs?: number} = {}): Promise<void> {
    const started = Date.now()
    if (options.timeoutMs === undefined) await this.drain()
    else await settledWithin(this.drain(), options.timeoutMs)
    const left = options.timeoutMs === undefined ? {} : {timeoutMs: Math.max(0, options.timeoutMs - (Date.now() - started))}
    await Promise.all([...this.lanes.map(({producer}) => producer.close(left)), ...this.retired])
  }

  private async send(batch: readonly OutRecord[]): Promise<PublishFailure[]> {
    const perNsqd = await Promise.all(this.lanes.map((lane) => this.sendTo(lane, batch, 0)))
    if (perNsqd.length === 1) return perNsqd[0] as PublishFailure[]
    // Fanout: a record counts as published only when every nsqd took it.
    const merged = new Map<OutRecord, PublishFailure>()
    for (const failures of perNsqd) {
      for (const failure of failures) {
        const seen = merged.get(failure.record)
        if (seen === undefined) merged.set(failure.record, failure)
        else seen.nsqd = `${seen.nsqd ?? ''},${failure.nsqd ?? ''}`
      }
    }
    return [...merged.values()]
  }

  private async sendTo(lane: Lane, batch: readonly OutRecord[], resent: number): Promise<PublishFailure[]> {
    const {topic, deferMs} = this.options
    const {address, producer} = lane
    const fail = (record: OutRecord, error: NsqError, nsqd = address): PublishFailure => ({
      record,
      error,
      ...(nsqd === undefined ? {} : {nsqd}),
    })
    const halted = this.halted
    if (halted !== undefined) return batch.map((record) => fail(record, halted.error, address ?? halted.nsqd))
    const now = this.options.now ?? Date.now
    const down = this.down.get(producer)
    if (down !== undefined) {
      if (now() - down.triedAt < (this.options.probeIntervalMs ?? 5000)) return batch.map((record) => fail(record, down.error))
      down.triedAt = now()
    }
    let failures: PublishFailure[]
    if (deferMs !== undefined) {
      const results = await Promise.allSettled(batch.map((record) => producer.deferredPublish(topic, deferMs, record.body)))
      failures = results.flatMap((result, i) =>
        result.status === 'rejected' ? [fail(batch[i] as OutRecord, asNsqError(result.reason))] : [],
      )
    } else {
      try {
        if (batch.length === 1) await producer.publish(topic, (batch[0] as OutRecord).body)
        else
          await producer.multiPublish(
            topic,
            batch.map((record) => record.body),
          )
        failures = []
      } catch (error) {
        const nsqError = asNsqError(error)
        failures = batch.map((record) => fail(record, nsqError))
      }
    }
    const unreachable = failures.find((f) => UNREACHABLE.has(f.error.code))
    if (unreachable !== undefined) this.down.set(producer, {error: unreachable.error, triedAt: now()})
    else if (failures.length < batch.length) this.down.delete(producer)
    const refused = failures.find((f) => classifyPublishError(f.error) === 'refused')
    if (refused === undefined) return failures
    this.noteRefusal(lane, refused.error)
    // Round-robin with nsqd left: the refused records go to them (at most once per nsqd).
    if (this.halted !== undefined || lane.address !== undefined || resent >= this.addresses.length) return failures
    const again = failures.filter((f) => classifyPublishError(f.error) === 'refused').map((f) => f.record)
    const others = failures.filter((f) => classifyPublishError(f.error) !== 'refused')
    return [...others, ...(await this.sendTo(lane, again, resent + 1))]
  }

  /** Takes the refusing nsqd out (round-robin) or stops publishing (fanout, or none left). */
  private noteRefusal(lane: Lane, error: NsqError): void {
    if (this.halted !== undefined) return
    const nsqd = lane.address ?? this.addressOf(error)
    const refusal: Refusal = {error, ...(nsqd === undefined ? {} : {nsqd})}
    const key = nsqd === undefined ? undefined : normalise(nsqd)
    if (key !== undefined && this.refusedNsqd.has(key)) return
    if (key !== undefined) this.refusedNsqd.set(key, error)
    if (lane.address !== undefined || key === undefined) {
      this.halt(refusal)
      return
    }
    const remaining = this.addresses.filter((a) => !this.refusedNsqd.has(a))
    if (remaining.length === 0) {
      this.halt(refusal)
      return
    }
    const old = lane.producer
    lane.producer = new Producer({...this.base, nsqd: remaining})
    this.producers.push(lane.producer)
    this.retired.push(old.close().catch(() => undefined))
    this.notices.push([refusal, remaining.length])
  }

  private halt(refusal: Refusal): void {
    this.halted = refusal
    this.notices.push([refusal, 0])
  }

  /** The nsqd an error came from (every error the core raises for one connection names it). */
  private addressOf(error: NsqError): string | undefined {
    return error.address ?? (this.addresses.length === 1 ? this.addresses[0] : undefined)
  }
}

/** `host:port` as the Producer names it (so `localhost:4150` and the Producer's address compare equal). */
function normalise(address: string): string {
  try {
    const {host, port} = parseHostPort(address)
    return formatHostPort(host, port)
  } catch {
    return address
  }
}

/** Codes that mean "no nsqd to talk to" rather than "nsqd refused this". */
const UNREACHABLE: ReadonlySet<string> = new Set(['CONNECTION_REFUSED', 'CONNECTION_FAILED', 'CONNECTION_CLOSED', 'PEER_DEAD', 'TIMEOUT'])

function asNsqError(error: unknown): NsqError {
  return isNsqError(error) ? error : new NsqError('CONNECTION_FAILED', String(error), {cause: error})
}
