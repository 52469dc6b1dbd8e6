/**
 * Runs one benchmark end to end: prepares the topic (creates it and the channel over HTTP for
 * consumers; fills it for `sub`), connects every client, runs warm-up then the measured window,
 * stops on the quota, the deadline or the caller's AbortSignal (the clients still answer, so a
 * Ctrl-C gives a full summary), and deletes auto-named topics / channels afterwards.
 */
import {NsqdHttpClient, NsqError, Producer, type ConnectionSettings, type HttpOptions} from '../../core/index.js'
import {benchClock, type BenchClock} from './clock.js'
import {makeBody} from './payload.js'
import {BenchPublisher, type RunWindow} from './publisher.js'
import {splitEvenly} from './stats.js'
import {BenchSubscriber, sharedQuota, type SubscriberSink} from './subscriber.js'
import {ThreadedPublisher, ThreadedSubscriber} from './threaded-clients.js'
import type {BenchParams} from './types.js'
import {formatCount} from '../format-count.js'

export interface BenchProgress {
  elapsedMs: number
  phase: 'warm-up' | 'measuring' | 'draining'
  published: number
  consumed: number
}

export interface BenchEvents {
  /** A human status line (filling, cleaning up). */
  status?(line: string): void
  /** A warning as it happens (also kept in the outcome's `warnings`). */
  warning?(line: string): void
  /** Called about once a second while running. */
  progress?(progress: BenchProgress): void
}

export interface BenchDeps {
  clock?: BenchClock
  /** Aborting stops the run early; the outcome is still returned (marked interrupted). */
  signal?: AbortSignal
  events?: BenchEvents
  progressIntervalMs?: number
  /** pubsub: how long consumers may take to receive what was published after publishing ends. */
  drainTimeoutMs?: number
}

/** What a run produced, before it is summarised. */
export interface BenchOutcome {
  params: BenchParams
  startedAt: Date
  /** BenchClock time at which measuring began (after warm-up). */
  measureStart: number
  publishers: PublisherLike[]
  subscribers: SubscriberLike[]
  /** pubsub: published (warm-up included) but not received in time. */
  lost: number
  warnings: string[]
  interrupted: boolean
}

/** A publishing client, on this thread or its own. */
export type PublisherLike = BenchPublisher | ThreadedPublisher
/** A consuming client, on this thread or its own. */
export type SubscriberLike = BenchSubscriber | ThreadedSubscriber

/** Largest MPUB body used to fill a topic (nsqd's default --max-body-size is 5 MiB). */
const FILL_BODY_BYTES = 4 * 1024 * 1024

