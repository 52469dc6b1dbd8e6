/**
 * One consuming client of a bench run: its own Consumer (one connection per nsqd) with RDY
 * `maxInFlight`, finishing every message at once. Counts what it receives and, for bodies that
 * carry a publisher's stamp, records end-to-end latency (stamp → delivery).
 */
import {Consumer, type ConnectionSettings} from '../../core/index.js'
import type {BenchClock} from './clock.js'
import {newHistogram, recordMs, type LatencyHistogram} from './histogram.js'
import {readStamp} from './payload.js'

export interface SubscriberPlan {
  id: string
  addresses: string[]
  topic: string
  channel: string
  settings: ConnectionSettings
  maxInFlight: number
  /**
   * What decides whether a message falls in the measured window: its arrival time (`receive`),
   * or the time stamped in its body (`stamp`, pubsub: so the publishers' warm-up is left out on
   * both sides alike).
   */
  measureBy: 'receive' | 'stamp'
  /**
   * `--msgs` shared by every subscriber of the run (across threads: the counter may sit on a
   * SharedArrayBuffer): a measured message counts only while the total is below `limit`, so the
   * run measures exactly that many even though a few more arrive before the stop.
   */
  quota: MeasureQuota | undefined
}

/** A count of measured messages shared by the subscribers of one run, with its limit. */
export interface MeasureQuota {
  counter: Int32Array
  limit: number
}

/** A quota of `limit` on a SharedArrayBuffer, so worker threads can share it. */
export function sharedQuota(limit: number): MeasureQuota {
  return {counter: new Int32Array(new SharedArrayBuffer(4)), limit}
}

/** Where the subscribers of one run report, so the run can stop on a shared count. */
export interface SubscriberSink {
  /** Called after messages arrive: how many, and how many of them were measured. */
  received(count: number, measured: number): void
}

export class BenchSubscriber {
  readonly histogram: LatencyHistogram = newHistogram()
  measured = 0
  measuredBytes = 0
  received = 0
  disconnects = 0
  nonFatal = 0
  /** BenchClock time of the last measured message. */
  lastAt: number | undefined
  private readonly consumer: Consumer
  private stopping: Promise<unknown> | undefined

  constructor(
    readonly plan: SubscriberPlan,
    private readonly clock: BenchClock,
  ) {
    this.consumer = new Consumer({
      ...plan.settings,
      topic: plan.topic,
      channel: plan.channel,
      nsqd: plan.addresses,
      maxInFlight: plan.maxInFlight,
      backoff: false,
      events: {
        disconnected: (_address, error) => {
          if (error !== undefined) this.disconnects++
        },
        nonFatalError: () => {
          this.nonFatal++
        },
      },
    })
  }

  get reconnects(): number {
    return this.consumer.stats.reconnects
  }

  /** Connects and subscribes; rejects when no nsqd could be reached. */
  start(): Promise<void> {
    return this.consumer.start()
  }

  /** Consumes until `stop()`; `measureStart` is a BenchClock time. */
  async run(measureStart: number, sink: SubscriberSink): Promise<void> {
    const byStamp = this.plan.measureBy === 'stamp'
    const measureStartEpoch = this.clock.toEpochMs(measureStart)
    const quota = this.plan.quota
    for await (const message of this.consumer) {
      const now = this.clock.now()
      const body = message.body
      message.finish()
      this.received++
      const stamped = readStamp(body)
      let measured = byStamp ? stamped !== undefined && stamped >= measureStartEpoch : now >= measureStart
      if (measured && quota !== undefined) measured = Atomics.add(quota.counter, 0, 1) < quota.limit
      if (measured) {
        this.measured++
        this.measuredBytes += body.length
        this.lastAt = now
        if (stamped !== undefined) recordMs(this.histogram, this.clock.toEpochMs(now) - stamped)
      }
      sink.received(1, measured ? 1 : 0)
    }
  }

  /** Stops consuming (RDY 0, then closes); `run()` returns once the queue is drained. */
  stop(): Promise<unknown> {
    this.stopping ??= this.consumer.stop({timeoutMs: 2000})
    return this.stopping
  }
}
