import {NsqError, Producer, isNsqError, type ConnectionSettings, type ProducerEvents} from '../../core/index.js'
import type {OutRecord} from './batcher.js'

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
  /** Called once per batch, when nsqd has answered for all of it. */
  onSettled(published: readonly OutRecord[], failed: readonly PublishFailure[]): void
  events?: ProducerEvents
}

/**
 * Publishes batches of records with pipelining and a bounded window: `submit` returns as soon
 * as the batch is on its way, but only while fewer than `window` batches await an answer, so a
 * reader that awaits `submit` is slowed to nsqd's pace. Every record ends in `onSettled`, as
 * published or failed (never dropped).
 */
export class Publisher {
  private readonly producers: {address: string | undefined; producer: Producer}[]
  private readonly window: number
  private outstanding = 0
  private roomWaiters: (() => void)[] = []
  private idleWaiters: (() => void)[] = []
  /** Producers whose last batch failed for want of a connection, with that error and the last try. */
  private readonly down = new Map<Producer, {error: NsqError; triedAt: number}>()

  constructor(private readonly options: PublisherOptions) {
    this.window = Math.max(1, options.window ?? 16)
    // Reconnect backoff capped at 2 s (not the core's 30 s): a batch held for an nsqd that is down
    // holds up the end of the run, and a pipe should fail over or give up quickly.
    const base = {
      ...options.settings,
      maxPending: this.window,
      maxAttempts: options.maxAttempts ?? 3,
      reconnectBackoff: {initialMs: 100, maxMs: 2000, jitter: 0.5},
      ...(options.events === undefined ? {} : {events: options.events}),
    }
    this.producers = options.mode === 'fanout'
      ? options.nsqd.map((address) => ({address, producer: new Producer({...base, nsqd: [address]})}))
      : [{address: undefined, producer: new Producer({...base, nsqd: options.nsqd})}]
  }

  /** Connects before any input is read. Round-robin: at least one nsqd; fanout: every nsqd. */
  async connect(): Promise<void> {
    await Promise.all(this.producers.map(({producer}) => producer.connect()))
  }

  /** Sends a batch once the window has room. */
  async submit(batch: readonly OutRecord[]): Promise<void> {
    while (this.outstanding >= this.window) await new Promise<void>((resolve) => this.roomWaiters.push(resolve))
    this.outstanding++
    void this.send(batch).then((failures) => {
      const failed = new Set(failures.map((f) => f.record))
      this.options.onSettled(failed.size === 0 ? batch : batch.filter((r) => !failed.has(r)), failures)
    }).finally(() => {
      this.outstanding--
      this.roomWaiters.shift()?.()
      if (this.outstanding === 0) for (const wake of this.idleWaiters.splice(0)) wake()
    })
  }

  /** Batches awaiting an answer. */
  get pending(): number {
    return this.outstanding
  }

  /** Waits until every submitted batch has settled. */
  async drain(): Promise<void> {
    while (this.outstanding > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  /** Drains, then closes the connections. */
  async close(): Promise<void> {
    await this.drain()
    await Promise.all(this.producers.map(({producer}) => producer.close()))
  }

  private async send(batch: readonly OutRecord[]): Promise<PublishFailure[]> {
    const perNsqd = await Promise.all(this.producers.map(({address, producer}) => this.sendTo(producer, address, batch)))
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

  private async sendTo(producer: Producer, address: string | undefined, batch: readonly OutRecord[]): Promise<PublishFailure[]> {
    const {topic, deferMs} = this.options
    const fail = (record: OutRecord, error: NsqError): PublishFailure => ({record, error, ...(address === undefined ? {} : {nsqd: address})})
    const now = this.options.now ?? Date.now
    const down = this.down.get(producer)
    if (down !== undefined) {
      if (now() - down.triedAt < (this.options.probeIntervalMs ?? 5000)) return batch.map((record) => fail(record, down.error))
      down.triedAt = now()
    }
    let failures: PublishFailure[]
    if (deferMs !== undefined) {
      const results = await Promise.allSettled(batch.map((record) => producer.deferredPublish(topic, deferMs, record.body)))
      failures = results.flatMap((result, i) => (result.status === 'rejected' ? [fail(batch[i] as OutRecord, asNsqError(result.reason))] : []))
    } else {
      try {
        if (batch.length === 1) await producer.publish(topic, (batch[0] as OutRecord).body)
        else await producer.multiPublish(topic, batch.map((record) => record.body))
        failures = []
      } catch (error) {
        const nsqError = asNsqError(error)
        failures = batch.map((record) => fail(record, nsqError))
      }
    }
    const unreachable = failures.find((f) => UNREACHABLE.has(f.error.code))
    if (unreachable !== undefined) this.down.set(producer, {error: unreachable.error, triedAt: now()})
    else if (failures.length < batch.length) this.down.delete(producer)
    return failures
  }
}

/** Codes that mean "no nsqd to talk to" rather than "nsqd refused this". */
const UNREACHABLE: ReadonlySet<string> = new Set(['CONNECTION_REFUSED', 'CONNECTION_FAILED', 'CONNECTION_CLOSED', 'PEER_DEAD', 'TIMEOUT'])

function asNsqError(error: unknown): NsqError {
  return isNsqError(error) ? error : new NsqError('CONNECTION_FAILED', String(error), {cause: error})
}
