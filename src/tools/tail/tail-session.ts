import type {Writable} from 'node:stream'
import type {Formatter, TailMessage} from './format.js'
import {OutputWriter} from './output-writer.js'

/** A delivered message as the session answers it (core's Message fits). */
export interface TailDelivery extends TailMessage {
  finish(): void
  requeue(delayMs?: number, options?: {backoff?: boolean}): void
  touch(): void
}

/** Where messages come from: one per topic (core's Consumer fits). */
export interface MessageSource {
  next(): Promise<IteratorResult<TailDelivery>>
  /** RDY 0, give back what was never handed out, wait for answers, close. */
  stop(options?: {timeoutMs?: number}): Promise<unknown>
}

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
  now?: () => number
}

const SIGNAL_REASONS: ReadonlySet<string> = new Set(['interrupt', 'terminate', 'epipe', 'done'])

/** True for the errors that mean "the reader went away". */
export function isReaderGone(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED'
}

/**
 * The heart of `nsq tail`: pulls messages from one source per topic, renders them into a
 * batching writer, and answers each message by what happened to its bytes — FIN once stdout
 * accepted them (or, with --peek, REQ at the end), REQ when they were never written. Reading
 * pauses while stdout pushes back, so unprinted messages stay in nsqd and max-in-flight bounds
 * memory. `-n` is exact across all topics: extras already in flight are requeued.
 */
export class TailSession {
  private readonly writer: OutputWriter<TailDelivery>
  private readonly sources = new Set<MessageSource>()
  private readonly pumps: Promise<void>[] = []
  private readonly held: TailDelivery[] = []
  private readonly count: number
  private readonly now: () => number
  private accepted = 0
  private printed = 0
  private finished = 0
  private requeued = 0
  private lastActivity: number
  private reason: TailStopReason | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private touchTimer: NodeJS.Timeout | undefined
  private stopped: Promise<TailSummary> | undefined
  private resolveDone!: (summary: TailSummary) => void
  private readonly finishedPromise: Promise<TailSummary>

  constructor(private readonly options: TailSessionOptions) {
    this.count = options.count ?? 0
    this.now = options.now ?? Date.now
    this.lastActivity = this.now()
    this.finishedPromise = new Promise((resolve) => {
      this.resolveDone = resolve
    })
    this.writer = new OutputWriter<TailDelivery>({
      stream: options.stream,
      render: options.formatter,
      ...(options.maxPendingBytes === undefined ? {} : {maxPendingBytes: options.maxPendingBytes}),
      onWritten: (items) => this.onWritten(items),
      onFailed: (items, error) => this.onFailed(items, error),
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
      this.touchTimer = setInterval(() => {
        for (const message of this.held) message.touch()
      }, options.peekTouchMs ?? 15_000)
      this.touchTimer.unref()
    }
  }

  /** Messages printed so far. */
  get printedCount(): number {
    return this.printed
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
    this.pumps.push(this.pump(source))
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

  private async pump(source: MessageSource): Promise<void> {
    for (;;) {
      if (!this.writer.ready) await this.writer.whenReady()
      const result = await source.next()
      if (result.done === true) return
      const message = result.value
      if (this.reason !== undefined || (this.count > 0 && this.accepted >= this.count)) {
        message.requeue(0, {backoff: false})
        this.requeued++
        continue
      }
      this.accepted++
      this.lastActivity = this.now()
      this.writer.write(message)
      if (this.count > 0 && this.accepted >= this.count) void this.stop('count')
    }
  }

  private onWritten(items: TailDelivery[]): void {
    this.printed += items.length
    if (this.options.peek === true) {
      for (const message of items) this.held.push(message)
      return
    }
    for (const message of items) message.finish()
    this.finished += items.length
  }

  private onFailed(items: TailDelivery[], error: Error): void {
    for (const message of items) message.requeue(0, {backoff: false})
    this.requeued += items.length
    if (this.reason === undefined) void this.stop(isReaderGone(error) ? 'epipe' : 'output-error')
  }

  private armIdle(idleMs: number): void {
    const check = (): void => {
      if (this.reason !== undefined) return
      const quiet = this.now() - this.lastActivity
      if (quiet >= idleMs) void this.stop('idle')
      else this.idleTimer = setTimeout(check, idleMs - quiet)
    }
    this.idleTimer = setTimeout(check, idleMs)
  }

  private async drain(): Promise<TailSummary> {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    const timeoutMs = this.options.drainTimeoutMs ?? 5000
    // RDY 0 at once everywhere; each source then waits for our answers to what is in flight.
    const closing = [...this.sources].map((source) => source.stop({timeoutMs}))
    if (this.reason === 'epipe' || this.reason === 'output-error') {
      this.writer.abort(this.writer.error ?? new Error(`output closed (${this.reason})`))
    }
    let timer: NodeJS.Timeout | undefined
    const settled = await Promise.race([
      this.writer.settle().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs)
      }),
    ])
    clearTimeout(timer)
    if (!settled) this.writer.abort(new Error('stdout did not drain in time'))
    if (this.touchTimer !== undefined) clearInterval(this.touchTimer)
    for (const message of this.held.splice(0)) {
      message.requeue(0, {backoff: false})
      this.requeued++
    }
    await Promise.allSettled(closing)
    await Promise.allSettled(this.pumps)
    return {
      reason: this.reason ?? 'done',
      printed: this.printed,
      finished: this.finished,
      requeued: this.requeued,
      outputError: this.writer.error,
    }
  }
}
