/**
 * One publishing client of a bench run: its own Producer (one nsqd connection), PUB for a
 * batch size of 1 and MPUB above. Closed model by default (`pipeline` commands awaiting their OK
 * at once, latency from the actual send); open model under `--rate` (commands go out on a fixed
 * schedule whether or not earlier ones were answered, latency from the *scheduled* time).
 */
import {Producer, type ConnectionSettings, type NsqError} from '../../core/index.js'
import type {BenchClock} from './clock.js'
import {newHistogram, recordMs, type LatencyHistogram} from './histogram.js'
import {makeBody, stampBatch} from './payload.js'
import {nextScheduled, RateSchedule} from './rate-schedule.js'

/** Commands a client under `--rate` may have awaiting nsqd at once (the open model's memory bound). */
export const OPEN_MODEL_MAX_PENDING = 1024

/** Failed commands in a row after which a client stops (each already retried by the Producer). */
export const MAX_CONSECUTIVE_ERRORS = 10

export interface PublisherPlan {
  id: string
  address: string
  topic: string
  settings: ConnectionSettings
  size: number
  batchSize: number
  /** Commands awaiting OK at once (closed model). */
  pipeline: number
  /** Measured messages this client publishes, or undefined for a timed run. */
  quota: number | undefined
  /** Publish commands per second for this client (open model), or undefined (closed model). */
  opsPerSec: number | undefined
}

/** When the run measures and when it stops, in BenchClock time. */
export interface RunWindow {
  start: number
  measureStart: number
  /** No command is started at or after this (timed runs). */
  deadline: number | undefined
  /** True once the run must stop (Ctrl-C, or a pubsub partner failed). */
  stopped: () => boolean
}

export class BenchPublisher {
  readonly histogram: LatencyHistogram = newHistogram()
  /** Measured messages acknowledged by nsqd. */
  measured = 0
  /** All messages acknowledged, warm-up included. */
  acknowledged = 0
  errors = 0
  disconnects = 0
  lastError: NsqError | undefined
  /** BenchClock time of the last measured OK. */
  lastAckAt: number | undefined
  private readonly producer: Producer
  private quotaLeft: number
  private consecutiveErrors = 0
  private inFlight = 0
  private slotFreed: (() => void) | undefined

  constructor(
    readonly plan: PublisherPlan,
    private readonly clock: BenchClock,
  ) {
    this.quotaLeft = plan.quota ?? Infinity
    this.producer = new Producer({
      ...plan.settings,
      nsqd: [plan.address],
      maxPending: plan.opsPerSec === undefined ? plan.pipeline : Math.max(plan.pipeline, OPEN_MODEL_MAX_PENDING),
      events: {
        disconnected: (_address, error) => {
          if (error !== undefined) this.disconnects++
        },
      },
    })
  }

  /** Connects now, so a wrong address fails before the run starts. */
  connect(): Promise<void> {
    return this.producer.connect()
  }

  get reconnects(): number {
    return this.producer.stats.reconnects
  }

  /** Publishes until the quota, the deadline or a stop. */
  async run(window: RunWindow): Promise<void> {
    if (this.plan.opsPerSec === undefined) {
      await Promise.all(Array.from({length: this.plan.pipeline}, () => this.closedLoop(window)))
    } else {
      await this.openLoop(window, this.plan.opsPerSec)
    }
  }

  /** Waits for every publish to settle and closes the connection. */
  close(): Promise<void> {
    return this.producer.close()
  }

  /** True after MAX_CONSECUTIVE_ERRORS failed commands in a row: nsqd is gone, stop trying. */
  get gaveUp(): boolean {
    return this.consecutiveErrors >= MAX_CONSECUTIVE_ERRORS
  }

  /** Messages for the next command (0 = done); measured ones come out of the quota. */
  private reserve(measured: boolean): number {
    if (!measured) return this.plan.batchSize
    const n = Math.min(this.plan.batchSize, this.quotaLeft)
    this.quotaLeft -= n
    return n
  }

  private finished(window: RunWindow, at: number): boolean {
    return window.stopped() || this.quotaLeft <= 0 || this.gaveUp || (window.deadline !== undefined && at >= window.deadline)
  }

  private async closedLoop(window: RunWindow): Promise<void> {
    const bodies = Array.from({length: this.plan.batchSize}, () => makeBody(this.plan.size))
    for (;;) {
      const sentAt = this.clock.now()
      if (this.finished(window, sentAt)) return
      const measured = sentAt >= window.measureStart
      const count = this.reserve(measured)
      if (count === 0) return
      await this.send(bodies, count, sentAt, measured)
    }
  }

  private async openLoop(window: RunWindow, opsPerSec: number): Promise<void> {
    const schedule = new RateSchedule(opsPerSec, window.start)
    const limit = Math.max(this.plan.pipeline, OPEN_MODEL_MAX_PENDING)
    const bodies = Array.from({length: this.plan.batchSize}, () => makeBody(this.plan.size))
    const sends = new Set<Promise<void>>()
    for (;;) {
      const at = await nextScheduled(schedule, this.clock, () => this.finished(window, schedule.nextAt()))
      if (at === undefined) break
      const measured = at >= window.measureStart
      const count = this.reserve(measured)
      if (count === 0) break
      while (this.inFlight >= limit) await new Promise<void>((resolve) => (this.slotFreed = resolve))
      // encode copies the bodies synchronously, so one set of buffers serves every command.
      const sending = this.send(bodies, count, at, measured)
      sends.add(sending)
      void sending.finally(() => sends.delete(sending))
    }
    await Promise.all(sends)
  }

  private async send(bodies: Buffer[], count: number, scheduledAt: number, measured: boolean): Promise<void> {
    stampBatch(bodies, count, this.clock.toEpochMs(scheduledAt))
    this.inFlight++
    try {
      if (count === 1 && this.plan.batchSize === 1) await this.producer.publish(this.plan.topic, bodies[0] as Buffer)
      else await this.producer.multiPublish(this.plan.topic, count === bodies.length ? bodies : bodies.slice(0, count))
      const ackAt = this.clock.now()
      this.consecutiveErrors = 0
      this.acknowledged += count
      if (measured) {
        recordMs(this.histogram, ackAt - scheduledAt)
        this.measured += count
        this.lastAckAt = ackAt
      }
    } catch (error) {
      this.errors++
      this.consecutiveErrors++
      this.lastError = error as NsqError
      if (measured) this.quotaLeft += count
      await this.clock.sleep(50)
    } finally {
      this.inFlight--
      const wake = this.slotFreed
      this.slotFreed = undefined
      wake?.()
    }
  }
}
