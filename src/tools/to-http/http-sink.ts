/**
 * The HTTP endpoint as a {@link MessageSink}: each accepted message becomes one request (or one
 * per URL in fanout) on undici keep-alive pools, one pool per origin. `accept` resolves once an
 * endpoint answered 2xx, or the message's 4xx was written to the errors file (then the pump FINs);
 * it rejects with a {@link RequeueRequest} carrying the delay the status policy chose
 * (`Retry-After`, or backoff by attempts) when no endpoint took it (then the pump REQs it).
 */
import v8 from 'node:v8'
import type {Dispatcher} from 'undici'
import Agent from 'undici/lib/dispatcher/agent.js'
import {encodeMessageEnvelope} from '../envelope.js'
import type {RequestObserver} from '../metrics/observers.js'
import type {ErrorsFile} from '../publish/errors-file.js'
import {RequeueRequest, type Delivery, type MessageSink, type SinkFailurePolicy} from '../source/sink.js'
import {DeliveryStats, type HttpSinkStats} from './delivery-stats.js'
import {EndpointPicker, type Mode} from './endpoints.js'
import {exchange} from './exchange.js'
import {FanoutLedger} from './fanout-ledger.js'
import {compileGetTemplate, type GetTemplate} from './get-template.js'
import {decide, type AttemptOutcome, type StatusPolicyOptions, type Verdict} from './status-policy.js'

/** TLS towards the endpoints (https URLs): verification stays on unless `insecure`. */
export interface EndpointTls {
  ca?: Buffer | undefined
  cert?: Buffer | undefined
  key?: Buffer | undefined
  insecure: boolean
}

export interface HttpSinkOptions {
  method: 'POST' | 'GET'
  /** POST: the URLs. GET: the templates (see get-template.ts). */
  urls: readonly string[]
  mode: Mode
  /** POST's Content-Type. */
  contentType: string
  /** Extra headers, applied last (they may override User-Agent and Content-Type). */
  headers: ReadonlyArray<readonly [string, string]>
  /** raw: the body as is; json: the tail envelope (id, timestamp, attempts, body or body_base64). */
  format: 'raw' | 'json'
  /** Requests in flight at most (`--n`). */
  concurrency: number
  connectTimeoutMs: number
  /** Longest wait for the response headers, and then between body chunks. */
  requestTimeoutMs: number
  tls?: EndpointTls | undefined
  /** Where refused (4xx) messages go; without it a 4xx is requeued like a 5xx. */
  errors?: ErrorsFile | undefined
  policy: StatusPolicyOptions
  /** Messages per second at most. */
  ratePerSecond?: number | undefined
  userAgent: string
  now?: () => number
  /** Told each request's latency and status (`--metrics-address`). */
  observer?: RequestObserver | undefined
  /**
   * A URL failed without a response (refused, reset, timed out, its certificate refused): called
   * once per URL and error code, and again only after that URL answered in between.
   */
  onTransportError?: (url: string, code: string, message: string) => void
}

// undici parses responses with llhttp compiled to WebAssembly. V8 first compiles it with its
// baseline compiler (Liftoff), then, once hot, recompiles its one huge state-machine function with
// TurboFan, which holds ~30 MiB of compiler memory for a moment: to-http's peak RSS went from
// 84 to 114 MiB at the first few thousand requests. Parsing a short response head is a small
// part of a request's cost, so the baseline code is kept (set before undici compiles llhttp, on
// the first connection; it concerns WebAssembly only, and the CLI runs none of its own).
v8.setFlagsFromString('--liftoff-only')

interface Target {
  /** POST: the fixed URL; GET: the template. */
  readonly url: string
  readonly origin: string
  readonly path: string
  readonly template: GetTemplate | undefined
}

export class HttpSink implements MessageSink<Delivery> {
  readonly failurePolicy: SinkFailurePolicy
  /** Counts and request latencies. */
  readonly delivery = new DeliveryStats()
  private readonly agent: Dispatcher
  private destroyed = false
  private readonly targets: Target[]
  private readonly picker: EndpointPicker
  private readonly ledger = new FanoutLedger()
  private readonly now: () => number
  private readonly baseHeaders: Record<string, string>
  private readonly intervalMs: number
  private inFlightCount = 0
  private nextSlot = 0
  private waiters: Array<() => void> = []
  private rateTimer: NodeJS.Timeout | undefined
  private idleWaiters: Array<() => void> = []
  private stopping = false
  private errorSeq = 0
  /** Per URL: the transport error codes reported since it last answered. */
  private readonly reported: Array<Set<string>>

