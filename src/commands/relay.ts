import {Flags} from '@oclif/core'
import {NsqCommand, flagInfos, toCliError} from '../cli/base-command.js'
import type {DropInSpec} from '../cli/drop-in.js'
import {relayDropIn} from '../cli/drop-in-specs.js'
import {EXIT, exitCodesHelp} from '../cli/exit-codes.js'
import {applyDestinationContext, destinationContextFlag} from '../cli/destination-context.js'
import {forDestination} from '../cli/hints.js'
import {
  addressMap,
  connectionSettings,
  destinationFlags,
  destinationValues,
  durationFlag,
  httpOptions,
  liveness,
  lookupdHttpAddressFlag,
  nsqdTcpAddressFlag,
  securityFlags,
} from '../cli/flags.js'
import {metricsFlags, openMetrics} from '../cli/metrics.js'
import {startProgressLine, type ProgressLine} from '../cli/progress-line.js'
import {NsqError, describeInvalidName} from '../core/index.js'
import {ErrorsFile} from '../tools/publish/errors-file.js'
import {classifyPublishError} from '../tools/publish/refusal.js'
import {RELAY_MODES, runRelay, type RelayLive, type RelayResult, type RelaySummary} from '../tools/relay/run-relay.js'
import {sourceDepth} from '../tools/relay/source-depth.js'
import {describeWait} from '../tools/source/describe-wait.js'
import {compileTopicPattern} from '../tools/tail/validate.js'
import {formatCount} from '../tools/format-count.js'

export default class Relay extends NsqCommand<typeof Relay> {
  static override summary = 'Copy topics from one NSQ cluster to another (drop-in: nsq_to_nsq)'
  static override leanHeap = 'throughput' as const

