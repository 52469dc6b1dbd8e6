/**
 * The consume side's topic source, once for every command: turns topics, `--topic-pattern`
 * (polled from nsqlookupd), nsqd or lookupd addresses and `--address-map` into a running set of
 * core Consumers, one per topic, and reports what happens through one typed event sink. What a
 * command does with each consumer (a pump into its sink) is the command's business.
 */
import {
  backoffDelay,
  Consumer,
  LookupdHttpClient,
  NODE_TIMERS,
  NsqError,
  type ConnectionSettings,
  type ConsumerOptions,
  type HttpOptions,
  type ProducerDiff,
  type TimerHandle,
  type Timers,
} from '../../core/index.js'

/**
 * Timer functions the source schedules its polls with; injected so tests drive time by hand.
 * The default is core's ref'd `NODE_TIMERS`: while nothing is found yet, the next poll is what
 * keeps a follower (to-file, tail) alive until it is stopped.
 */
export type SourceTimers = Timers

/** What the source is waiting for when there is nothing to consume yet. */
export type SourceWait =
  /** `--topic-pattern`: no topic lookupd lists matches yet. */
  | {readonly kind: 'topics'; readonly pattern: RegExp; readonly lookupd: readonly string[]}
  /** A named topic through lookupd: lookupd lists no nsqd for it yet (unknown topic, or not a lookupd). */
  | {readonly kind: 'producers'; readonly topic: string; readonly lookupd: readonly string[]}

/** Everything the source reports (commands turn these into stderr lines). */
export interface TopicSourceEvents {
  /** A consumer for this topic started; the command attaches it to its sink. */
  topicAdded?(topic: string, consumer: Consumer): void
  /** A topic found by `--topic-pattern` could not be consumed (named topics: see `start()`). */
  topicFailed?(topic: string, error: NsqError): void
  /** A named topic was left out because it does not match `--topic-pattern`. */
  topicSkipped?(topic: string, pattern: RegExp): void
  connected?(topic: string, address: string): void
  /** A connection was lost with an error (stalled, reset, nsqd killed); the consumer reconnects. */
  disconnected?(topic: string, address: string, error: NsqError): void
  /**
   * With lookupd: connecting to an nsqd it lists failed (retried with backoff). Said once per
   * nsqd address. With `--nsqd-tcp-address` a failure at start is what `start()` reports.
   */
  connectFailed?(topic: string, address: string, error: NsqError): void
  /** One lookupd could not be asked this round (the others still count). */
  lookupdError?(address: string, error: Error): void
  /** Nothing to consume yet: said once per wait, when the wait begins. */
  waiting?(wait: SourceWait): void
}

export interface TopicSourceOptions {
  /** Topics given by name (with a pattern: only those that match). */
  topics: readonly string[]
  /** Unanchored; with no named topic, every topic lookupd lists whose name matches is consumed. */
  topicPattern?: RegExp
  /** How often lookupd's /topics is asked again for `topicPattern` (ms, default 60000). */
  topicRefreshMs?: number
  channel: string
  nsqd: readonly string[]
  lookupd: readonly string[]
  maxInFlight: number
  connection: ConnectionSettings
  lookupdHttp?: HttpOptions
  /** How often each consumer asks lookupd for its topic's nsqd (ms; the Consumer's default when absent). */
  lookupdPollIntervalMs?: number
  addressMap?: ConsumerOptions['addressMap']
  /** The consumers' backoff on failed messages (`false`: none, as tail wants). */
  backoff?: ConsumerOptions['backoff']
  /** While nothing is found, lookupd is asked again after this, then twice as long each time up to the regular interval (ms, default 1000). */
  waitingPollFirstMs?: number
  timers?: SourceTimers
  events?: TopicSourceEvents
}

/**
 * What a consume → sink command tells its TopicSource (which topics, on which channel, from where,
 * how): the same fields for tail, relay and to-http, whose options extend this.
 */
export type SourceSelection = Pick<
  TopicSourceOptions,
  | 'topics'
  | 'topicPattern'
  | 'topicRefreshMs'
  | 'channel'
  | 'nsqd'
  | 'lookupd'
  | 'maxInFlight'
  | 'connection'
  | 'lookupdHttp'
  | 'lookupdPollIntervalMs'
  | 'addressMap'
>

