import {Connection} from '../connection/connection.js'
import type {ConnectionSettings} from '../connection/settings.js'
import {NsqError, type ServerError} from '../errors.js'
import {encodeCls, encodeRdy, encodeReq, encodeTouch} from '../protocol/commands.js'
import {describeInvalidName} from '../protocol/names.js'
import type {RawMessage} from '../protocol/message.js'
import {AddressMap} from '../discovery/address-map.js'
import {LookupdPoller, type ProducerDiff} from '../discovery/lookupd-poller.js'
import type {HttpOptions} from '../http/request.js'
import type {BackoffPolicy} from '../util/backoff.js'
import {formatHostPort, parseHostPort} from '../util/address.js'
import {Fifo} from '../util/fifo.js'
import {systemClock, UNREF_TIMERS, type Clock, type TimerHandle, type Timers} from '../util/time.js'
import {DEFAULT_CONSUMER_BACKOFF, INITIAL_BACKOFF, nextBackoff, type BackoffConfig, type BackoffState} from './backoff.js'
import {Message, type MessageResponder} from './message.js'
import {planRdy} from './rdy-planner.js'
import {TargetSet, type Link as TargetLink, type Target as TargetOf} from './targets.js'

export interface ConsumerEvents {
  connected?(address: string): void
  disconnected?(address: string, error: NsqError | undefined): void
  /** Connecting (or subscribing) to this nsqd failed; it is retried with backoff while wanted. */
  connectFailed?(address: string, error: NsqError): void
  lookupdError?(address: string, error: NsqError): void
  /** The set of nsqd carrying the topic changed (lookupd mode). */
  discovered?(diff: ProducerDiff): void
  /** FIN/REQ/TOUCH refused by nsqd (usually: the message had already timed out). */
  nonFatalError?(address: string, error: ServerError): void
  /** A message over maxAttempts was finished without being delivered (policy 'finish'). */
  gaveUp?(message: Message): void
}

export interface ConsumerOptions extends ConnectionSettings {
  topic: string
  channel: string
  /** nsqd TCP addresses to consume from directly. */
  nsqd?: readonly string[]
  /** nsqlookupd HTTP addresses to discover nsqd from. */
  lookupd?: readonly string[]
  /** Most messages in flight across all connections (default 200). */
  maxInFlight?: number
  /** Lookupd poll period, ms (default 60000), jittered by `lookupdPollJitter` (0.3). */
  lookupdPollIntervalMs?: number
  lookupdPollJitter?: number
  lookupdHttp?: HttpOptions
  /** Backoff on requeue-with-backoff; `false` turns it off (tail does not want it). */
  backoff?: BackoffConfig | false
  /** Deliveries after which a message goes to `maxAttemptsPolicy` (0 = no limit, the default). */
  maxAttempts?: number
  /** 'deliver': hand it over flagged `overMaxAttempts`; 'finish': FIN it and report `gaveUp`. */
  maxAttemptsPolicy?: 'deliver' | 'finish'
  /** Reconnect delays for lost or unreachable nsqd. */
  reconnectBackoff?: BackoffPolicy
  /** How long a connection holds RDY when there are more connections than max-in-flight, ms. */
  rdyRotateMs?: number
  /** Where to dial the nsqd lookupd reports (or that are given) instead (see {@link AddressMap}). */
  addressMap?: AddressMap
  events?: ConsumerEvents
  random?: () => number
  /** Time for RDY planning (rotation, `since`) and backoff pauses (default `Date.now`). */
  clock?: Clock
  /**
   * Timers for backoff pauses and reconnects (default core's unref'd timers: a pending backoff
   * or reconnect never keeps the process alive by itself).
   */
  timers?: Timers
}

/** What `stop()` did with the messages in flight. */
export interface DrainSummary {
  finished: number
  requeued: number
  /** Messages still unanswered at the deadline: nsqd redelivers them after its msg-timeout. */
  leftToTimeOut: number
}

