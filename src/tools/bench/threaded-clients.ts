/**
 * `--threads`: each client on its own worker thread (client-worker.ts), behind the same surface
 * as an in-thread BenchPublisher / BenchSubscriber so the run and the summary do not care.
 * A Node process is one thread; Go's bench tools run GOMAXPROCS threads, which on a busy
 * machine also means a bigger share of the CPU.
 */
import {Worker} from 'node:worker_threads'
import {NsqError, type ConnectionSettings, type NsqErrorCode} from '../../core/index.js'
import type {BenchClock} from './clock.js'
import {newHistogram, type LatencyHistogram} from './histogram.js'
import type {PublisherPlan, RunWindow} from './publisher.js'
import type {SubscriberPlan, SubscriberSink} from './subscriber.js'

/** What a worker is started with. */
export type WorkerInput = {role: 'pub'; plan: PublisherPlan} | {role: 'sub'; plan: SubscriberPlan}

/** Main → worker. */
export type ToWorker =
  {type: 'connect'} | {type: 'run'; startEpoch: number; measureStartEpoch: number; deadlineEpoch: number | null} | {type: 'stop'}

/** A client's results, as a worker reports them when done. */
export interface WorkerReport {
  measured: number
  total: number
  measuredBytes: number
  errors: number
  disconnects: number
  reconnects: number
  gaveUp: boolean
  lastError: string | undefined
  lastAtEpoch: number | undefined
  histogram: LatencyHistogram
}

/** Worker → main. */
export type FromWorker =
  | {type: 'connected'}
  | {type: 'failed'; code: NsqErrorCode; message: string}
  | {type: 'progress'; count: number; measured: number}
  | {type: 'done'; report: WorkerReport}

/** Settings after a structured clone: Buffers arrive as Uint8Arrays. */
export function reviveSettings(settings: ConnectionSettings): ConnectionSettings {
  const tls = settings.tls
  if (tls === undefined) return settings
  const buffer = (value: unknown): Buffer | undefined =>
    value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : undefined
  return {...settings, tls: {...tls, ca: buffer(tls.ca), cert: buffer(tls.cert), key: buffer(tls.key)}}
}

