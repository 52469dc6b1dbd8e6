/**
 * `nsq relay` without oclif: a {@link TopicSource} on the source cluster, one {@link RelaySink}
 * and {@link Pump} per source topic, and one {@link Publisher} per destination topic (found
 * directly or through the destination's lookupd, capped by its nsqd's limits). Runs until
 * stopped (Ctrl-C) or until the destination refuses for good; then drains: RDY 0, the batches
 * on their way are answered, what was acknowledged is FIN'd and the rest is REQ'd.
 */
import {NsqError, settledWithin, type AddressMap, type ConnectionSettings, type Consumer, type HttpOptions} from '../../core/index.js'
import type {PublishObserver} from '../metrics/observers.js'
import {discoverNsqd} from '../publish/discover.js'
import type {ErrorsFile} from '../publish/errors-file.js'
import {guessHttpAddress, resolveLimits, type NsqdLimits} from '../publish/nsqd-limits.js'
import {Publisher} from '../publish/publisher.js'
import type {Refusal} from '../publish/refusal.js'
import {EXIT, stoppedExitCode, type ExitCode, type ToolResult} from '../result.js'
import {Pump} from '../source/pump.js'
import type {Delivery, MessageSource} from '../source/sink.js'
import {sourceSelection, TopicSource, type SourceSelection, type SourceTimers, type TopicSourceEvents} from '../source/topic-source.js'
import {Pacer} from '../to-nsq/pacer.js'
import {JsonFilter, type JsonFilterOptions} from './json-filter.js'
import {RelaySink, RelayStopped, type InvalidPolicy, type RelaySinkStats} from './relay-sink.js'

/**
 * How messages are spread over several destination nsqd. `round-robin`, `hostpool` and
 * `epsilon-greedy` all mean: spread over the destination nsqd that are connected, leaving out one
 * that is down or refusing until it is back (nsq_to_nsq's hostpool behaviour; there is no
 * speed-weighting as in its epsilon-greedy: the pipelined window already sends more to the nsqd
 * that answers sooner). `fanout`: every message to every destination nsqd.
 */
export const RELAY_MODES = ['round-robin', 'hostpool', 'epsilon-greedy', 'fanout'] as const
export type RelayMode = (typeof RELAY_MODES)[number]

/** The destination topic for a source topic: `{topic}` in the template is the source topic's name; empty: the same name. */
export function destinationTopicFor(template: string | undefined, sourceTopic: string): string {
  if (template === undefined || template === '') return sourceTopic
  return template.replaceAll('{topic}', sourceTopic)
}

export interface RelayEvents extends Omit<TopicSourceEvents, 'topicAdded'> {
  /** A source topic is relayed (its consumer's counters are what `--metrics-address` reads). */
  topicAdded?(topic: string, destinationTopic: string, consumer: Consumer): void
  /** Publishing to the destination failed for now: holding (nothing FIN'd) and trying again. */
  held?(topic: string, error: Error): void
  resumed?(topic: string): void
  /** One destination nsqd refused for good and was left out; `remaining` still take publishes. */
  leftOut?(refusal: Refusal, remaining: number): void
  destinationLost?(address: string, error: NsqError | undefined): void
  invalid?(topic: string, id: string, error: string): void
}

export interface RelayOptions extends SourceSelection {
  destination: {
    nsqd: readonly string[]
    lookupd: readonly string[]
    /** `--destination-topic` (a name, or a template with `{topic}`). */
    topic?: string | undefined
    mode: RelayMode
    connection: ConnectionSettings
    http: HttpOptions
    addressMap?: AddressMap
    /** Most batches awaiting a destination's answer at once (default 16). */
    window?: number
  }
  batchSize: number
  lingerMs?: number
  filter: JsonFilterOptions
  onInvalid: InvalidPolicy
  errorsFile?: ErrorsFile
  /** Messages per second overall (0: unlimited). */
  rate: number
  /** How long a drain waits for outstanding publishes (ms). */
  drainTimeoutMs: number
  signal: AbortSignal
  timers?: SourceTimers
  /** Handed a reader of the live totals once the run starts (the status line). */
  onStats?(read: () => RelayLive): void
  events?: RelayEvents
  /** Told each destination batch's publish latency and outcome (`--metrics-address`). */
  publishObserver?: PublishObserver
}