  static override description = [
    'Consumes --topic (repeatable) or every topic matching --topic-pattern from the source cluster on --channel and publishes',
    'each message to the destination cluster (--destination-nsqd-tcp-address, or --destination-lookupd-http-address: the nsqd',
    'lookupd lists for the destination topic, or any it knows when none carries it yet), in pipelined MPUB batches capped by the',
    "destination's --max-msg-size / --max-body-size. A source message is FIN'd only after the destination answered OK for it",
    '(fanout: after every destination did).',
    '',
    '--destination-topic NAME publishes everything to NAME; a template such as "{topic}-copy" names it after the source topic.',
    '--mode: round-robin, hostpool and epsilon-greedy all spread over the destination nsqd that are up, leaving out one that is',
    'down or refusing until it is back (failover); fanout publishes every message to every destination nsqd.',
    '',
    "When no destination takes messages (all down, stalled): hold. Nothing is FIN'd, no more is read, the messages in flight stay",
    'in flight at the source (TOUCHed) and are sent again until a destination is back. Nothing is dropped for its attempt count.',
    "A message the destination can never take (over its --max-msg-size, E_BAD_MESSAGE) goes to --errors FILE (to-nsq's NDJSON,",
    "replayable with `nsq to-nsq --input-format json`) and is FIN'd once written; without --errors it stops the run.",
    '',
    "JSON filters (nsq_to_nsq's names): --require-json-field KEY passes objects that carry KEY, with --require-json-value V only",
    'when it holds the string V or the number V; --whitelist-json-field K (repeatable) publishes an object of only those keys, cut',
    "from the original text (order, big numbers and escaping kept). Filtered messages are FIN'd and counted. A body that is not a",
    "JSON object: --on-invalid skip (count it, FIN), fail (stop, the message is REQ'd) or errors (into --errors, then FIN).",
    '',
    'The destination has its own TLS, AUTH and compression flags (--destination-tls …, env NSQ_DESTINATION_*), and',
    '--destination-context NAME takes them, and its addresses, from a named context (nsq context add); --destination-* flags and',
    "their env vars win over it. --context (or the current context) applies to the source only. The destination lookupd's",
    'HTTP Authorization comes from --destination-http-auth-file or NSQ_DESTINATION_HTTP_AUTH, never from NSQ_HTTP_AUTH.',
    "A destination that refuses for good (TLS required, AUTH denied) stops the run: exit 69 with nsqd's reason and a hint;",
    "what was not acknowledged is REQ'd. Ctrl-C drains (RDY 0, wait for outstanding publishes, FIN what was acknowledged,",
    'REQ the rest), prints the summary and exits 0.',
    '',
    'On a terminal a status line shows the rates in and out, messages in flight and the lag: messages still queued on the',
    "source channel (nsqd's /stats; with --nsqd-tcp-address its HTTP port is taken as the TCP port + 1, nsqd's default).",
    '',
    exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.USAGE, EXIT.UNAVAILABLE, EXIT.INTERRUPTED], {
      [EXIT.OK]: 'ok (also after a Ctrl-C drain)',
      [EXIT.UNAVAILABLE]: 'the source or every destination unreachable, or a destination refusing for good',
      [EXIT.INTERRUPTED]: 'a second Ctrl-C',
    }),
  ].join('\n')

  static override examples = [
    {
      description: 'Copy the "events" topic from one datacenter to another',
      command:
        '<%= config.bin %> <%= command.id %> --topic events --lookupd-http-address dc1:4161 --destination-lookupd-http-address dc2:4161',
    },
    {
      description: 'Every topic starting with "orders." into a staging cluster, renamed',
      command:
        "<%= config.bin %> <%= command.id %> --topic-pattern '^orders\\.' --lookupd-http-address prod:4161 --destination-nsqd-tcp-address staging:4150 --destination-topic '{topic}-copy'",
    },
    {
      description: 'Only messages of type "signup", keeping two fields',
      command:
        '<%= config.bin %> <%= command.id %> --topic users --nsqd-tcp-address 127.0.0.1:4150 --destination-nsqd-tcp-address central:4150 --require-json-field type --require-json-value signup --whitelist-json-field id --whitelist-json-field email',
    },
  ]

  static override enableJsonFlag = true

  static override flags = {
    topic: Flags.string({summary: 'source topic; repeatable (one consumer per topic)', multiple: true, multipleNonGreedy: true}),
    'topic-pattern': Flags.string({
      summary: 'also relay every topic lookupd lists whose name matches this regex (filters --topic when given)',
    }),
    'topic-refresh': durationFlag({summary: "how often lookupd's topic list is read again for --topic-pattern", default: 60_000}),
    channel: Flags.string({char: 'c', summary: 'source channel', default: 'nsq_to_nsq'}),
    'nsqd-tcp-address': nsqdTcpAddressFlag,
    'lookupd-http-address': lookupdHttpAddressFlag,
    'destination-topic': Flags.string({summary: "destination topic, or a template with {topic} (default: the source topic's name)"}),
    mode: Flags.option({
      options: RELAY_MODES,
      default: 'hostpool',
      summary: 'round-robin | hostpool | epsilon-greedy: spread with failover; fanout: every message to every destination nsqd',
    })(),
    'max-in-flight': Flags.integer({
      summary: "messages in flight per source topic (nsq_to_nsq's default is 200; 1000 keeps several MPUBs on their way)",
      default: 1000,
      min: 1,
    }),
    'batch-size': Flags.integer({min: 1, default: 200, summary: 'most messages per MPUB (at most a quarter of --max-in-flight)'}),
    'batch-linger': durationFlag({default: 5, defaultHelp: async () => '5ms', summary: 'send a partial batch after this long'}),
    rate: Flags.integer({min: 0, default: 0, summary: 'at most this many messages per second overall (0 = unlimited)'}),
    'require-json-field': Flags.string({summary: 'only relay JSON objects that carry this top-level key'}),
    'require-json-value': Flags.string({summary: 'with --require-json-field: only when the key holds this value (string or number)'}),
    'whitelist-json-field': Flags.string({summary: 'publish an object of only these top-level keys; repeatable', multiple: true}),
    'on-invalid': Flags.option({
      options: ['skip', 'fail', 'errors'] as const,
      default: 'fail',
      summary: 'a body that is not a JSON object while a JSON filter is on: count and FIN (skip), stop (fail), or into --errors',
    })(),
    errors: Flags.string({summary: 'write messages the destination can never take to this file (NDJSON, as to-nsq)'}),
    'drain-timeout': durationFlag({summary: 'on stop, longest wait for outstanding publishes', default: 30_000}),
    ...securityFlags,
    ...liveness,
    ...destinationFlags,
    ...destinationContextFlag,
    ...metricsFlags,
  }

  /** nsq_to_nsq's Go-style flags; `-producer-opt` / `-consumer-opt` carry over where we have a flag. */
  static dropIn: DropInSpec = relayDropIn

  /** The context `--destination-context` applied to the --destination-* flags, if any. */
  private destinationContext: ReturnType<typeof applyDestinationContext>

  async run(): Promise<RelaySummary> {
    const {flags} = this
    this.destinationContext = applyDestinationContext(flags, this.argv, flagInfos(Relay.flags))
    const topics = flags.topic ?? []
    const nsqd = flags['nsqd-tcp-address'] ?? []
    const lookupd = flags['lookupd-http-address'] ?? []
    const destNsqd = flags['destination-nsqd-tcp-address'] ?? []
    const destLookupd = flags['destination-lookupd-http-address'] ?? []
    if (topics.length === 0 && flags['topic-pattern'] === undefined) this.usage('--topic or --topic-pattern required')
    if (topics.length === 0 && lookupd.length === 0) this.usage('--topic-pattern needs --lookupd-http-address')
    if (nsqd.length === 0 && lookupd.length === 0) this.usage('--nsqd-tcp-address or --lookupd-http-address required')
    if (nsqd.length > 0 && lookupd.length > 0) this.usage('use --nsqd-tcp-address or --lookupd-http-address, not both')
    if (destNsqd.length === 0 && destLookupd.length === 0)
      this.usage('--destination-nsqd-tcp-address or --destination-lookupd-http-address required')
    if (destNsqd.length > 0 && destLookupd.length > 0)
      this.usage('use --destination-nsqd-tcp-address or --destination-lookupd-http-address, not both')
    for (const topic of topics) {
      const invalid = describeInvalidName('topic', topic)
      if (invalid !== undefined) this.usage(invalid)
    }
    const channelInvalid = describeInvalidName('channel', flags.channel)
    if (channelInvalid !== undefined) this.usage(channelInvalid)
    const template = flags['destination-topic']
    if (template !== undefined) {
      const invalid = describeInvalidName('topic', template.replaceAll('{topic}', 'x'))
      if (invalid !== undefined) this.usage(`--destination-topic: ${invalid}`)
    }
    if (flags['require-json-value'] !== undefined && flags['require-json-field'] === undefined)
      this.usage('--require-json-value needs --require-json-field')
    if (flags['on-invalid'] === 'errors' && flags.errors === undefined) this.usage('--on-invalid errors needs --errors FILE')
    let pattern: RegExp | undefined
    try {
      pattern = flags['topic-pattern'] === undefined ? undefined : compileTopicPattern(flags['topic-pattern'])
    } catch (error) {
      this.usage((error as Error).message)
    }
    let errorsFile: ErrorsFile | undefined
    if (flags.errors !== undefined) {
      try {
        errorsFile = new ErrorsFile(flags.errors)
      } catch (error) {
        this.usage(`--errors ${flags.errors}: ${(error as Error).message}`)
      }
    }
    const dest = destinationValues(flags)
    const metrics = await openMetrics(flags['metrics-address'], 'relay', (line) => this.status(line))
    const invalidSaid = {count: 0}
    const refusedSaid = new Set<string>()
    let live: (() => RelayLive) | undefined
    const status = new RelayStatus()
    const progress: ProgressLine = startProgressLine({
      enabled: !flags.quiet && !this.jsonEnabled(),
      intervalMs: 500,
      render: () => status.render(live?.() ?? {received: 0, relayed: 0, inFlight: 0, topics: []}, performance.now()),
    })
    // The lag (source depth) is read from nsqd's /stats every few seconds, only while the line is drawn.
    let depthTimer: NodeJS.Timeout | undefined
    if (progress.active) {
      let reading = false
      const depthOptions = {
        channel: flags.channel,
        nsqd,
        lookupd,
        http: httpOptions(flags),
        addressMap: addressMap(flags),
        signal: this.signal,
      }
      depthTimer = setInterval(() => {
        const topicsNow = live?.().topics ?? []
        if (reading || topicsNow.length === 0) return
        reading = true
        void sourceDepth(topicsNow, depthOptions).then((depth) => {
          status.depth = depth
          reading = false
        })
      }, 2000)
      depthTimer.unref()
    }
    const say = (line: string): void => {
      progress.clear()
      this.status(line)
    }
    let result: RelayResult
    try {
      result = await runRelay({
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
        destination: {
          nsqd: destNsqd,
          lookupd: destLookupd,
          topic: template,
          mode: flags.mode,
          connection: connectionSettings({...dest, 'heartbeat-interval': flags['heartbeat-interval']}),
          http: httpOptions(dest),
          addressMap: addressMap(dest),
        },
        batchSize: flags['batch-size'],
        lingerMs: flags['batch-linger'],
        filter: {
          requireField: flags['require-json-field'],
          requireValue: flags['require-json-value'],
          whitelist: flags['whitelist-json-field'] ?? [],
        },
        onInvalid: flags['on-invalid'],
        ...(errorsFile === undefined ? {} : {errorsFile}),
        rate: flags.rate,
        drainTimeoutMs: flags['drain-timeout'],
        signal: this.signal,
        ...(metrics === undefined ? {} : {publishObserver: metrics.publishObserver()}),
        onStats: (stats) => {
          live = stats
        },
        events: {
          topicAdded: (topic, destinationTopic, consumer) => {
            metrics?.consumer(topic, consumer)
            say(`relaying ${topic} → ${destinationTopic}`)
          },
          held: (topic, error) => say(`${topic}: destination not taking messages (${error.message}): holding, nothing FIN'd; retrying`),
          resumed: (topic) => say(`${topic}: destination back: relaying again`),
          leftOut: (refusal, remaining) => {
            const address = refusal.nsqd ?? ''
            // Said once per nsqd: the refusal itself may already have been said when its connection closed.
            if (refusedSaid.has(address)) say(`destination nsqd ${address} left out; going on with the other ${remaining}`)
            else
              say(
                `destination nsqd ${address} refused publishing (${refusal.error.message}): left out; going on with the other ${remaining}`,
              )
            refusedSaid.add(address)
          },
          destinationLost: (address, error) => {
            if (error === undefined || this.signal.aborted) return
            if (classifyPublishError(error) !== 'refused') {
              say(`lost destination ${address}: ${error.message} (reconnecting)`)
              return
            }
            // A refusal (TLS required, AUTH denied…) is not a passing loss: say it once, as what it is.
            if (refusedSaid.has(address)) return
            refusedSaid.add(address)
            const hints = toCliError(error).suggestions ?? []
            say(
              `destination nsqd ${address} refused publishing: ${error.message}${hints.length > 0 ? ` (hint: ${hints.map(forDestination).join('; ')})` : ''}`,
            )
          },
          invalid: (topic, id, error) => {
            if (invalidSaid.count++ < 5) say(`${topic}: message ${id} is not a JSON object (${error}); --on-invalid ${flags['on-invalid']}`)
          },
          disconnected: (topic, address, error) => {
            metrics?.connectionLost(topic, address)
            if (!this.signal.aborted) say(`${topic}: lost source ${address}: ${error.message} (reconnecting)`)
          },
          connectFailed: (topic, address, error) => {
            if (!this.signal.aborted) say(`${topic}: cannot connect to source ${address}: ${error.message}; retrying`)
          },
          lookupdError: (address, error) => say(`lookupd ${address}: ${error.message}`),
          waiting: (wait) => say(describeWait(wait)),
          topicFailed: (topic, error) => say(`warning: cannot read topic ${topic}: ${error.message}`),
        },
      })
    } finally {
      if (depthTimer !== undefined) clearInterval(depthTimer)
      progress.stop()
      await metrics?.close()
    }
    const {summary} = result
    if (!this.jsonEnabled()) this.status(formatRelaySummary(summary))
    const stopped = result.refusal?.error ?? result.stoppedBy
    if (stopped !== undefined) {
      process.stderr.write(`Error: ${result.stoppedBy?.message ?? stopped.message}\n`)
      // A refusal came from the destination: its hints name the --destination-* flags.
      const hints = stopped instanceof NsqError ? (toCliError(stopped).suggestions ?? []) : []
      for (const hint of hints) process.stderr.write(`hint: ${result.refusal === undefined ? hint : forDestination(hint)}\n`)
      const context = this.destinationContext?.stored.name
      if (result.refusal !== undefined && context !== undefined)
        process.stderr.write(`hint: destination settings came from context "${context}" (nsq context show ${context} lists them)\n`)
    }
    return this.complete(result)
  }
}

