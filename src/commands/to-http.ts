import fs from 'node:fs'
import {Args, Flags} from '@oclif/core'
import {NsqCommand} from '../cli/base-command.js'
import type {DropInSpec} from '../cli/drop-in.js'
import {toHttpDropIn} from '../cli/drop-in-specs.js'
import {EXIT, exitCodesHelp} from '../cli/exit-codes.js'
import {
  addressMap,
  connectionSettings,
  durationFlag,
  httpOptions,
  liveness,
  lookupdHttpAddressFlag,
  nsqdTcpAddressFlag,
  securityFlags,
} from '../cli/flags.js'
import {metricsFlags, openMetrics} from '../cli/metrics.js'
import {startProgressLine} from '../cli/progress-line.js'
import {describeWait} from '../tools/source/describe-wait.js'
import {compileTopicPattern} from '../tools/tail/validate.js'
import {isMode, MODES} from '../tools/to-http/endpoints.js'
import {CERTIFICATE_ERRORS} from '../tools/to-http/exchange.js'
import {parseHeader, readHeaderFile} from '../tools/to-http/headers.js'
import type {HttpSink} from '../tools/to-http/http-sink.js'
import {runToHttp, type ToHttpSummary} from '../tools/to-http/run-to-http.js'

const HTTP = 'HTTP'
const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

export default class ToHttp extends NsqCommand<typeof ToHttp> {
  static override summary = 'Deliver the messages of a topic to HTTP endpoints (like nsq_to_http, with a stated status policy)'
  static override leanHeap = 'keep-compiler' as const

  static override description = `Reads a channel (default nsq_to_http) and sends each message to --post URL (the body as is) or --get URL (a template). A message is FIN'd only after an endpoint answered 2xx, or after its 4xx was written to --errors.

Status policy: 2xx → FIN; 408, 429, 5xx, timeouts, refused or reset connections → REQ with backoff (--requeue-delay doubled per attempt up to --max-requeue-delay), or after the endpoint's Retry-After; other statuses (4xx, 3xx: redirects are not followed) → a line in --errors (NDJSON, replayable with 'nsq to-nsq --input-format json') then FIN, or REQ with --on-4xx requeue. Without --errors a 4xx is requeued, never dropped.

GET template tokens: %s the body URL-escaped, %t topic, %i message id, %a attempts, %% a percent sign; any other % (a literal %20) is sent as written.

Modes: round-robin (each message starts at the next URL and fails over to the others), hostpool (the default, as nsq_to_http: like round-robin, a failing URL is tried last for 30 s … 5 min), epsilon-greedy (accepted; behaves as hostpool), fanout (every URL gets every message; a URL that took it is not sent it again when another one fails; remembered in memory, so after a restart a partly delivered message goes to every URL again).

Ctrl-C drains: no new requests, the ones in flight finish (FIN what was taken, REQ the rest), exit 0.

${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.USAGE, EXIT.PARTIAL, EXIT.UNAVAILABLE, EXIT.INTERRUPTED], {[EXIT.OK]: 'ok (also after a Ctrl-C drain)', [EXIT.PARTIAL]: 'messages refused by an endpoint went to --errors (or the errors file failed)', [EXIT.UNAVAILABLE]: 'nsqd / lookupd unreachable or refusing', [EXIT.INTERRUPTED]: 'a second Ctrl-C'})}`

  static override examples = [
    {
      description: 'POST every message of "events" to a webhook',
      command: '<%= config.bin %> <%= command.id %> events --post https://hooks.example.com/in --nsqd-tcp-address 127.0.0.1:4150',
    },
    {
      description: 'GET with the body in the query; refused messages to a file',
      command:
        "<%= config.bin %> <%= command.id %> events --get 'http://127.0.0.1:8080/track?v=%s&id=%i' --errors refused.ndjson --lookupd-http-address 127.0.0.1:4161",
    },
    {
      description: 'Two receivers, each gets every message; the token from the environment',
      command:
        '<%= config.bin %> <%= command.id %> events --mode fanout --post http://a/in --post http://b/in --header-from-env Authorization=HOOK_TOKEN --format json --nsqd-tcp-address 127.0.0.1:4150',
    },
  ]

  static override args = {
    topic: Args.string({description: 'topic to read (same as --topic)', required: false, ignoreStdin: true}),
  }

  static override enableJsonFlag = true

