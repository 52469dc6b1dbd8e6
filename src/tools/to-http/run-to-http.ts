/**
 * Runs `nsq to-http`: a {@link TopicSource} whose consumers each feed one {@link Pump} into one
 * {@link HttpSink}. Runs until `signal` aborts (a follower); then it drains: RDY 0, no new
 * requests and no further failover, waits for the requests in flight (FIN what an endpoint took,
 * REQ the rest), closes the pools and the errors file.
 */
import type {Consumer} from '../../core/index.js'
import {ErrorsFile} from '../publish/errors-file.js'
import {EXIT, stoppedExitCode, type ToolResult} from '../result.js'
import {Pump} from '../source/pump.js'
import type {Delivery} from '../source/sink.js'
import {sourceSelection, TopicSource, type SourceSelection, type TopicSourceEvents} from '../source/topic-source.js'
import type {HttpSinkStats, LatencyMs} from './delivery-stats.js'
import {HttpSink, type HttpSinkOptions} from './http-sink.js'

export interface ToHttpOptions extends Omit<HttpSinkOptions, 'errors'>, SourceSelection {
  /** `--errors FILE`: where 4xx-refused messages go (NDJSON, replayable with `to-nsq --input-format json`). */
  errorsPath?: string
  /** False: no consumer backoff at all (failed messages are only requeued with their delay). */
  backoff?: boolean
  /** Longest wait on stop for requests in flight and nsqd's answers (ms). */
  drainTimeoutMs: number
  signal: AbortSignal
  /** The topic source's events; `topicAdded` also gets the consumer (its counters are what `--metrics-address` reads). */
  events?: Omit<TopicSourceEvents, 'topicAdded'> & {topicAdded?: (topic: string, consumer: Consumer) => void}
  /** Called once the sink exists (the command's status line reads its stats). */
  started?: (sink: HttpSink) => void
}

export interface ToHttpSummary extends HttpSinkStats {
  reason: 'interrupt' | 'terminate' | 'done'
  /** Messages FIN'd / REQ'd, as the consumers counted them. */
  finished: number
  requeued: number
  /** Latency of the requests, ms (null: none sent). */
  latencyMs: LatencyMs | null
  errorsFile?: string
  /** Why the errors file stopped taking records, when it did. */
  errorsFileFailure?: string
}

/** Exit code: 0 after a clean stop; 3 when messages were set aside in the errors file or it failed. */
export function toHttpExitCode(summary: ToHttpSummary): ToolResult<ToHttpSummary>['exitCode'] {
  if (summary.errorsFileFailure !== undefined || summary.rejected > 0) return EXIT.PARTIAL
  return stoppedExitCode('follower')
}

export async function runToHttp(options: ToHttpOptions): Promise<ToolResult<ToHttpSummary>> {
  const errors = options.errorsPath === undefined ? undefined : new ErrorsFile(options.errorsPath)
  const sink = new HttpSink({...options, errors})
  options.started?.(sink)
  const pumps: Promise<unknown>[] = []
  const {topicAdded, ...events} = options.events ?? {}
  const source = new TopicSource({
    ...sourceSelection(options),
    ...(options.backoff === false ? {backoff: false} : {}),
    events: {
      ...events,
      topicAdded: (topic, consumer) => {
        topicAdded?.(topic, consumer)
        if (options.signal.aborted) return
        pumps.push(new Pump<Delivery>(consumer, sink).run())
      },
    },
  })
  const stopped = new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve()
    else options.signal.addEventListener('abort', () => resolve(), {once: true})
  })
  try {
    const {failed} = await source.start()
    const [failure] = failed.values()
    if (failure !== undefined) throw failure
  } catch (error) {
    source.stop()
    await Promise.allSettled([...source.consumers.values()].map(async (c) => c.stop({timeoutMs: 0})))
    await sink.close()
    errors?.close()
    throw error
  }
  await stopped
  source.stop()
  // RDY 0 and wait for our answers; meanwhile the sink finishes what is in flight.
  const closing = [...source.consumers.values()].map(async (consumer) => consumer.stop({timeoutMs: options.drainTimeoutMs}))
  await Promise.allSettled(pumps)
  await sink.drain(options.drainTimeoutMs)
  await Promise.allSettled(closing)
  await sink.close()
  errors?.close()
  const consumers = [...source.consumers.values()]
  const reason = String(options.signal.reason)
  const summary: ToHttpSummary = {
    reason: reason === 'terminate' ? 'terminate' : reason === 'interrupt' ? 'interrupt' : 'done',
    ...sink.delivery.snapshot(),
    finished: consumers.reduce((sum, c) => sum + c.stats.finished, 0),
    requeued: consumers.reduce((sum, c) => sum + c.stats.requeued, 0),
    latencyMs: sink.delivery.latencyMs(),
    ...(errors === undefined ? {} : {errorsFile: errors.path}),
    ...(errors?.failure === undefined ? {} : {errorsFileFailure: `${errors.failure.code}: ${errors.failure.message}`}),
  }
  return {summary, exitCode: toHttpExitCode(summary)}
}