/** The one-paragraph summary on stderr. */
export function formatRelaySummary(summary: RelaySummary): string {
  const n = formatCount
  const lines = [
    `relay: ${n(summary.relayed)} relayed, ${n(summary.filtered)} filtered, ${n(summary.invalid)} not JSON, ${n(summary.deadLettered)} to the errors file, ${n(summary.requeued)} requeued; ${n(summary.possibleDuplicates)} possible duplicates; ${(summary.elapsedMs / 1000).toFixed(1)}s`,
  ]
  for (const [topic, stats] of Object.entries(summary.topics))
    lines.push(`  ${topic} → ${stats.destinationTopic}: ${n(stats.relayed)} relayed (${n(stats.bytes)} bytes)`)
  for (const [topic, dest] of Object.entries(summary.destination.topics))
    lines.push(`  destination ${topic} (${summary.destination.mode}: ${dest.nsqd.join(', ')}): ${n(dest.relayed)}`)
  for (const [address, count] of Object.entries(summary.destination.published))
    lines.push(`  destination nsqd ${address}: ${n(count)} published`)
  return lines.join('\n')
}

/**
 * The status line: rates in (received from the source) and out (acknowledged by the destination)
 * over the last redraw period, messages in flight at the source (received, neither FIN'd nor
 * REQ'd yet) and the lag: messages still queued at the source channel (nsqd's /stats depth plus
 * deferred, read every few seconds; "?" until read or when an nsqd did not answer).
 */
export class RelayStatus {
  private last: {at: number; received: number; relayed: number} | undefined
  /** The last source depth read. */
  depth: number | undefined

  render(live: RelayLive, now: number): string {
    const last = this.last ?? {at: now, received: 0, relayed: 0}
    const secs = (now - last.at) / 1000
    const rate = (delta: number): string => formatCount(secs > 0 ? Math.round(delta / secs) : 0)
    this.last = {at: now, received: live.received, relayed: live.relayed}
    const n = formatCount
    return `${n(live.relayed)} relayed · in ${rate(live.received - last.received)} msg/s · out ${rate(live.relayed - last.relayed)} msg/s · ${n(live.inFlight)} in flight · lag ${this.depth === undefined ? '?' : n(this.depth)} queued at the source`
  }
}