/** Live totals (the status line). */
export interface RelayLive {
  /** Messages received from the source. */
  received: number
  /** Messages the destination acknowledged (FIN'd at the source). */
  relayed: number
  /** Messages received and not answered yet at the source (neither FIN'd nor REQ'd). */
  inFlight: number
  /** The source topics being relayed. */
  topics: string[]
}

/**
 * The MPUB batch size used: `--batch-size`, but at most a quarter of max-in-flight, so that
 * several batches are on their way to the destination while the source keeps delivering (a batch
 * as large as the window would leave the source idle until the destination answered for it).
 */
export function effectiveBatchSize(batchSize: number, maxInFlight: number): number {
  return Math.max(1, Math.min(batchSize, Math.ceil(maxInFlight / 4)))
}

/** Per source topic, in the summary. */
export interface RelayTopicSummary extends RelaySinkStats {
  destinationTopic: string
}

/** Per destination topic, in the summary. */
export interface RelayDestinationTopic {
  nsqd: string[]
  /** Source messages acknowledged for this destination topic. */
  relayed: number
  /** Messages each of its nsqd acknowledged. */
  published: Record<string, number>
}

/** The summary (`--json`). */
export interface RelaySummary {
  relayed: number
  bytes: number
  filtered: number
  invalid: number
  deadLettered: number
  /** Messages sent to the destination more than once or delivered by the source more than once: the destination may hold duplicates of these. */
  possibleDuplicates: number
  /** Messages REQ'd at the source at the end (not acknowledged by the destination in time). */
  requeued: number
  elapsedMs: number
  topics: Record<string, RelayTopicSummary>
  destination: {
    mode: RelayMode
    nsqd: string[]
    /** Messages each destination nsqd acknowledged (fanout: each counts every copy it took; resends count again). */
    published: Record<string, number>
    topics: Record<string, RelayDestinationTopic>
  }
  errorsFile?: string
  refused?: {nsqd?: string; code: string; error: string}
  stoppedBy?: {code: string; error: string}
}

export interface RelayResult extends ToolResult<RelaySummary> {
  refusal?: Refusal
  stoppedBy?: Error
}

interface Destination {
  publisher: Publisher
  nsqd: string[]
  limits: NsqdLimits
}

