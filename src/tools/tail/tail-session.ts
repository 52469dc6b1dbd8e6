import type {Writable} from 'node:stream'
import {NODE_TIMERS, UNREF_TIMERS, type TimerHandle, type Timers} from '../../core/index.js'
import {isBrokenPipe} from '../broken-pipe.js'
import {Pump} from '../source/pump.js'
import type {Delivery, MessageSource} from '../source/sink.js'
import type {Formatter} from './format.js'
import {OutputWriter} from './output-writer.js'

/**
 * Why the session stopped: the command's signal reasons (`interrupt`, `terminate`, `epipe`,
 * `done`), `count` (-n reached), `idle` (--exit-when-idle), `output-error` (stdout failed other
 * than by the reader leaving).
 */
export type TailStopReason = 'interrupt' | 'terminate' | 'epipe' | 'done' | 'count' | 'idle' | 'output-error'

export interface TailSummary {
  reason: TailStopReason
  /** Messages whose bytes the output stream accepted. */
  printed: number
  /** Messages FIN'd (printed and not --peek). */
  finished: number
  /** Messages handed back to nsqd (REQ): unprinted ones, extras beyond -n, and --peek'd ones. */
  requeued: number
  /** The output error, when stdout failed (EPIPE included). */
  outputError: Error | undefined
}

export interface TailSessionOptions {
  stream: Writable
  formatter: Formatter
  /** Print exactly this many messages, then stop (0 = no limit). */
  count?: number
  /** Requeue printed messages at the end instead of finishing them (holding them until then). */
  peek?: boolean
  /** Stop after this long without a message (ms); undefined = never. */
  exitWhenIdleMs?: number
  /** Aborted by the command (Ctrl-C, SIGTERM, EPIPE); its reason becomes the stop reason. */
  signal?: AbortSignal
  /** Longest wait for output to flush and sources to close on stop (ms, default 5000). */
  drainTimeoutMs?: number
  /** With --peek, how often held messages are TOUCHed so nsqd does not time them out (ms, default 15000). */
  peekTouchMs?: number
  /** Bytes rendered but not yet written at which reading pauses (default 1 MiB). */
  maxPendingBytes?: number
  /**
   * The unread-window rule (output-writer.ts) for a durable channel printed into a pipe: a message
   * is FIN'd only once `bytes` of later output were accepted, more than `maxItems` are held, or
   * `quietMs` passed with nothing written after it; at EPIPE what is held is requeued.
   */
  unreadWindow?: {bytes: number; maxItems: number; quietMs: number}
  /** Clock for the idle check (default `Date.now`). */
  now?: () => number
  /**
   * Timers for the idle check and the --peek TOUCHes, injected so tests drive time by hand.
   * Default: the idle check on Node's ref'd timers (it is what ends an idle follower), the
   * TOUCHes unref'd (they must never keep the process alive).
   */
  timers?: Timers
}

const SIGNAL_REASONS: ReadonlySet<string> = new Set(['interrupt', 'terminate', 'epipe', 'done'])

/**
 * The heart of `nsq tail`: one {@link Pump} per source (topic) feeds one stdout sink
 * ({@link OutputWriter}), so each message is FIN'd once stdout accepted its bytes (or, with
 * --peek, REQ'd at the end) and REQ'd when they were never written. Reading pauses while stdout
 * pushes back, so unprinted messages stay in nsqd and max-in-flight bounds memory. `-n` is
 * exact across all topics: extras already in flight are requeued.
 */
export class TailSession {
  private readonly writer: OutputWriter<Delivery>
  private readonly sources = new Set<MessageSource>()
  private readonly pumps: Pump<Delivery>[] = []
  private readonly running: Promise<unknown>[] = []
  private readonly held: Delivery[] = []
  private readonly count: number
  private readonly now: () => number
  private accepted = 0
  private heldRequeued = 0
  private lastActivity: number
  private reason: TailStopReason | undefined
  private idleTimer: TimerHandle | undefined
  private touchTimer: TimerHandle | undefined
  private readonly idleTimers: Timers
  private readonly touchTimers: Timers
  private stopped: Promise<TailSummary> | undefined
  private resolveDone!: (summary: TailSummary) => void
  private readonly finishedPromise: Promise<TailSummary>

  /** -n and stopping: what the pumps may hand to stdout (called once per message). */
  private readonly admit = (_message: Delivery): boolean => {
    if (this.reason !== undefined || (this.count > 0 && this.accepted >= this.count)) return false
    this.accepted++
    this.lastActivity = this.now()
    // After this message is handed over (the pump does that synchronously after admit or once stdout is ready).
    if (this.accepted === this.count) queueMicrotask(() => void this.stop('count'))
    return true
  }

  /** --peek: printed messages are held (TOUCHed) and REQ'd at the end instead of FIN'd. */
  private readonly hold = (messages: readonly Delivery[]): void => {
    for (const message of messages) this.held.push(message)
  }