  static override flags = {
    topic: Flags.string({summary: 'topic to read; repeatable (one consumer per topic)', multiple: true, multipleNonGreedy: true}),
    'topic-pattern': Flags.string({summary: 'also read every topic lookupd lists whose name matches this regex'}),
    'topic-refresh': durationFlag({summary: "how often lookupd's topic list is read again for --topic-pattern", default: 60_000}),
    channel: Flags.string({char: 'c', summary: 'channel to read', default: 'nsq_to_http'}),
    post: Flags.string({summary: 'POST each body to this URL; repeatable', multiple: true, multipleNonGreedy: true, helpGroup: HTTP}),
    get: Flags.string({
      summary: 'GET this URL template (%s body, %t %i %a); repeatable',
      multiple: true,
      multipleNonGreedy: true,
      helpGroup: HTTP,
    }),
    mode: Flags.string({summary: `${MODES.join(' | ')}`, default: 'hostpool', helpGroup: HTTP}),
    'content-type': Flags.string({summary: 'Content-Type of POSTs (json format: application/json)', helpGroup: HTTP}),
    header: Flags.string({summary: "extra header 'Key: Value'; repeatable", multiple: true, multipleNonGreedy: true, helpGroup: HTTP}),
    'header-file': Flags.string({summary: "file of 'Key: Value' lines (for secrets: not in the process list)", helpGroup: HTTP}),
    'header-from-env': Flags.string({
      summary: 'header whose value is read from an environment variable: Key=VARIABLE; repeatable',
      multiple: true,
      multipleNonGreedy: true,
      helpGroup: HTTP,
    }),
    format: Flags.option({
      options: ['raw', 'json'] as const,
      default: 'raw',
      summary: 'raw: the body as is; json: the tail envelope',
      helpGroup: HTTP,
    })(),
    n: Flags.integer({summary: 'requests in flight at most (bounded by --max-in-flight per topic)', default: 100, min: 1, helpGroup: HTTP}),
    'max-in-flight': Flags.integer({summary: 'messages in flight per topic', default: 200, min: 1}),
    errors: Flags.string({summary: 'write messages an endpoint refused (4xx) to this NDJSON file, then FIN them', helpGroup: HTTP}),
    'on-4xx': Flags.option({options: ['errors', 'requeue'] as const, default: 'errors', summary: 'what a 4xx does', helpGroup: HTTP})(),
    'requeue-delay': durationFlag({summary: 'REQ delay of the first retry (doubled per attempt)', default: 1000, helpGroup: HTTP}),
    'max-requeue-delay': durationFlag({summary: 'longest REQ delay (also caps Retry-After)', default: 900_000, helpGroup: HTTP}),
    'http-client-connect-timeout': durationFlag({summary: 'connect timeout', default: 2000, helpGroup: HTTP}),
    'http-client-request-timeout': durationFlag({
      summary: 'wait for the response headers (and between body chunks)',
      default: 20_000,
      helpGroup: HTTP,
    }),
    'http-tls-ca': Flags.string({summary: "PEM file of the CA that signed the endpoints' certificates", helpGroup: HTTP}),
    'http-tls-cert': Flags.string({summary: 'PEM client certificate for the endpoints', helpGroup: HTTP}),
    'http-tls-key': Flags.string({summary: 'PEM private key of --http-tls-cert', helpGroup: HTTP}),
    'http-tls-insecure': Flags.boolean({summary: "do NOT verify the endpoints' certificates (prints a warning)", helpGroup: HTTP}),
    backoff: Flags.boolean({
      summary: 'slow the consumer down while the endpoint is down or overloaded (no response, 429, 503)',
      default: true,
      allowNo: true,
      helpGroup: HTTP,
    }),
    rate: Flags.integer({summary: 'messages per second at most', min: 1, helpGroup: HTTP}),
    'drain-timeout': durationFlag({summary: 'on stop, longest wait for requests in flight and nsqd', default: 30_000}),
    'nsqd-tcp-address': nsqdTcpAddressFlag,
    'lookupd-http-address': lookupdHttpAddressFlag,
    ...securityFlags,
    ...liveness,
    ...metricsFlags,
  }

  /** `nsq_to_http`'s Go-style flags (same names; -consumer-opt carried over where we have a flag). */
  static dropIn: DropInSpec = toHttpDropIn