/** The worker entry next to this file: .js when built, .ts under tsx (bin/dev.js; workers inherit --import tsx). */
const WORKER_URL = new URL(`./client-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

/** One worker running one client. */
class ClientThread {
  readonly worker: Worker
  report: WorkerReport | undefined
  private waiting: {resolve: () => void; reject: (error: Error) => void} | undefined
  private finished: (() => void) | undefined
  private exitError: Error | undefined

  constructor(
    input: WorkerInput,
    private readonly onProgress: (count: number, measured: number) => void,
  ) {
    this.worker = new Worker(WORKER_URL, {workerData: input})
    this.worker.on('message', (message: FromWorker) => this.onMessage(message))
    this.worker.on('error', (error) => this.fail(error))
    this.worker.on('exit', () => {
      if (this.report === undefined) this.fail(this.exitError ?? new NsqError('CONNECTION_FAILED', 'bench worker thread exited early'))
      this.finished?.()
    })
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting = {resolve, reject}
      this.send({type: 'connect'})
    })
  }

  /** Resolves once the worker reported (or exited without a report). */
  run(message: ToWorker): Promise<void> {
    const done = new Promise<void>((resolve) => {
      this.finished = resolve
    })
    this.send(message)
    return done
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message)
  }

  async close(): Promise<void> {
    await this.worker.terminate()
  }

  private onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'connected':
        this.waiting?.resolve()
        this.waiting = undefined
        break
      case 'failed':
        this.fail(new NsqError(message.code, message.message))
        break
      case 'progress':
        this.onProgress(message.count, message.measured)
        break
      case 'done':
        this.report = message.report
        this.finished?.()
        break
    }
  }

  private fail(error: Error): void {
    this.exitError = error
    this.waiting?.reject(error)
    this.waiting = undefined
  }
}

function epochWindow(clock: BenchClock, window: Pick<RunWindow, 'start' | 'measureStart' | 'deadline'>): ToWorker {
  return {
    type: 'run',
    startEpoch: clock.toEpochMs(window.start),
    measureStartEpoch: clock.toEpochMs(window.measureStart),
    deadlineEpoch: window.deadline === undefined ? null : clock.toEpochMs(window.deadline),
  }
}

/** Results common to both roles, filled in from the worker's report. */
abstract class ThreadedClient {
  histogram: LatencyHistogram = newHistogram()
  measured = 0
  errors = 0
  disconnects = 0
  reconnects = 0
  protected lastAtLocal: number | undefined
  protected thread: ClientThread

  constructor(
    input: WorkerInput,
    protected readonly clock: BenchClock,
  ) {
    this.thread = new ClientThread(input, (count, measured) => this.progress(count, measured))
  }

  protected abstract progress(count: number, measured: number): void

  protected absorb(): WorkerReport | undefined {
    const report = this.thread.report
    if (report === undefined) return undefined
    this.histogram = report.histogram
    this.measured = report.measured
    this.errors = report.errors
    this.disconnects = report.disconnects
    this.reconnects = report.reconnects
    this.lastAtLocal = report.lastAtEpoch === undefined ? undefined : report.lastAtEpoch - this.clock.toEpochMs(0)
    return report
  }
}

/** A BenchPublisher on its own thread. */
export class ThreadedPublisher extends ThreadedClient {
  acknowledged = 0
  gaveUp = false
  lastError: Error | undefined

  constructor(
    readonly plan: PublisherPlan,
    clock: BenchClock,
  ) {
    super({role: 'pub', plan}, clock)
  }

  get lastAckAt(): number | undefined {
    return this.lastAtLocal
  }

  connect(): Promise<void> {
    return this.thread.connect()
  }

  async run(window: RunWindow): Promise<void> {
    const watch = setInterval(() => {
      if (window.stopped()) this.thread.send({type: 'stop'})
    }, 50)
    try {
      await this.thread.run(epochWindow(this.clock, window))
    } finally {
      clearInterval(watch)
    }
    const report = this.absorb()
    if (report === undefined) throw new NsqError('CONNECTION_FAILED', `${this.plan.id}: its worker thread stopped without a report`)
    this.acknowledged = report.total
    this.gaveUp = report.gaveUp
    this.lastError = report.lastError === undefined ? undefined : new Error(report.lastError)
  }

  close(): Promise<void> {
    return this.thread.close()
  }

  protected progress(count: number): void {
    this.acknowledged = count
  }
}

/** A BenchSubscriber on its own thread. */
export class ThreadedSubscriber extends ThreadedClient {
  received = 0
  measuredBytes = 0
  private sink: SubscriberSink | undefined

  constructor(
    readonly plan: SubscriberPlan,
    clock: BenchClock,
  ) {
    super({role: 'sub', plan}, clock)
  }

  get lastAt(): number | undefined {
    return this.lastAtLocal
  }

  get nonFatal(): number {
    return this.errors
  }

  start(): Promise<void> {
    return this.thread.connect()
  }

  async run(measureStart: number, sink: SubscriberSink): Promise<void> {
    this.sink = sink
    await this.thread.run(epochWindow(this.clock, {start: measureStart, measureStart, deadline: undefined}))
    const report = this.absorb()
    if (report === undefined) throw new NsqError('CONNECTION_FAILED', `${this.plan.id}: its worker thread stopped without a report`)
    this.received = report.total
    this.measuredBytes = report.measuredBytes
  }

  async stop(): Promise<void> {
    this.thread.send({type: 'stop'})
  }

  async close(): Promise<void> {
    await this.thread.close()
  }

  protected progress(count: number, measured: number): void {
    this.received += count
    this.sink?.received(count, measured)
  }
}