/** Runs the relay until `signal` aborts or the destination refuses for good. */
export async function runRelay(options: RelayOptions): Promise<RelayResult> {
  const events = options.events ?? {}
  const started = performance.now()
  const filter = new JsonFilter(options.filter)
  const dest = options.destination
  if (dest.nsqd.length === 0 && dest.lookupd.length === 0)
    throw new NsqError('CONFIG', '--destination-nsqd-tcp-address or --destination-lookupd-http-address required')
  /** Per destination topic, opened on first use: its publisher once connected, and the connection itself. */
  const openings = new Map<string, DestinationOpening>()
  const sinks = new Map<string, {sink: RelaySink; destinationTopic: string; consumer: Consumer}>()
  const pumps: Promise<unknown>[] = []
  const pacer = options.rate > 0 ? new Pacer(options.rate) : undefined
  let record = 0
  let stopping = false
  let fatal: Error | undefined
  let wake: () => void = () => undefined
  const ended = new Promise<void>((resolve) => {
    wake = resolve
  })
  const onAbort = (): void => wake()
  options.signal.addEventListener('abort', onAbort, {once: true})
  if (options.signal.aborted) wake()

  const openingFor = (topic: string): DestinationOpening => {
    let opening = openings.get(topic)
    if (opening === undefined) {
      opening = openDestination(options, topic, events)
      // Whoever waits only for the connection must not leave a refused destination unhandled.
      opening.destination.catch(() => undefined)
      openings.set(topic, opening)
    }
    return opening
  }
  const destinationFor = (topic: string): Promise<Destination> => openingFor(topic).destination
  /** Resolves once the destination topic's publisher is connected (or rejects: down, refusing). */
  const connectedFor = (topic: string): Promise<unknown> => openingFor(topic).connected

  const attach = async (topic: string, consumer: Consumer): Promise<void> => {
    const destinationTopic = destinationTopicFor(dest.topic, topic)
    let destination: Destination
    try {
      destination = await destinationFor(destinationTopic)
    } catch (error) {
      fatal ??= error instanceof Error ? error : new Error(String(error))
      wake()
      void consumer.stop({timeoutMs: 0})
      return
    }
    if (stopping) return
    events.topicAdded?.(topic, destinationTopic, consumer)
    const sink = new RelaySink({
      publisher: destination.publisher,
      batchSize: effectiveBatchSize(options.batchSize, options.maxInFlight),
      maxBodyBytes: destination.limits.maxBodyBytes,
      maxMessageBytes: Math.min(destination.limits.maxMessageBytes, destination.limits.maxBodyBytes - 8),
      ...(options.lingerMs === undefined ? {} : {lingerMs: options.lingerMs}),
      filter,
      onInvalid: options.onInvalid,
      ...(options.errorsFile === undefined ? {} : {deadLetters: options.errorsFile}),
      ...(options.timers === undefined ? {} : {timers: options.timers}),
      nextRecordNumber: () => ++record,
      events: {
        held: (error) => events.held?.(topic, error),
        resumed: () => events.resumed?.(topic),
        invalid: (message, error) => events.invalid?.(topic, message.id, error),
      },
    })
    sinks.set(topic, {sink, destinationTopic, consumer})
    const source: MessageSource<Delivery> =
      pacer === undefined
        ? consumer
        : {
            next: async () => {
              await pacer.take(1, options.signal).catch(() => undefined)
              return consumer.next()
            },
            stop: (o) => consumer.stop(o),
          }
    const pump = new Pump(source, sink, {
      onFatal: (error) => {
        // The drain's own give-up (REQ what the destination did not answer) is not a failure of the run.
        if (error !== ABANDONED) fatal ??= error
        wake()
      },
    })
    pumps.push(pump.run())
  }

  // eslint-disable-next-line @typescript-eslint/unbound-method -- only taken out of the spread, never called
  const {topicAdded: _announce, ...sourceEvents} = events
  void _announce
  const source = new TopicSource({
    ...sourceSelection(options),
    // A failed message is the end of the run (see RelaySink), never a reason to slow down.
    backoff: false,
    ...(options.timers === undefined ? {} : {timers: options.timers}),
    events: {...sourceEvents, topicAdded: (topic, consumer) => void attach(topic, consumer)},
  })

  options.onStats?.(() => {
    let relayed = 0
    let received = 0
    let inFlight = 0
    for (const {sink} of sinks.values()) relayed += sink.stats.relayed
    for (const consumer of source.consumers.values()) {
      const stats = consumer.stats
      received += stats.received
      inFlight += stats.inFlight
    }
    return {received, relayed, inFlight, topics: [...sinks.keys()]}
  })
  try {
    // The named topics' destinations connect first: a destination that is down or refuses fails the run before
    // anything is consumed. Their limits (nsqd's /info, which only caps batches) are read while the source starts.
    await Promise.all(options.topics.map((topic) => connectedFor(destinationTopicFor(dest.topic, topic))))
    const {failed} = await source.start()
    const [failure] = failed.values()
    if (failure !== undefined) throw failure
    await ended
  } catch (error) {
    fatal ??= error instanceof Error ? error : new Error(String(error))
  } finally {
    options.signal.removeEventListener('abort', onAbort)
  }

  // Drain: RDY 0 and stop discovery; the batches on their way get up to --drain-timeout to be
  // answered; what is left is REQ'd, and only then do the source connections close. nsqd does not
  // requeue a closed connection's in-flight messages before their msg-timeout (60 s by default), so
  // a REQ must go out on the connection the message came on. The consumers' own drain wait is the
  // upper bound on that: they close as soon as everything is answered.
  stopping = true
  source.stop()
  const consumers = [...source.consumers.values()]
  const sinkList = [...sinks.values()].map(({sink}) => sink)
  for (const sink of sinkList) sink.flush()
  const closed = consumers.map((consumer) => consumer.stop({timeoutMs: options.drainTimeoutMs + REQUEUE_GRACE_MS}))
  await settledWithin(Promise.all(sinkList.map((sink) => sink.drain())), options.drainTimeoutMs)
  for (const sink of sinkList) sink.abandon(ABANDONED)
  await Promise.all(closed)
  await Promise.all(pumps)
  const names = [...openings.keys()]
  const settled = await Promise.allSettled([...openings.values()].map((opening) => opening.destination))
  const opened = new Map(names.map((name, i) => [name, settled[i] as PromiseSettledResult<Destination>]))
  // Everything is answered at the source by now; a destination that stopped answering delays the exit by 1 s at most.
  await Promise.all(
    settled.map(async (o) =>
      o.status === 'fulfilled' ? o.value.publisher.close({timeoutMs: PUBLISHER_CLOSE_MS}).catch(() => undefined) : undefined,
    ),
  )
  options.errorsFile?.close()

  const refusal = settled.map((o) => (o.status === 'fulfilled' ? o.value.publisher.refusal : undefined)).find((r) => r !== undefined)
  const summary = await buildSummary(options, sinks, opened, consumers, started)
  if (refusal !== undefined)
    summary.refused = {...(refusal.nsqd === undefined ? {} : {nsqd: refusal.nsqd}), code: refusal.error.code, error: refusal.error.message}
  if (fatal !== undefined) summary.stoppedBy = {code: codeOf(fatal), error: fatal.message}
  return {
    summary,
    exitCode: exitCode(fatal, refusal),
    ...(refusal === undefined ? {} : {refusal}),
    ...(fatal === undefined ? {} : {stoppedBy: fatal}),
  }
}

