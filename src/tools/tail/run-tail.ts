import {isEphemeral, type Consumer} from '../../core/index.js'
import {EXIT, stoppedExitCode, type ToolResult} from '../result.js'
import {sourceSelection, TopicSource, type SourceSelection, type SourceTimers, type TopicSourceEvents} from '../source/topic-source.js'
import {TailSession, type TailSessionOptions, type TailSummary} from './tail-session.js'

/** What `runTail` reports while it runs (the command turns these into stderr lines): the topic source's events. */
export type TailEvents = Omit<TopicSourceEvents, 'topicAdded'> & {
  /** A consumer for this topic started (its counters are what `--metrics-address` reads). */
  topicAdded?: (topic: string, consumer: Consumer) => void
}

export interface TailOptions extends Omit<TailSessionOptions, 'stream'>, SourceSelection {
  stream: TailSessionOptions['stream']
  /** The topic source's poll timers (tests). */
  timers?: SourceTimers
  events?: TailEvents
  /**
   * stdout is a pipe: on a durable channel (without --peek) the unread window applies, so
   * what a reader that leaves never read is requeued, not FIN'd.
   */
  pipeOutput?: boolean
}

/** The channel nsq_tail makes up: `tail` + 6 random digits + `#ephemeral`. */
export function defaultTailChannel(random: () => number = Math.random): string {
  return `tail${String(Math.floor(random() * 999_999)).padStart(6, '0')}#ephemeral`
}

/** True when reading this channel takes messages away from others (it is not ephemeral). */
export function channelIsDurable(channel: string): boolean {
  return !isEphemeral(channel)
}

/** A pipe's buffer on Linux by default (`F_GETPIPE_SZ` is not reachable from Node without native code). */
export const PIPE_BUFFER_BYTES = 64 * 1024

/**
 * The unread window for a durable channel printed into a pipe (see OutputWriter): a pipe
 * buffer's worth of later bytes; at most 90% of the in-flight budget held (the rest keeps messages
 * coming, so a reader that left is seen at the next write); 1 s on a quiet topic.
 */
export function pipeUnreadWindow(maxInFlight: number): NonNullable<TailSessionOptions['unreadWindow']> {
  return {bytes: PIPE_BUFFER_BYTES, maxItems: maxInFlight - Math.ceil(maxInFlight / 10), quietMs: 1000}
}

/** The exit code a finished tail earned (tools/result.ts has the one Ctrl-C rule). */
export function tailExitCode(summary: TailSummary, count: number): ToolResult<TailSummary>['exitCode'] {
  if (summary.reason === 'output-error') return EXIT.FAILURE
  if (summary.reason === 'interrupt' || summary.reason === 'terminate') return stoppedExitCode(count > 0 ? 'finite' : 'follower')
  return EXIT.OK
}

/**
 * Runs `nsq tail`: a {@link TopicSource} (backoff off, max-in-flight lowered to -n) whose
 * consumers all feed one TailSession. Rejects when a named topic cannot be consumed at all
 * (nsqd refused, say); otherwise resolves, once the session stopped and drained, with its summary
 * and exit code: 0, also for Ctrl-C and for the reader leaving; 130 for Ctrl-C before `-n` was
 * reached; 1 when stdout failed otherwise.
 */
export async function runTail(options: TailOptions): Promise<ToolResult<TailSummary>> {
  const {topicAdded, ...events} = options.events ?? {}
  const count = options.count ?? 0
  const maxInFlight = count > 0 && count < options.maxInFlight ? count : options.maxInFlight
  const windowed = options.pipeOutput === true && channelIsDurable(options.channel) && options.peek !== true
  const session = new TailSession(windowed ? {...options, unreadWindow: pipeUnreadWindow(maxInFlight)} : options)
  const source = new TopicSource({
    ...sourceSelection(options),
    maxInFlight,
    backoff: false,
    ...(options.timers === undefined ? {} : {timers: options.timers}),
    events: {
      ...events,
      topicAdded: (topic, consumer) => {
        topicAdded?.(topic, consumer)
        session.addSource(consumer)
      },
    },
  })
  // Stopping (-n reached, Ctrl-C, EPIPE) ends discovery too.
  void session.done().then(() => source.stop())
  try {
    const {failed} = await source.start()
    const [failure] = failed.values()
    if (failure !== undefined) throw failure
  } catch (error) {
    source.stop()
    await session.stop('done')
    throw error
  }
  const summary = await session.done()
  // The consumers also requeued what they had queued but never handed to the session.
  const consumers = [...source.consumers.values()]
  summary.finished = consumers.reduce((sum, c) => sum + c.stats.finished, 0)
  summary.requeued = consumers.reduce((sum, c) => sum + c.stats.requeued, 0)
  return {summary, exitCode: tailExitCode(summary, count)}
}