  constructor(private readonly options: HttpSinkOptions) {
    this.now = options.now ?? Date.now
    this.failurePolicy = {requeueDelayMs: options.policy.baseDelayMs, backoff: true, fatal: false}
    this.intervalMs = options.ratePerSecond === undefined ? 0 : 1000 / options.ratePerSecond
    const tls = options.tls
    this.agent = new Agent({
      // One keep-alive pool per origin, as many sockets as requests may be in flight.
      connections: options.concurrency,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      keepAliveTimeout: 30_000,
      connect: {
        timeout: options.connectTimeoutMs,
        ...(tls?.ca === undefined ? {} : {ca: tls.ca}),
        ...(tls?.cert === undefined ? {} : {cert: tls.cert}),
        ...(tls?.key === undefined ? {} : {key: tls.key}),
        rejectUnauthorized: tls?.insecure !== true,
      },
    })
    this.targets = options.urls.map((url) => target(url, options.method))
    this.reported = options.urls.map(() => new Set<string>())
    this.picker = new EndpointPicker(options.urls, options.mode, this.now)
    const headers: Record<string, string> = {'user-agent': options.userAgent}
    if (options.method === 'POST') headers['content-type'] = options.contentType
    for (const [key, value] of options.headers) headers[key.toLowerCase()] = value
    this.baseHeaders = headers
  }

  /** The counts so far (live: the status line reads them). */
  get stats(): HttpSinkStats {
    return this.delivery.counts
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.inFlightCount
  }

  /** Open fanout messages (some URLs took them, some not yet). */
  get fanoutOpen(): number {
    return this.ledger.size
  }

  get ready(): boolean {
    return this.inFlightCount < this.options.concurrency && (this.intervalMs === 0 || this.now() >= this.nextSlot)
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve()
    return new Promise((resolve) => {
      this.waiters.push(resolve)
      this.armRate()
    })
  }

  accept(message: Delivery): Promise<void> {
    this.inFlightCount++
    if (this.intervalMs > 0) this.nextSlot = Math.max(this.now(), this.nextSlot) + this.intervalMs
    const work = this.options.mode === 'fanout' ? this.fanout(message) : this.failover(message)
    return work.finally(() => {
      this.inFlightCount--
      this.wake()
      if (this.inFlightCount === 0) for (const resolve of this.idleWaiters.splice(0)) resolve()
    })
  }