  async run(): Promise<ToHttpSummary> {
    const {flags, args} = this
    const topics = [...(args.topic === undefined ? [] : [args.topic]), ...(flags.topic ?? [])]
    const nsqd = flags['nsqd-tcp-address'] ?? []
    const lookupd = flags['lookupd-http-address'] ?? []
    if (topics.length === 0 && flags['topic-pattern'] === undefined)
      this.usage('give a topic (or --topic-pattern with --lookupd-http-address)')
    if ((nsqd.length === 0) === (lookupd.length === 0)) this.usage('give --nsqd-tcp-address or --lookupd-http-address (one kind)')
    const post = flags.post ?? []
    const get = flags.get ?? []
    if ((post.length === 0) === (get.length === 0)) this.usage('give --post URL or --get URL (one kind, repeatable)')
    if (!isMode(flags.mode)) this.usage(`--mode ${flags.mode}: must be one of ${MODES.join(', ')}`)
    if (get.length > 0 && flags['content-type'] !== undefined) this.usage('--content-type applies to --post only')
    if ((flags['http-tls-cert'] === undefined) !== (flags['http-tls-key'] === undefined))
      this.usage('--http-tls-cert and --http-tls-key go together')
    let pattern: RegExp | undefined
    let headers: Array<[string, string]>
    try {
      pattern = flags['topic-pattern'] === undefined ? undefined : compileTopicPattern(flags['topic-pattern'])
      headers = (flags.header ?? []).map((h) => parseHeader(h, '--header'))
      if (flags['header-file'] !== undefined) headers.push(...readHeaderFile(flags['header-file']))
      for (const spec of flags['header-from-env'] ?? []) headers.push(headerFromEnv(spec))
    } catch (error) {
      this.usage((error as Error).message)
    }
    if (flags['http-tls-insecure']) {
      process.stderr.write(
        "warning: --http-tls-insecure: the endpoints' certificates are NOT verified; anyone on the path can read and alter these requests\n",
      )
    }
    const readFile = (flag: string, file: string | undefined): Buffer | undefined => {
      if (file === undefined) return undefined
      try {
        return fs.readFileSync(file)
      } catch (error) {
        this.usage(`--${flag} ${file}: ${(error as Error).message}`)
      }
    }
    const tls = {
      ca: readFile('http-tls-ca', flags['http-tls-ca']),
      cert: readFile('http-tls-cert', flags['http-tls-cert']),
      key: readFile('http-tls-key', flags['http-tls-key']),
      insecure: flags['http-tls-insecure'],
    }
    let sink: HttpSink | undefined
    const statusLine = statusLineRenderer()
    const metrics = await openMetrics(flags['metrics-address'], 'to-http', (line) => this.status(line))
    if (metrics !== undefined) {
      const read = (pick: (s: HttpSink['stats']) => number) => () => (sink === undefined ? 0 : pick(sink.stats))
      metrics.counter(
        'nsq_toolkit_http_delivered_total',
        'Messages an endpoint (fanout: every URL) took',
        read((s) => s.delivered),
      )
      metrics.counter(
        'nsq_toolkit_http_rejected_total',
        'Messages refused with a 4xx and written to the errors file',
        read((s) => s.rejected),
      )
      metrics.counter(
        'nsq_toolkit_http_uncertain_total',
        'Failed requests that may still have reached the endpoint',
        read((s) => s.uncertain),
      )
      metrics.gauge('nsq_toolkit_http_in_flight', 'HTTP requests in flight', () => sink?.inFlight ?? 0)
    }
    const progress = startProgressLine({
      enabled: !flags.quiet && !this.jsonEnabled(),
      render: () => (sink === undefined ? '' : statusLine(sink)),
      intervalMs: 1000,
    })
    try {
      const result = await runToHttp({
        method: post.length > 0 ? 'POST' : 'GET',
        urls: post.length > 0 ? post : get,
        mode: flags.mode,
        contentType: flags['content-type'] ?? (flags.format === 'json' ? 'application/json' : DEFAULT_CONTENT_TYPE),
        headers,
        format: flags.format,
        concurrency: flags.n,
        connectTimeoutMs: flags['http-client-connect-timeout'],
        requestTimeoutMs: flags['http-client-request-timeout'],
        tls,
        policy: {on4xx: flags['on-4xx'], baseDelayMs: flags['requeue-delay'], maxDelayMs: flags['max-requeue-delay']},
        ratePerSecond: flags.rate,
        backoff: flags.backoff,
        userAgent: `nsq-toolkit/${this.config.version} (to-http)`,
        topics,
        ...(pattern === undefined ? {} : {topicPattern: pattern}),
        topicRefreshMs: flags['topic-refresh'],
        channel: flags.channel,
        nsqd,
        lookupd,
        maxInFlight: flags['max-in-flight'],
        connection: connectionSettings(flags),
        lookupdHttp: httpOptions(flags),
        lookupdPollIntervalMs: flags['lookupd-poll-interval'],
        addressMap: addressMap(flags),
        ...(flags.errors === undefined ? {} : {errorsPath: flags.errors}),
        drainTimeoutMs: flags['drain-timeout'],
        signal: this.signal,
        ...(metrics === undefined ? {} : {observer: metrics.requestObserver()}),
        started: (s) => {
          sink = s
        },
        onTransportError: (url, code, message) => {
          if (!this.signal.aborted)
            this.note(
              progress,
              `${url}: ${describeTransportError(code, message, tls.cert !== undefined || !url.startsWith('https:'))}; messages are requeued and retried`,
            )
        },
        events: {
          disconnected: (topic, address, error) => {
            metrics?.connectionLost(topic, address)
            if (!this.signal.aborted) this.note(progress, `${topic}: lost ${address}: ${error.message} (reconnecting)`)
          },
          connectFailed: (topic, address, error) =>
            this.note(progress, `${topic}: cannot connect to ${address}: ${error.message}; retrying`),
          lookupdError: (address, error) => this.note(progress, `lookupd ${address}: ${error.message}`),
          waiting: (wait) => this.note(progress, describeWait(wait)),
          topicAdded: (topic, consumer) => {
            metrics?.consumer(topic, consumer)
            if (pattern !== undefined) this.note(progress, `reading topic ${topic}`)
          },
          topicFailed: (topic, error) => this.note(progress, `warning: cannot read topic ${topic}: ${error.message}`),
        },
      })
      progress.stop()
      if (!this.jsonEnabled()) this.status(formatSummary(result.summary))
      return this.complete(result)
    } finally {
      progress.stop()
      await metrics?.close()
    }
  }