/** The SourceSelection fields of a command's options, without the optional ones it left unset. */
export function sourceSelection(options: SourceSelection): SourceSelection {
  return {
    topics: options.topics,
    ...(options.topicPattern === undefined ? {} : {topicPattern: options.topicPattern}),
    ...(options.topicRefreshMs === undefined ? {} : {topicRefreshMs: options.topicRefreshMs}),
    channel: options.channel,
    nsqd: options.nsqd,
    lookupd: options.lookupd,
    maxInFlight: options.maxInFlight,
    connection: options.connection,
    ...(options.lookupdHttp === undefined ? {} : {lookupdHttp: options.lookupdHttp}),
    ...(options.lookupdPollIntervalMs === undefined ? {} : {lookupdPollIntervalMs: options.lookupdPollIntervalMs}),
    ...(options.addressMap === undefined ? {} : {addressMap: options.addressMap}),
  }
}

/** Delays of the polls while nothing is found: first, 2×, 4× … capped at `regular`. */
export function waitingDelay(attempt: number, firstMs: number, regularMs: number): number {
  return backoffDelay({initialMs: firstMs, maxMs: regularMs, jitter: 0}, attempt + 1, 0)
}

/**
 * Starts and tracks one Consumer per topic. Named topics start in `start()`; with a pattern and
 * no named topic, lookupd's /topics is polled (every `topicRefreshMs`, sooner while nothing
 * matches) and each new match gets a consumer. `stop()` ends discovery and goes quiet; the
 * consumers themselves are stopped by whoever reads them (their drain is the reader's to time).
 */
export class TopicSource {
  private readonly consumerMap = new Map<string, Consumer>()
  private readonly starting = new Set<string>()
  private readonly connectFailures = new Set<string>()
  private readonly timers: SourceTimers
  private readonly abort = new AbortController()
  private readonly events: TopicSourceEvents
  private discoveryTimer: unknown
  private discoveryAttempt = 0
  private readonly producerTimers = new Map<string, TimerHandle>()
  private topicsWaitSaid = false
  private stopped = false

  constructor(private readonly options: TopicSourceOptions) {
    this.timers = options.timers ?? NODE_TIMERS
    this.events = options.events ?? {}
  }

  /** The running consumers, by topic. */
  get consumers(): ReadonlyMap<string, Consumer> {
    return this.consumerMap
  }

  /** True when topics come from `--topic-pattern` discovery (no topic named). */
  get discovering(): boolean {
    return this.options.topicPattern !== undefined && this.options.topics.length === 0
  }

  /**
   * Starts a consumer per named topic (in parallel) and, when discovering, runs the first
   * lookupd round. Resolves with the named topics kept (those matching the pattern) and those
   * of them that could not be consumed at all (every nsqd refused, say), each with its error:
   * the command decides whether that ends the run.
   */
  async start(): Promise<{named: string[]; failed: Map<string, NsqError>}> {
    const {topics, topicPattern} = this.options
    const named = topics.filter((topic) => {
      const keep = topicPattern === undefined || topicPattern.test(topic)
      if (!keep) this.events.topicSkipped?.(topic, topicPattern)
      return keep
    })
    const failures = new Map<string, NsqError>()
    await Promise.all(
      named.map(async (topic) => {
        const error = await this.add(topic)
        if (error !== undefined) failures.set(topic, error)
      }),
    )
    if (this.discovering) await this.discover()
    return {named, failed: failures}
  }

  /** Ends discovery and quick re-polls, and silences the events; consumers keep running. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.abort.abort()
    if (this.discoveryTimer !== undefined) this.timers.clearTimeout(this.discoveryTimer)
    this.discoveryTimer = undefined
    for (const timer of this.producerTimers.values()) this.timers.clearTimeout(timer)
    this.producerTimers.clear()
  }

  /** One /topics round over every lookupd; each new matching topic gets a consumer. Schedules the next. */
  private async discover(): Promise<void> {
    const {lookupd, topicPattern, lookupdHttp} = this.options
    const clients = lookupd.map((address) => new LookupdHttpClient(address, lookupdHttp))
    const answers = await Promise.allSettled(clients.map((client) => client.topics(this.abort.signal)))
    if (this.stopped) return
    const found = new Set<string>()
    answers.forEach((answer, index) => {
      if (answer.status === 'fulfilled') for (const topic of answer.value) found.add(topic)
      else this.events.lookupdError?.((clients[index] as LookupdHttpClient).address, answer.reason as Error)
    })
    const fresh = [...found].sort().filter((t) => !this.consumerMap.has(t) && !this.starting.has(t) && topicPattern?.test(t) === true)
    for (const topic of fresh) {
      const error = await this.add(topic)
      if (error !== undefined && !this.stopped) this.events.topicFailed?.(topic, error)
    }
    if (this.stopped) return
    const refreshMs = this.options.topicRefreshMs ?? 60_000
    let delay = refreshMs
    if (this.consumerMap.size === 0 && this.starting.size === 0) {
      if (!this.topicsWaitSaid && topicPattern !== undefined) {
        this.topicsWaitSaid = true
        this.events.waiting?.({kind: 'topics', pattern: topicPattern, lookupd})
      }
      delay = waitingDelay(this.discoveryAttempt++, this.options.waitingPollFirstMs ?? 1000, refreshMs)
    }
    this.discoveryTimer = this.timers.setTimeout(() => {
      this.discoveryTimer = undefined
      void this.discover()
    }, delay)
  }