  private readonly onOutputFailed = (error: Error): void => {
    if (this.reason === undefined) void this.stop(isBrokenPipe(error) ? 'epipe' : 'output-error')
  }

  constructor(private readonly options: TailSessionOptions) {
    this.count = options.count ?? 0
    this.now = options.now ?? Date.now
    this.idleTimers = options.timers ?? NODE_TIMERS
    this.touchTimers = options.timers ?? UNREF_TIMERS
    this.lastActivity = this.now()
    this.finishedPromise = new Promise((resolve) => {
      this.resolveDone = resolve
    })
    this.writer = new OutputWriter<Delivery>({
      stream: options.stream,
      render: options.formatter,
      ...(options.maxPendingBytes === undefined ? {} : {maxPendingBytes: options.maxPendingBytes}),
      ...(options.unreadWindow === undefined ? {} : {unread: {...options.unreadWindow, timers: options.timers ?? UNREF_TIMERS}}),
    })
    const signal = options.signal
    if (signal !== undefined) {
      const onAbort = (): void => {
        const reason = String(signal.reason)
        void this.stop(SIGNAL_REASONS.has(reason) ? (reason as TailStopReason) : 'interrupt')
      }
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, {once: true})
    }
    if (options.exitWhenIdleMs !== undefined) this.armIdle(options.exitWhenIdleMs)
    if (options.peek === true) {
      const everyMs = options.peekTouchMs ?? 15_000
      const touch = (): void => {
        for (const message of this.held) message.touch()
        this.touchTimer = this.touchTimers.setTimeout(touch, everyMs)
      }
      this.touchTimer = this.touchTimers.setTimeout(touch, everyMs)
    }
  }

  /** Messages printed so far. */
  get printedCount(): number {
    let printed = 0
    for (const pump of this.pumps) printed += pump.stats.done
    return printed
  }

  /** True once a stop was asked for. */
  get stopping(): boolean {
    return this.reason !== undefined
  }

  /** Starts reading a source (a topic's consumer). Sources added after stop are stopped at once. */
  addSource(source: MessageSource): void {
    if (this.reason !== undefined) {
      void source.stop({timeoutMs: 0})
      return
    }
    this.sources.add(source)
    const pump = new Pump(source, this.writer, {
      admit: this.admit,
      onFatal: this.onOutputFailed,
      ...(this.options.peek === true ? {done: this.hold} : {}),
    })
    this.pumps.push(pump)
    this.running.push(pump.run())
  }

  /** Resolves with the summary once the session stopped and drained. */
  done(): Promise<TailSummary> {
    return this.finishedPromise
  }

  /** Asks the session to stop; the first reason wins. Resolves like done(). */
  stop(reason: TailStopReason): Promise<TailSummary> {
    if (this.stopped === undefined) {
      this.reason = reason
      this.stopped = this.drain()
      void this.stopped.then(this.resolveDone)
    }
    return this.stopped
  }

  private armIdle(idleMs: number): void {
    const check = (): void => {
      if (this.reason !== undefined) return
      const quiet = this.now() - this.lastActivity
      if (quiet >= idleMs) void this.stop('idle')
      else this.idleTimer = this.idleTimers.setTimeout(check, idleMs - quiet)
    }
    this.idleTimer = this.idleTimers.setTimeout(check, idleMs)
  }

  private async drain(): Promise<TailSummary> {
    if (this.idleTimer !== undefined) this.idleTimers.clearTimeout(this.idleTimer)
    const timeoutMs = this.options.drainTimeoutMs ?? 5000
    // RDY 0 at once everywhere; each source then waits for our answers to what is in flight.
    const closing = [...this.sources].map((source) => source.stop({timeoutMs}))
    if (this.reason === 'epipe' || this.reason === 'output-error') {
      this.writer.abort(this.writer.error ?? new Error(`output closed (${this.reason})`))
    }
    let timer: NodeJS.Timeout | undefined
    // The pumps end once their source is done (each hands over what it already took), then stdout flushes.
    const flushed = Promise.allSettled(this.running).then(async () => this.writer.settle())
    const settled = await Promise.race([
      flushed.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs)
      }),
    ])
    clearTimeout(timer)
    if (!settled) this.writer.abort(new Error('stdout did not drain in time'))
    await Promise.allSettled(this.running)
    if (this.touchTimer !== undefined) this.touchTimers.clearTimeout(this.touchTimer)
    this.touchTimer = undefined
    for (const message of this.held.splice(0)) {
      message.requeue(0, {backoff: false})
      this.heldRequeued++
    }
    await Promise.allSettled(closing)
    let printed = 0
    let requeued = this.heldRequeued
    for (const {stats} of this.pumps) {
      printed += stats.done
      requeued += stats.failed + stats.refused
    }
    return {
      reason: this.reason ?? 'done',
      printed,
      finished: this.options.peek === true ? 0 : printed,
      requeued,
      outputError: this.writer.error,
    }
  }
}