  /**
   * Stop: no failover to further URLs from here on; waits up to `timeoutMs` for the requests in
   * flight, then aborts the rest (their messages are requeued).
   */
  async drain(timeoutMs: number): Promise<void> {
    this.stopping = true
    if (this.inFlightCount > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs)
        }),
      ])
      clearTimeout(timer)
    }
    if (this.inFlightCount > 0) {
      // Fails every request still in flight (their messages are requeued).
      this.destroyed = true
      await this.agent.destroy(new Error('stopping'))
      await new Promise<void>((resolve) => {
        if (this.inFlightCount === 0) resolve()
        else this.idleWaiters.push(resolve)
      })
    }
  }

  /** Closes the connection pools. */
  async close(): Promise<void> {
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer)
    if (!this.destroyed) await this.agent.close()
  }

  private wake(): void {
    if (!this.ready || this.waiters.length === 0) {
      this.armRate()
      return
    }
    // Every waiting pump re-checks `ready` right before it hands a message over.
    for (const resolve of this.waiters.splice(0)) resolve()
  }

  private armRate(): void {
    if (this.intervalMs === 0 || this.rateTimer !== undefined || this.waiters.length === 0) return
    if (this.inFlightCount >= this.options.concurrency) return
    this.rateTimer = setTimeout(
      () => {
        this.rateTimer = undefined
        this.wake()
      },
      Math.max(0, this.nextSlot - this.now()),
    )
  }

  /** round-robin / hostpool / epsilon-greedy: one URL after another until one takes it. */
  private async failover(message: Delivery): Promise<void> {
    let retry: Extract<Verdict, {action: 'retry'}> | undefined
    for (const index of this.picker.order()) {
      const verdict = await this.attempt(index, message)
      if (verdict.action === 'accept') {
        this.picker.mark(index, true)
        this.stats.delivered++
        return
      }
      if (verdict.action === 'reject') {
        this.picker.mark(index, true)
        if (this.setAside(message, index, verdict.why)) return
        retry = {
          action: 'retry',
          delayMs: this.options.policy.baseDelayMs,
          why: `${verdict.why} (errors file not writable)`,
          retryAfter: false,
          slowDown: false,
        }
        break
      }
      this.picker.mark(index, false)
      retry = laterOf(retry, verdict)
      if (this.stopping) break
    }
    throw this.requeue(retry)
  }

  /** fanout: every URL that has not taken the message yet, at once. */
  private async fanout(message: Delivery): Promise<void> {
    const pending = this.ledger.pending(message.id, this.targets.length)
    const verdicts = await Promise.all(pending.map(async (index) => [index, await this.attempt(index, message)] as const))
    let retry: Extract<Verdict, {action: 'retry'}> | undefined
    for (const [index, verdict] of verdicts) {
      if (verdict.action === 'accept' || (verdict.action === 'reject' && this.setAside(message, index, verdict.why))) {
        this.ledger.record(message.id, index)
      } else if (verdict.action === 'retry') {
        retry = laterOf(retry, verdict)
      } else {
        retry = laterOf(retry, {
          action: 'retry',
          delayMs: this.options.policy.baseDelayMs,
          why: verdict.why,
          retryAfter: false,
          slowDown: false,
        })
      }
    }
    if (retry === undefined) {
      this.ledger.forget(message.id)
      this.stats.delivered++
      return
    }
    throw this.requeue(retry)
  }

  private requeue(retry: Extract<Verdict, {action: 'retry'}> | undefined): RequeueRequest {
    this.stats.requeued++
    if (retry?.retryAfter === true) this.stats.retryAfter++
    return new RequeueRequest(retry?.why ?? 'not delivered', retry?.delayMs ?? this.options.policy.baseDelayMs, retry?.slowDown ?? false)
  }

  /** Writes a refused message to the errors file; false when there is none or it failed (then REQ). */
  private setAside(message: Delivery, index: number, why: string, detail = ''): boolean {
    const errors = this.options.errors
    if (errors === undefined) return false
    const url = (this.targets[index] as Target).url
    const written = errors.write({
      record: ++this.errorSeq,
      reason: 'http_rejected',
      error: `${why} from ${url} (topic ${message.topic}, id ${message.id}, attempts ${message.attempts})${detail}`,
      body: message.body,
    })
    if (written) this.stats.rejected++
    return written
  }

  /** One request of `message` to URL `index`, and the policy's verdict on it. */
  private async attempt(index: number, message: Delivery): Promise<Verdict> {
    const target = this.targets[index] as Target
    const outcome = await this.send(target, message)
    const reported = this.reported[index] as Set<string>
    if (outcome.kind === 'error') {
      if (!reported.has(outcome.code)) {
        reported.add(outcome.code)
        this.options.onTransportError?.(target.url, outcome.code, outcome.message)
      }
    } else if (reported.size > 0) reported.clear()
    const verdict = decide(outcome, message.attempts, this.options.policy, this.now())
    if (verdict.action === 'reject' && this.options.errors === undefined) {
      // Nowhere to set it aside: requeue it instead of losing it.
      return {
        action: 'retry',
        delayMs: this.options.policy.maxDelayMs,
        why: `${verdict.why} (no --errors file)`,
        retryAfter: false,
        slowDown: false,
      }
    }
    return verdict
  }

  private async send(target: Target, message: Delivery): Promise<AttemptOutcome> {
    const {options} = this
    const json = options.format === 'json'
    let path = target.path
    let origin = target.origin
    if (target.template !== undefined) {
      const url = new URL(
        json ? target.template.render({...message, body: Buffer.from(encodeMessageEnvelope(message))}) : target.template.render(message),
      )
      origin = url.origin
      path = url.pathname + url.search
    }
    const started = performance.now()
    this.delivery.requestSent()
    const outcome = await exchange(this.agent, {
      origin,
      path,
      method: options.method,
      headers: this.baseHeaders,
      ...(options.method === 'POST' ? {body: json ? encodeMessageEnvelope(message) : message.body} : {}),
    })
    const elapsedMs = performance.now() - started
    if (outcome.kind === 'response') this.delivery.response(outcome.status, elapsedMs)
    else this.delivery.noResponse(outcome.sent)
    this.options.observer?.request(elapsedMs / 1000, outcome.kind === 'response' ? outcome.status : 0)
    return outcome
  }
}

/** Of two retries, the one asking for the longer wait (an endpoint's Retry-After must not be cut short). */
function laterOf(
  a: Extract<Verdict, {action: 'retry'}> | undefined,
  b: Extract<Verdict, {action: 'retry'}>,
): Extract<Verdict, {action: 'retry'}> {
  if (a === undefined) return b
  const later = b.delayMs >= a.delayMs ? b : a
  return {...later, slowDown: a.slowDown || b.slowDown}
}

function target(url: string, method: 'POST' | 'GET'): Target {
  if (method === 'GET') {
    const template = compileGetTemplate(url)
    return {url, origin: '', path: '', template}
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`--post ${url}: not a URL`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`--post ${url}: only http:// and https:// URLs`)
  return {url, origin: parsed.origin, path: parsed.pathname + parsed.search, template: undefined}
}