/**
 * Opens a destination topic's publisher: `connected` settles when its connections are up (or
 * failed: down, refusing), `destination` once nsqd's limits are read too (in parallel; a failed
 * read falls back to nsqd's defaults, so only `connected` can fail it).
 */
/** Why the drain REQs what is still unanswered after --drain-timeout (a Ctrl-C with a stalled destination). */
const ABANDONED = new Error('stopped before the destination answered')

/** After the drain: how long the source connections stay open for the REQs of what was left. */
const REQUEUE_GRACE_MS = 5000
/** Then, how long a destination's publisher may take to close (its answers no longer matter). */
const PUBLISHER_CLOSE_MS = 1000

interface DestinationOpening {
  connected: Promise<unknown>
  destination: Promise<Destination>
}

function openDestination(options: RelayOptions, topic: string, events: RelayEvents): DestinationOpening {
  const dest = options.destination
  const found = (async (): Promise<{nsqd: string[]; http: string[]}> => {
    if (dest.lookupd.length === 0) return {nsqd: [...dest.nsqd], http: dest.nsqd.map(guessHttpAddress)}
    const nodes = await discoverNsqd(dest.lookupd, topic, dest.http, dest.addressMap, options.signal)
    return {nsqd: nodes.map((n) => n.tcpAddress), http: nodes.map((n) => n.httpAddress)}
  })()
  const limits = found.then(({http}) => resolveLimits(http, {}, {...dest.http, timeoutMs: 2000, signal: options.signal}))
  const connected = found.then(async ({nsqd}) => {
    const publisher = new Publisher({
      topic,
      nsqd,
      mode: dest.mode === 'fanout' ? 'fanout' : 'round-robin',
      settings: dest.connection,
      window: dest.window ?? 16,
      // One try per submit: the relay sink sends a failed batch again itself (after a pause, holding the source), so it counts every resend as a possible duplicate.
      maxAttempts: 1,
      probeIntervalMs: 1000,
      ...(options.publishObserver === undefined ? {} : {observer: options.publishObserver}),
      onRefused: (refusal, remaining) => {
        if (remaining > 0) events.leftOut?.(refusal, remaining)
      },
      events: {disconnected: (address, error) => events.destinationLost?.(address, error)},
    })
    try {
      await publisher.connect()
    } catch (error) {
      await publisher.close().catch(() => undefined)
      throw error
    }
    return {publisher, nsqd}
  })
  const destination = Promise.all([connected, limits]).then(([{publisher, nsqd}, read]) => ({publisher, nsqd, limits: read.limits}))
  return {connected, destination}
}