export interface ConsumerStats {
  received: number
  finished: number
  requeued: number
  touched: number
  gaveUp: number
  reconnects: number
  inFlight: number
  connections: number
}

const NO_PRODUCERS: ReadonlySet<string> = new Set()

type Target = TargetOf<Connection>
type Link = TargetLink<Connection>

/**
 * Consumes one (topic, channel) from nsqd given directly and/or discovered through nsqlookupd.
 * Messages come out of an async iterator; each must be finished or requeued. Max-in-flight is
 * spread as RDY across connections (rotating when there are more connections than slots); lost
 * connections come back with jittered exponential backoff; `stop()` drains gracefully.
 */
export class Consumer implements AsyncIterable<Message> {
  private readonly targets: TargetSet<Connection>
  private readonly queue = new Fifo<Message>()
  private waiter: ((result: IteratorResult<Message>) => void) | undefined
  private poller: LookupdPoller | undefined
  private backoffState: BackoffState = INITIAL_BACKOFF
  private backoffTimer: TimerHandle | undefined
  private planTimer: NodeJS.Timeout | undefined
  private stopping: Promise<DrainSummary> | undefined
  private drainWake: (() => void) | undefined
  private started = false
  private readonly maxInFlight: number
  private readonly backoffConfig: BackoffConfig | false
  private readonly random: () => number
  private readonly clock: Clock
  private readonly timers: Timers
  private readonly events: ConsumerEvents
  private readonly counters = {received: 0, finished: 0, requeued: 0, touched: 0, gaveUp: 0, inFlight: 0}