  private note(progress: {clear(): void}, line: string): void {
    progress.clear()
    this.status(line)
  }
}

/** One line on a request that got no response. */
export function describeTransportError(code: string, message: string, clientCertificate: boolean): string {
  if (CERTIFICATE_ERRORS.has(code)) {
    return `its TLS certificate is refused: ${message} (${code}); trust the CA that signed it with --http-tls-ca FILE (or skip verification with --http-tls-insecure)`
  }
  if (code === 'ECONNREFUSED') return `connection refused (${message})`
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return `no connection within --http-client-connect-timeout (${code})`
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return `no response within --http-client-request-timeout (${code})`
  const closed = code === 'UND_ERR_SOCKET' || code === 'ECONNRESET'
  const hint = closed && !clientCertificate ? ' (if it asks for a client certificate: --http-tls-cert and --http-tls-key)' : ''
  return `no response: ${message} (${code})${hint}`
}

function headerFromEnv(spec: string): [string, string] {
  const eq = spec.indexOf('=')
  const key = eq === -1 ? '' : spec.slice(0, eq).trim()
  const variable = eq === -1 ? '' : spec.slice(eq + 1).trim()
  if (key === '' || variable === '') throw new Error(`--header-from-env ${spec}: expected Key=VARIABLE`)
  const value = process.env[variable]
  if (value === undefined || value === '') throw new Error(`--header-from-env ${spec}: ${variable} is not set`)
  return parseHeader(`${key}: ${value}`, '--header-from-env')
}

/** The live status line: requests/s since the last redraw, latency, in flight, outcomes by class. */
export function statusLineRenderer(now: () => number = Date.now): (sink: HttpSink) => string {
  let last = {at: now(), requests: 0}
  return (sink) => {
    const s = sink.stats
    const at = now()
    const perSecond = at > last.at ? ((s.requests - last.requests) * 1000) / (at - last.at) : 0
    last = {at, requests: s.requests}
    const ms = sink.delivery.latencyMs()
    const latency = ms === null ? '' : ` · p50 ${ms.p50.toFixed(1)}ms p99 ${ms.p99.toFixed(1)}ms`
    const c = s.byClass
    return `to-http: ${Math.round(perSecond)} req/s${latency} · in flight ${sink.inFlight} · ${s.delivered} delivered · 2xx ${c['2xx']} 3xx ${c['3xx']} 4xx ${c['4xx']} 5xx ${c['5xx']} no response ${c.error}`
  }
}

function formatSummary(s: ToHttpSummary): string {
  const latency = s.latencyMs === null ? '' : `, latency p50 ${s.latencyMs.p50.toFixed(1)}ms p99 ${s.latencyMs.p99.toFixed(1)}ms`
  const c = s.byClass
  const errors = s.errorsFile === undefined ? '' : ` (${s.rejected} to ${s.errorsFile})`
  return `to-http: stopped: ${s.delivered} delivered, ${s.rejected} refused${errors}, ${s.finished} finished, ${s.requeued} requeued; ${s.requests} requests (2xx ${c['2xx']}, 3xx ${c['3xx']}, 4xx ${c['4xx']}, 5xx ${c['5xx']}, no response ${c.error}; ${s.retryAfter} Retry-After honoured, ${s.uncertain} possibly seen twice)${latency}${s.errorsFileFailure === undefined ? '' : `; errors file failed: ${s.errorsFileFailure}`}`
}