async function buildSummary(
  options: RelayOptions,
  sinks: ReadonlyMap<string, {sink: RelaySink; destinationTopic: string}>,
  opened: ReadonlyMap<string, PromiseSettledResult<Destination>>,
  consumers: readonly Consumer[],
  started: number,
): Promise<RelaySummary> {
  const topics: Record<string, RelayTopicSummary> = {}
  const destTopics: Record<string, RelayDestinationTopic> = {}
  const total = {relayed: 0, bytes: 0, filtered: 0, invalid: 0, deadLettered: 0, possibleDuplicates: 0}
  for (const [topic, {sink, destinationTopic}] of sinks) {
    const s = sink.stats
    topics[topic] = {...s, destinationTopic}
    total.relayed += s.relayed
    total.bytes += s.bytes
    total.filtered += s.filtered
    total.invalid += s.invalid
    total.deadLettered += s.deadLettered
    total.possibleDuplicates += s.republished + s.redelivered
    const entry = (destTopics[destinationTopic] ??= {nsqd: [], relayed: 0, published: {}})
    entry.relayed += s.relayed
  }
  // Destinations by their topic's name (a --topic-pattern adds topics, so no order lines them up).
  const published: Record<string, number> = {}
  for (const [destinationTopic, o] of opened) {
    if (o.status !== 'fulfilled') continue
    const entry = (destTopics[destinationTopic] ??= {nsqd: [], relayed: 0, published: {}})
    entry.nsqd = o.value.nsqd
    for (const address of o.value.nsqd) published[address] ??= 0
    for (const [address, count] of o.value.publisher.publishedByNsqd) {
      entry.published[address] = count
      published[address] = (published[address] ?? 0) + count
    }
  }
  return {
    ...total,
    requeued: consumers.reduce((sum, c) => sum + c.stats.requeued, 0),
    elapsedMs: Math.round(performance.now() - started),
    topics,
    destination: {mode: options.destination.mode, nsqd: Object.keys(published), published, topics: destTopics},
    ...(options.errorsFile === undefined ? {} : {errorsFile: options.errorsFile.path}),
  }
}

function codeOf(error: Error): string {
  if (error instanceof RelayStopped) return error.code
  if (error instanceof NsqError) return error.code
  return 'ERROR'
}

/** 69: the destination (or the source) refused or could not be reached; 1: another failure stopped the run; a Ctrl-C drain: 0 (a follower). */
function exitCode(fatal: Error | undefined, refusal: Refusal | undefined): ExitCode {
  if (refusal !== undefined) return EXIT.UNAVAILABLE
  if (fatal === undefined) return stoppedExitCode('follower')
  if (fatal instanceof NsqError && fatal.code !== 'CONFIG') return EXIT.UNAVAILABLE
  if (fatal instanceof NsqError) return EXIT.USAGE
  return EXIT.FAILURE
}