  constructor(private readonly options: ConsumerOptions) {
    const invalid = describeInvalidName('topic', options.topic) ?? describeInvalidName('channel', options.channel)
    if (invalid !== undefined) throw new NsqError('CONFIG', invalid)
    if ((options.nsqd?.length ?? 0) === 0 && (options.lookupd?.length ?? 0) === 0) {
      throw new NsqError('CONFIG', 'give at least one nsqd TCP address or nsqlookupd HTTP address')
    }
    this.maxInFlight = options.maxInFlight ?? 200
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 0)
      throw new NsqError('CONFIG', `invalid max-in-flight ${this.maxInFlight}`)
    this.backoffConfig = options.backoff === undefined ? DEFAULT_CONSUMER_BACKOFF : options.backoff
    const pollMs = options.lookupdPollIntervalMs ?? 60_000
    this.random = options.random ?? Math.random
    this.clock = options.clock ?? systemClock
    this.timers = options.timers ?? UNREF_TIMERS
    this.events = options.events ?? {}
    this.targets = new TargetSet<Connection>({
      reconnect: options.reconnectBackoff ?? {initialMs: 200, maxMs: Math.min(30_000, pollMs), jitter: 0.5},
      // Given directly: never retired by lookupd, however the address was written (start() rejects invalid ones).
      pinned: new Set(
        (options.nsqd ?? []).flatMap((a) => {
          try {
            const {host, port} = parseHostPort(a)
            return [a, formatHostPort(host, port)]
          } catch {
            return [a]
          }
        }),
      ),
      recoveryPollCeilingMs: (options.lookupd?.length ?? 0) > 0 ? pollMs : undefined,
      random: this.random,
      now: () => this.clock.now(),
      timers: this.timers,
      hooks: {
        connect: (target) => this.connect(target),
        retiring: (link) => this.setRdy(link, 0),
        close: (link) => void this.closeLink(link),
        pollSoon: () => this.poller?.pollSoon(),
      },
    })
  }

  get stats(): ConsumerStats {
    let connections = 0
    for (const link of this.targets.links) if (link.ready) connections++
    const {received, finished, requeued, touched, gaveUp, inFlight} = this.counters
    return {received, finished, requeued, touched, gaveUp, reconnects: this.targets.reconnects, inFlight, connections}
  }

  /** Addresses of the nsqd currently connected and subscribed. */
  get connectedAddresses(): string[] {
    return [...this.targets.links].filter((l) => l.ready && !l.closed).map((l) => l.target.address)
  }

  /**
   * Connects to the nsqd given directly and runs the first lookupd round. Rejects when nothing
   * at all could be reached (every direct nsqd refused and no lookupd answered).
   */
  async start(): Promise<void> {
    if (this.started) throw new NsqError('CONFIG', 'consumer already started')
    this.started = true
    const direct = (this.options.nsqd ?? []).map((a) => {
      const {host, port} = parseHostPort(a)
      return formatHostPort(host, port)
    })
    const attempts = direct.map((address) => this.targets.want(address))
    let lookupdReachable = false
    if ((this.options.lookupd?.length ?? 0) > 0) {
      let failures = 0
      this.poller = new LookupdPoller({
        lookupd: this.options.lookupd ?? [],
        topic: this.options.topic,
        ...(this.options.lookupdPollIntervalMs === undefined ? {} : {intervalMs: this.options.lookupdPollIntervalMs}),
        ...(this.options.lookupdPollJitter === undefined ? {} : {jitter: this.options.lookupdPollJitter}),
        ...(this.options.lookupdHttp === undefined ? {} : {http: this.options.lookupdHttp}),
        random: this.random,
        events: {
          changed: (diff) => this.onDiscovery(diff, attempts),
          lookupdError: (address, error) => {
            failures++
            this.events.lookupdError?.(address, error)
          },
        },
      })
      await this.poller.start()
      lookupdReachable = failures < (this.options.lookupd?.length ?? 0)
    }
    const results = await Promise.allSettled(attempts)
    const anyConnected = results.some((r) => r.status === 'fulfilled' && r.value === true)
    if (!anyConnected && !lookupdReachable) {
      const firstError = results.find((r): r is PromiseFulfilledResult<NsqError | true> => r.status === 'fulfilled' && r.value !== true)
      await this.stop({timeoutMs: 0})
      const cause = firstError?.value
      throw cause instanceof NsqError ? cause : new NsqError('CONNECTION_FAILED', 'no nsqd or nsqlookupd could be reached')
    }
    this.planTimer = setInterval(() => this.replan(), Math.max(50, Math.floor(this.rotateMs() / 2)))
    this.planTimer.unref()
  }

  /**
   * `for await (const message of consumer)`. Leaving the loop early (`break`, `return`, a throw)
   * starts `stop()` with its default drain timeout: at once RDY 0 everywhere and messages received
   * but never handed out are REQ'd; messages already handed out and not yet answered may still be
   * finished or requeued for up to 5 s; then CLS and every connection closes (nsqd redelivers
   * whatever is still unanswered). The loop exits without waiting for that: answer what you
   * hold, and `await consumer.stop()` (the same drain; its timeout is already set) to wait until
   * the connections are closed.
   */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return {
      next: () => this.next(),
      return: () => {
        void this.stop()
        return Promise.resolve({done: true, value: undefined})
      },
    }
  }

  /** The nsqd lookupd listed for the topic in its last successful round (empty without lookupd). */
  get producers(): ReadonlySet<string> {
    return this.poller?.producers ?? NO_PRODUCERS
  }

  /** Asks lookupd for the topic's nsqd now (sharing a round in progress); resolves when the round is done. */
  pollLookupd(): Promise<void> {
    if (this.stopping !== undefined) return Promise.resolve()
    return this.poller?.poll() ?? Promise.resolve()
  }

  /** The next message; resolves done once the consumer is stopping and nothing is queued. */
  next(): Promise<IteratorResult<Message>> {
    const message = this.queue.shift()
    if (message !== undefined) return Promise.resolve({done: false, value: message})
    if (this.stopping !== undefined) return Promise.resolve({done: true, value: undefined})
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }

  /**
   * Graceful drain: RDY 0 everywhere, give back messages never handed out, wait (up to
   * `timeoutMs`) for handed-out ones to be finished or requeued, then CLS and close. Called
   * again (or after a `break` out of `for await`), it returns the drain already under way.
   */
  stop(options: {timeoutMs?: number} = {}): Promise<DrainSummary> {
    this.stopping ??= this.drain(options.timeoutMs ?? 5000)
    return this.stopping
  }

  private async drain(timeoutMs: number): Promise<DrainSummary> {
    this.poller?.stop()
    if (this.planTimer !== undefined) clearInterval(this.planTimer)
    if (this.backoffTimer !== undefined) this.timers.clearTimeout(this.backoffTimer)
    this.targets.stop()
    for (const link of this.targets.links) this.setRdy(link, 0)
    this.requeueQueued()
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.({done: true, value: undefined})
    if (this.counters.inFlight > 0 && timeoutMs > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => {
          this.drainWake = resolve
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs)
        }),
      ])
      clearTimeout(timer)
      this.drainWake = undefined
    }
    const leftToTimeOut = this.counters.inFlight
    await Promise.all([...this.targets.links].map((link) => this.closeLink(link)))
    return {finished: this.counters.finished, requeued: this.counters.requeued, leftToTimeOut}
  }

  private requeueQueued(): void {
    for (let message = this.queue.shift(); message !== undefined; message = this.queue.shift()) {
      message.requeue(0, {backoff: false})
    }
  }

  private onDiscovery(diff: ProducerDiff, initial: Promise<NsqError | true>[]): void {
    this.events.discovered?.(diff)
    for (const address of diff.added) {
      const attempt = this.targets.want(address)
      initial.push(attempt)
    }
    for (const address of diff.removed) {
      if (this.targets.unwant(address)) this.replan()
    }
  }

  private async connect(target: Target): Promise<NsqError | true> {
    if (!target.wanted || this.stopping !== undefined) return true
    const {host, port} = (this.options.addressMap ?? AddressMap.EMPTY).tcp(target.address)
    const link = this.createLink(target, host, port)
    try {
      const identify = await link.connection.connect()
      link.maxRdyCount = identify.maxRdyCount
      await link.connection.subscribe(this.options.topic, this.options.channel)
    } catch (error) {
      const failure = error instanceof NsqError ? error : new NsqError('CONNECTION_FAILED', String(error))
      link.connection.destroy(failure)
      if (this.stopping === undefined) this.events.connectFailed?.(target.address, failure)
      return failure
    }
    if (link.closed) return new NsqError('CONNECTION_CLOSED', `${target.address} closed during subscribe`)
    this.targets.subscribed(link)
    this.events.connected?.(target.address)
    if (this.stopping !== undefined || !target.wanted) this.retire(link)
    else this.replan()
    return true
  }

  /** A connection to `host:port` for `target`, registered as the target's link. */
  private createLink(target: Target, host: string, port: number): Link {
    const responder: MessageResponder = {
      finish: (message) => this.respond(link, message, undefined, 'finished'),
      requeue: (message, delayMs, backoff) => {
        this.respond(link, message, encodeReq(message.idBytes, delayMs), 'requeued')
        if (backoff && this.backoffConfig !== false) this.backoffSignal('failure')
      },
      touch: (message) => {
        if (link.closed) return
        link.connection.send(encodeTouch(message.idBytes))
        this.counters.touched++
      },
    }
    const connection = new Connection({
      ...this.options,
      host,
      port,
      events: {
        message: (raw) => this.onMessage(link, responder, raw),
        nonFatalError: (error) => this.events.nonFatalError?.(target.address, error),
        closed: (error) => this.onClosed(link, error),
      },
    })
    const link = this.targets.attach(target, connection)
    return link // the closures above only run once the connection is used, after this
  }

  private onMessage(link: Link, responder: MessageResponder, raw: RawMessage): void {
    this.targets.received(link)
    this.counters.inFlight++
    this.counters.received++
    const limit = this.options.maxAttempts ?? 0
    const over = limit > 0 && raw.attempts > limit
    const message = new Message(raw, link.target.address, this.options.topic, this.options.channel, responder, over)
    if (over && this.options.maxAttemptsPolicy === 'finish') {
      message.finish()
      this.counters.gaveUp++
      this.events.gaveUp?.(message)
      return
    }
    if (this.stopping !== undefined) {
      message.requeue(0, {backoff: false})
      return
    }
    const waiter = this.waiter
    if (waiter !== undefined) {
      this.waiter = undefined
      waiter({done: false, value: message})
    } else {
      this.queue.push(message)
    }
  }

  /** FIN or REQ on the connection the message came from; accounts for in-flight. */
  private respond(link: Link, message: Message, command: Buffer | undefined, kind: 'finished' | 'requeued'): void {
    if (link.closed) return // nsqd already gave it up with the connection; it will be redelivered
    if (command === undefined) link.connection.sendFin(message.idBytes)
    else link.connection.send(command)
    this.targets.answered(link)
    this.counters.inFlight--
    this.counters[kind]++
    if (kind === 'finished' && this.backoffConfig !== false && this.backoffState.level > 0) this.backoffSignal('success')
    if (this.counters.inFlight === 0) this.drainWake?.()
  }

  private onClosed(link: Link, error: NsqError | undefined): void {
    const wasReady = link.ready
    // What was in flight there is nsqd's again (it requeues on disconnect).
    this.counters.inFlight -= this.targets.detach(link)
    if (this.counters.inFlight === 0) this.drainWake?.()
    const target = link.target
    if (wasReady) this.events.disconnected?.(target.address, error)
    if (this.stopping !== undefined) return
    this.replan()
    // Reconnect with backoff; ask lookupd again now and at 1, 2, 4, 8 … s (see TargetSet).
    this.targets.lost(target)
  }

  /** RDY 0 now; close once its in-flight messages are answered. */
  private retire(link: Link): void {
    this.targets.retire(link)
    this.replan()
  }

  private async closeLink(link: Link): Promise<void> {
    if (link.closed) return
    link.ready = false
    try {
      if (link.connection.state.kind === 'ready') await link.connection.command(encodeCls())
      await link.connection.close(2000)
    } catch {
      link.connection.destroy()
    }
  }

  private rotateMs(): number {
    return this.options.rdyRotateMs ?? 1000
  }

  /** Applies the RDY plan for the current connections and backoff phase. */
  private replan(): void {
    if (this.stopping !== undefined) return
    const active = this.targets.active()
    const phase = this.backoffState.phase.kind
    const plan = planRdy({
      maxInFlight: this.maxInFlight,
      connections: active.map((l) => ({id: l.id, rdy: l.rdy, inFlight: l.inFlight, maxRdyCount: l.maxRdyCount, since: l.since})),
      mode: phase === 'paused' ? 'paused' : phase,
      now: this.clock.now(),
      rotateAfterMs: this.rotateMs(),
    })
    for (const link of active) {
      const want = plan.get(link.id)
      if (want !== undefined) this.setRdy(link, want)
    }
  }

  private setRdy(link: Link, count: number): void {
    if (link.closed || link.rdy === count) return
    if (link.connection.state.kind !== 'ready') return
    link.connection.send(encodeRdy(count))
    link.rdy = count
    link.since = this.clock.now()
  }

  private backoffSignal(event: 'success' | 'failure'): void {
    if (this.backoffConfig === false) return
    const before = this.backoffState
    this.backoffState = nextBackoff(before, event, this.backoffConfig, this.clock.now(), this.random())
    if (this.backoffState === before) return
    this.onBackoffChanged()
  }

  private onBackoffChanged(): void {
    if (this.backoffTimer !== undefined) this.timers.clearTimeout(this.backoffTimer)
    this.backoffTimer = undefined
    const phase = this.backoffState.phase
    if (phase.kind === 'paused' && this.backoffConfig !== false) {
      const config = this.backoffConfig
      this.backoffTimer = this.timers.setTimeout(
        () => {
          this.backoffTimer = undefined
          this.backoffState = nextBackoff(this.backoffState, 'timer', config, this.clock.now(), this.random())
          this.replan()
        },
        Math.max(0, phase.until - this.clock.now()),
      )
    }
    this.replan()
  }
}