export async function runBench(
  params: BenchParams,
  settings: ConnectionSettings,
  http: HttpOptions,
  deps: BenchDeps = {},
): Promise<BenchOutcome> {
  const clock = deps.clock ?? benchClock
  const events = deps.events ?? {}
  const warnings: string[] = []
  const warn = (line: string): void => {
    warnings.push(line)
    events.warning?.(line)
  }
  const startedAt = new Date()
  const httpClients = params.nsqdHttp.map((address) => new NsqdHttpClient(address, http))
  const publishers = params.kind === 'sub' ? [] : makePublishers(params, settings, clock)
  const subscribers = params.kind === 'pub' ? [] : makeSubscribers(params, settings, clock)
  // Whether this run made the topic / channel it would delete afterwards: created over HTTP, or
  // by a client that got connected (PUB / SUB create them). A run that reached nothing made nothing.
  let made = false
  try {
    if (params.kind !== 'pub') made = await prepareTopic(params, httpClients, warn)
    if (params.fill > 0) {
      events.status?.(`filling ${params.topic} with ${formatCount(params.fill)} messages of ${params.size} B…`)
      await fillTopic(params, settings, deps.signal)
      made = true
    }
    await Promise.all(subscribers.map((s) => s.start()))
    if (subscribers.length > 0) made = true
    await Promise.all(publishers.map((p) => p.connect()))
    made = true
    const start = clock.now()
    const measureStart = start + params.warmupMs
    const deadline = params.durationMs === undefined ? undefined : measureStart + params.durationMs
    const window: RunWindow = {start, measureStart, deadline, stopped: () => deps.signal?.aborted === true}
    const tally = new ConsumerTally(
      params.kind === 'sub'
        ? {
            ...(params.msgs === undefined ? {} : {measured: params.msgs}),
            ...(params.fill > 0 ? {received: params.fill} : {}),
          }
        : {},
    )
    const progress = startProgress(events, deps.progressIntervalMs ?? 1000, clock, window, publishers, tally)
    let interrupted = false
    const onAbort = (): void => {
      interrupted = true
      if (params.kind === 'sub') tally.finish()
    }
    deps.signal?.addEventListener('abort', onAbort, {once: true})
    if (deps.signal?.aborted === true) onAbort()
    const subRuns = subscribers.map((s) => s.run(measureStart, tally))
    const deadlineTimer =
      params.kind === 'sub' && deadline !== undefined ? setTimeout(() => tally.finish(), Math.max(0, deadline - clock.now())) : undefined

    await Promise.all(publishers.map((p) => p.run(window)))
    for (const p of publishers) {
      if (p.gaveUp) warn(`${p.plan.id} stopped after repeated publish failures: ${p.lastError?.message ?? 'unknown error'}`)
    }
    let lost = 0
    if (params.kind === 'pubsub') {
      progress.draining = true
      lost = await drainPublished(publishers, tally, interrupted ? 2000 : (deps.drainTimeoutMs ?? 10_000))
      if (lost > 0) warn(`${formatCount(lost)} published messages were not received within the drain timeout`)
    } else if (params.kind === 'sub') {
      await tally.finished
    }
    clearTimeout(deadlineTimer)
    progress.stop()
    deps.signal?.removeEventListener('abort', onAbort)
    await Promise.all(subscribers.map((s) => s.stop()))
    await Promise.all(subRuns)
    return {params, startedAt, measureStart, publishers, subscribers, lost, warnings, interrupted}
  } finally {
    await Promise.allSettled([
      ...publishers.map((p) => p.close()),
      ...subscribers.map(async (s) => {
        await s.stop()
        if (s instanceof ThreadedSubscriber) await s.close()
      }),
    ])
    if (params.cleanup && made) await cleanup(params, httpClients, warn, events)
  }
}

/** What the consumers of a run received, and whether they have had enough (a SubscriberSink). */
class ConsumerTally implements SubscriberSink {
  consumed = 0
  measured = 0
  private readonly done = new Deferred()

  /** `measured` / `received`: stop once either count is reached. */
  constructor(private target: {measured?: number; received?: number}) {}

  get finished(): Promise<void> {
    return this.done.promise
  }

  received(count: number, measured: number): void {
    this.consumed += count
    this.measured += measured
    this.check()
  }

  retarget(target: {measured?: number; received?: number}): void {
    this.target = target
    this.check()
  }

  finish(): void {
    this.done.resolve()
  }

  private check(): void {
    const {measured, received} = this.target
    if ((measured !== undefined && this.measured >= measured) || (received !== undefined && this.consumed >= received)) this.done.resolve()
  }
}

/** pubsub: waits (up to `timeoutMs`) for the consumers to receive all that was published; returns how many they missed. */
async function drainPublished(publishers: PublisherLike[], tally: ConsumerTally, timeoutMs: number): Promise<number> {
  const published = publishers.reduce((sum, p) => sum + p.acknowledged, 0)
  tally.retarget({received: published})
  const timeout = setTimeout(() => tally.finish(), timeoutMs)
  await tally.finished
  clearTimeout(timeout)
  return Math.max(0, published - tally.consumed)
}

/** Reports progress about once per `intervalMs` while the run lasts. */
function startProgress(
  events: BenchEvents,
  intervalMs: number,
  clock: BenchClock,
  window: RunWindow,
  publishers: PublisherLike[],
  tally: ConsumerTally,
): {draining: boolean; stop(): void} {
  const state = {draining: false, stop: (): void => undefined}
  const report = events.progress?.bind(events)
  if (report === undefined) return state
  const timer = setInterval(() => {
    const now = clock.now()
    const phase = state.draining ? 'draining' : now < window.measureStart ? 'warm-up' : 'measuring'
    report({
      elapsedMs: now - window.start,
      phase,
      published: publishers.reduce((sum, p) => sum + p.acknowledged, 0),
      consumed: tally.consumed,
    })
  }, intervalMs)
  timer.unref()
  state.stop = () => clearInterval(timer)
  return state
}

