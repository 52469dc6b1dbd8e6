/**
 * The HTTP endpoint as a {@link MessageSink}: each accepted message becomes one request (or one
 * per URL in fanout) on undici keep-alive pools, one pool per origin. `accept` resolves once an
 * endpoint answered 2xx, or the message's 4xx was written to the errors file (then the pump FINs);
 * it rejects with a {@link RequeueRequest} carrying the delay the status policy chose
 * (`Retry-After`, or backoff by attempts) when no endpoint took it (then the pump REQs it).
 */
import {createHistogram, type RecordableHistogram} from 'node:perf_hooks'
import {Agent} from 'undici'
import {encodeMessageEnvelope} from '../envelope.js'
import type {RequestObserver} from '../metrics/observers.js'
import type {ErrorsFile} from '../publish/errors-file.js'
import {RequeueRequest, type Delivery, type MessageSink, type SinkFailurePolicy} from '../source/sink.js'
import {EndpointPicker, type Mode} from './endpoints.js'
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
}

/** Requests by what came back. */
export interface StatusCounts {
  '2xx': number
  '3xx': number
  '4xx': number
  '5xx': number
  /** No response: refused, timed out, reset. */
  error: number
}

export interface HttpSinkStats {
  /** Requests sent (each attempt on each URL). */
  requests: number
  byClass: StatusCounts
  /** Messages an endpoint (fanout: every URL) took. */
  delivered: number
  /** Messages written to the errors file (a 4xx). */
  rejected: number
  /** Deliveries that ended in a REQ. */
  requeued: number
  /** REQs whose delay came from the endpoint's Retry-After. */
  retryAfter: number
  /**
   * Failed requests that may still have reached the endpoint (a timeout or reset after sending):
   * the retry may be a duplicate there. An upper bound of the duplicates to-http can cause.
   */
  uncertain: number
}

interface Target {
  /** POST: the fixed URL; GET: the template. */
  readonly url: string
  readonly origin: string
  readonly path: string
  readonly template: GetTemplate | undefined
}

const SNIPPET_BYTES = 512

export class HttpSink implements MessageSink<Delivery> {
  readonly failurePolicy: SinkFailurePolicy
  readonly stats: HttpSinkStats = {
    requests: 0,
    byClass: {'2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, error: 0},
    delivered: 0,
    rejected: 0,
    requeued: 0,
    retryAfter: 0,
    uncertain: 0,
  }
  /** Request latencies, µs. */
  readonly latency: RecordableHistogram = createHistogram()
  private readonly agent: Agent
  private readonly targets: Target[]
  private readonly picker: EndpointPicker
  private readonly ledger = new FanoutLedger()
  private readonly now: () => number
  private readonly abort = new AbortController()
  private readonly baseHeaders: Record<string, string>
  private readonly intervalMs: number
  private inFlightCount = 0
  private nextSlot = 0
  private waiters: Array<() => void> = []
  private rateTimer: NodeJS.Timeout | undefined
  private idleWaiters: Array<() => void> = []
  private stopping = false
  private errorSeq = 0

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
    this.picker = new EndpointPicker(options.urls, options.mode, this.now)
    const headers: Record<string, string> = {'user-agent': options.userAgent}
    if (options.method === 'POST') headers['content-type'] = options.contentType
    for (const [key, value] of options.headers) headers[key.toLowerCase()] = value
    this.baseHeaders = headers
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
      this.abort.abort(new Error('stopping'))
      await new Promise<void>((resolve) => {
        if (this.inFlightCount === 0) resolve()
        else this.idleWaiters.push(resolve)
      })
    }
  }

  /** Closes the connection pools. */
  async close(): Promise<void> {
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer)
    await this.agent.close()
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
    const outcome = await this.send(this.targets[index] as Target, message)
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
    if (outcome.kind === 'error' && outcome.sent) this.stats.uncertain++
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
    const started = process.hrtime.bigint()
    this.stats.requests++
    try {
      const response = await this.agent.request({
        origin,
        path,
        method: options.method,
        headers: this.baseHeaders,
        ...(options.method === 'POST' ? {body: json ? encodeMessageEnvelope(message) : message.body} : {}),
        signal: this.abort.signal,
      })
      const status = response.statusCode
      await response.body.dump({limit: SNIPPET_BYTES * 128}).catch(() => undefined)
      const micros = Math.max(1, Number((process.hrtime.bigint() - started) / 1000n))
      this.latency.record(micros)
      this.options.observer?.request(micros / 1e6, status)
      this.stats.byClass[statusClass(status)]++
      return {kind: 'response', status, retryAfter: response.headers['retry-after']}
    } catch (error) {
      this.options.observer?.request(Number((process.hrtime.bigint() - started) / 1000n) / 1e6, 0)
      this.stats.byClass.error++
      const e = error as Error & {code?: string}
      const code = e.code ?? e.name
      return {kind: 'error', code, message: e.message, sent: !NOT_SENT.has(code)}
    }
  }
}

/** Errors raised before a byte of the request left: the endpoint cannot have seen it. */
const NOT_SENT: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

function statusClass(status: number): keyof StatusCounts {
  if (status >= 200 && status < 300) return '2xx'
  if (status >= 300 && status < 400) return '3xx'
  if (status >= 400 && status < 500) return '4xx'
  return '5xx'
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