  /** Starts the topic's consumer; resolves with the error when it could not start. */
  private async add(topic: string): Promise<NsqError | undefined> {
    this.starting.add(topic)
    const consumer = this.createConsumer(topic)
    try {
      await consumer.start()
    } catch (error) {
      return error instanceof NsqError ? error : new NsqError('CONNECTION_FAILED', String(error))
    } finally {
      this.starting.delete(topic)
    }
    if (this.stopped) {
      // Stopped while it was starting: nobody will read it.
      void consumer.stop({timeoutMs: 0})
      return undefined
    }
    this.consumerMap.set(topic, consumer)
    this.events.topicAdded?.(topic, consumer)
    if (this.options.lookupd.length > 0 && consumer.producers.size === 0) {
      this.events.waiting?.({kind: 'producers', topic, lookupd: this.options.lookupd})
      this.pollProducersSoon(topic, consumer, 0)
    }
    return undefined
  }

  /** Lookupd lists no nsqd for the topic yet: ask again at 1, 2, 4 … s instead of at the next regular poll. */
  private pollProducersSoon(topic: string, consumer: Consumer, attempt: number): void {
    if (this.stopped) return
    const regular = this.options.lookupdPollIntervalMs ?? 60_000
    const delay = waitingDelay(attempt, this.options.waitingPollFirstMs ?? 1000, regular)
    // At the regular interval the consumer's own poller is as quick.
    if (attempt > 0 && delay >= regular) return
    this.producerTimers.set(
      topic,
      this.timers.setTimeout(() => {
        this.producerTimers.delete(topic)
        void consumer.pollLookupd().then(() => {
          if (consumer.producers.size === 0) this.pollProducersSoon(topic, consumer, attempt + 1)
        })
      }, delay),
    )
  }

  private onDiscovered(topic: string, diff: ProducerDiff): void {
    if (diff.added.length === 0) return
    const timer = this.producerTimers.get(topic)
    if (timer === undefined) return
    this.timers.clearTimeout(timer)
    this.producerTimers.delete(topic)
  }

  private createConsumer(topic: string): Consumer {
    const {options, events} = this
    return new Consumer({
      ...options.connection,
      topic,
      channel: options.channel,
      nsqd: options.nsqd,
      lookupd: options.lookupd,
      maxInFlight: options.maxInFlight,
      ...(options.backoff === undefined ? {} : {backoff: options.backoff}),
      ...(options.lookupdHttp === undefined ? {} : {lookupdHttp: options.lookupdHttp}),
      ...(options.lookupdPollIntervalMs === undefined ? {} : {lookupdPollIntervalMs: options.lookupdPollIntervalMs}),
      ...(options.addressMap === undefined ? {} : {addressMap: options.addressMap}),
      events: {
        connected: (address) => {
          if (!this.stopped) events.connected?.(topic, address)
        },
        disconnected: (address, error) => {
          if (error !== undefined && !this.stopped) events.disconnected?.(topic, address, error)
        },
        connectFailed: (address, error) => {
          // With --nsqd-tcp-address a failure at start is start()'s to report; with lookupd, once per nsqd.
          if (options.lookupd.length === 0 || this.stopped || this.connectFailures.has(address)) return
          this.connectFailures.add(address)
          events.connectFailed?.(topic, address, error)
        },
        lookupdError: (address, error) => {
          if (!this.stopped) events.lookupdError?.(address, error)
        },
        discovered: (diff) => this.onDiscovered(topic, diff),
      },
    })
  }
}