function makePublishers(params: BenchParams, settings: ConnectionSettings, clock: BenchClock): PublisherLike[] {
  const quotas = params.msgs === undefined ? undefined : splitEvenly(params.msgs, params.clients)
  const opsPerSec = params.rate === undefined ? undefined : params.rate / params.clients / params.batchSize
  return Array.from(
    {length: params.clients},
    (_, i) =>
      new (params.threads ? ThreadedPublisher : BenchPublisher)(
        {
          id: `P${i}`,
          address: params.nsqd[i % params.nsqd.length] as string,
          topic: params.topic,
          settings,
          size: params.size,
          batchSize: params.batchSize,
          pipeline: params.pipeline,
          quota: quotas?.[i],
          opsPerSec,
        },
        clock,
      ),
  )
}

function makeSubscribers(params: BenchParams, connection: ConnectionSettings, clock: BenchClock): SubscriberLike[] {
  const settings: ConnectionSettings = {...connection}
  const quota = params.kind === 'sub' && params.msgs !== undefined ? sharedQuota(params.msgs) : undefined
  if (params.outputBufferSize !== undefined) settings.outputBufferSize = params.outputBufferSize
  if (params.outputBufferTimeoutMs !== undefined) settings.outputBufferTimeoutMs = params.outputBufferTimeoutMs
  return Array.from(
    {length: params.clients},
    (_, i) =>
      new (params.threads ? ThreadedSubscriber : BenchSubscriber)(
        {
          id: `S${i}`,
          addresses: params.nsqd,
          topic: params.topic,
          channel: params.channel,
          settings,
          maxInFlight: params.maxInFlight,
          measureBy: params.kind === 'pubsub' ? 'stamp' : 'receive',
          quota,
        },
        clock,
      ),
  )
}

/**
 * Creates the topic and channel first, so nothing published before the consumers subscribe is
 * lost. True when at least one nsqd created them.
 */
async function prepareTopic(params: BenchParams, clients: NsqdHttpClient[], warn: (line: string) => void): Promise<boolean> {
  let created = false
  await Promise.all(
    clients.map(async (client) => {
      try {
        await client.createTopic(params.topic)
        created = true
        await client.createChannel(params.topic, params.channel)
      } catch (error) {
        warn(
          `could not create ${params.topic}/${params.channel} over HTTP at ${client.address} (${(error as Error).message}); relying on SUB to create it`,
        )
      }
    }),
  )
  return created
}

/** `sub`: publishes `fill` messages (split across the nsqd) before the measured run. */
async function fillTopic(params: BenchParams, settings: ConnectionSettings, signal: AbortSignal | undefined): Promise<void> {
  const body = makeBody(params.size)
  const perBatch = Math.max(1, Math.min(500, Math.floor(FILL_BODY_BYTES / (params.size + 4))))
  const shares = splitEvenly(params.fill, params.nsqd.length)
  await Promise.all(
    params.nsqd.map(async (address, i) => {
      const producer = new Producer({...settings, nsqd: [address], maxPending: 8})
      try {
        await producer.connect()
        const sends: Promise<void>[] = []
        for (let left = shares[i] as number; left > 0 && signal?.aborted !== true; left -= perBatch) {
          const n = Math.min(perBatch, left)
          sends.push(
            producer.multiPublish(
              params.topic,
              Array.from({length: n}, () => body),
            ),
          )
          if (sends.length >= 64) await Promise.all(sends.splice(0))
        }
        await Promise.all(sends)
      } finally {
        await producer.close()
      }
    }),
  )
}

async function cleanup(params: BenchParams, clients: NsqdHttpClient[], warn: (line: string) => void, events: BenchEvents): Promise<void> {
  const what = params.autoTopic
    ? `topic ${params.topic}`
    : params.autoChannel && params.kind !== 'pub'
      ? `channel ${params.topic}/${params.channel}`
      : undefined
  if (what === undefined) return
  let failed = false
  await Promise.all(
    clients.map(async (client) => {
      try {
        if (params.autoTopic) await client.deleteTopic(params.topic)
        else await client.deleteChannel(params.topic, params.channel)
      } catch (error) {
        failed = true
        const code = error instanceof NsqError ? error.message : String(error)
        warn(`could not delete ${what} at ${client.address}: ${code} (pass --nsqd-http-address, or delete it yourself)`)
      }
    }),
  )
  if (!failed) events.status?.(`deleted ${what}`)
}

class Deferred {
  resolve!: () => void
  readonly promise = new Promise<void>((resolve) => {
    this.resolve = resolve
  })
}
