import {Consumer, isEphemeral, type AddressMap, type ConnectionSettings, type HttpOptions, type NsqError} from '../../core/index.js'
import {TailSession, type TailSessionOptions, type TailSummary} from './tail-session.js'
import {TopicWatcher} from './topic-watcher.js'

/** What `runTail` reports while it runs (the command turns these into stderr lines). */
export interface TailEvents {
  /** A consumer for this topic started. */
  topicAdded?(topic: string): void
  connected?(topic: string, address: string): void
  disconnected?(topic: string, address: string, error: NsqError | undefined): void
  /** Connecting to this nsqd failed (it is retried). */
  connectFailed?(topic: string, address: string, error: NsqError): void
  lookupdError?(address: string, error: Error): void
  /** A topic found by --topic-pattern could not be consumed. */
  topicFailed?(topic: string, error: Error): void
}

export interface TailOptions extends Omit<TailSessionOptions, 'stream'> {
  stream: TailSessionOptions['stream']
  /** Topics given by name (with a pattern: only those that match). */
  topics: readonly string[]
  /** With lookupd: also consume every topic lookupd lists whose name matches. */
  topicPattern?: RegExp
  /** How often lookupd's topic list is refreshed for --topic-pattern (ms, default 60000). */
  topicRefreshMs?: number
  channel: string
  nsqd: readonly string[]
  lookupd: readonly string[]
  maxInFlight: number
  connection: ConnectionSettings
  lookupdHttp?: HttpOptions
  lookupdPollIntervalMs?: number
  addressMap?: AddressMap
  events?: TailEvents
}

/** The channel nsq_tail makes up: `tail` + 6 random digits + `#ephemeral`. */
export function defaultTailChannel(random: () => number = Math.random): string {
  return `tail${String(Math.floor(random() * 999_999)).padStart(6, '0')}#ephemeral`
}

/** True when reading this channel takes messages away from others (it is not ephemeral). */
export function channelIsDurable(channel: string): boolean {
  return !isEphemeral(channel)
}

/**
 * Runs `nsq tail`: one Consumer per topic (backoff off, max-in-flight lowered to -n), all feeding
 * one TailSession. Rejects when a named topic cannot be consumed at all (nsqd refused, say);
 * otherwise resolves with the session's summary once it stopped and drained.
 */
export async function runTail(options: TailOptions): Promise<TailSummary> {
  const events = options.events ?? {}
  const session = new TailSession(options)
  const count = options.count ?? 0
  const maxInFlight = count > 0 && count < options.maxInFlight ? count : options.maxInFlight

  const consumers: Consumer[] = []
  const consume = async (topic: string): Promise<void> => {
    const consumer = new Consumer({
      ...options.connection,
      topic,
      channel: options.channel,
      nsqd: options.nsqd,
      lookupd: options.lookupd,
      maxInFlight,
      backoff: false,
      ...(options.lookupdHttp === undefined ? {} : {lookupdHttp: options.lookupdHttp}),
      ...(options.lookupdPollIntervalMs === undefined ? {} : {lookupdPollIntervalMs: options.lookupdPollIntervalMs}),
      ...(options.addressMap === undefined ? {} : {addressMap: options.addressMap}),
      events: {
        connected: (address) => events.connected?.(topic, address),
        disconnected: (address, error) => events.disconnected?.(topic, address, error),
        connectFailed: (address, error) => events.connectFailed?.(topic, address, error),
        lookupdError: (address, error) => events.lookupdError?.(address, error),
      },
    })
    await consumer.start()
    consumers.push(consumer)
    events.topicAdded?.(topic)
    session.addSource(consumer)
  }

  const named = options.topicPattern === undefined ? options.topics : options.topics.filter((t) => options.topicPattern?.test(t))
  try {
    for (const topic of named) await consume(topic)
  } catch (error) {
    await session.stop('done')
    throw error
  }

  let watcher: TopicWatcher | undefined
  if (options.topicPattern !== undefined && options.topics.length === 0) {
    watcher = new TopicWatcher({
      lookupd: options.lookupd,
      pattern: options.topicPattern,
      intervalMs: options.topicRefreshMs ?? 60_000,
      ...(options.lookupdHttp === undefined ? {} : {http: options.lookupdHttp}),
      onTopic: (topic) => {
        consume(topic).catch((error: unknown) => events.topicFailed?.(topic, error instanceof Error ? error : new Error(String(error))))
      },
      onError: (address, error) => events.lookupdError?.(address, error),
    })
    await watcher.start()
  }
  try {
    const summary = await session.done()
    // The consumers also requeued what they had queued but never handed to the session.
    summary.finished = consumers.reduce((sum, c) => sum + c.stats.finished, 0)
    summary.requeued = consumers.reduce((sum, c) => sum + c.stats.requeued, 0)
    return summary
  } finally {
    watcher?.stop()
  }
}
