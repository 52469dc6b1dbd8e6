/**
 * Runs a plan: phases one after the other, the calls of a phase (independent nodes) in
 * parallel with a bound. A failed call is recorded and does not stop the others, as in
 * nsqadmin, but here every outcome is kept and shown instead of a buried `WARNING:`.
 */
import {HttpError, LookupdHttpClient, NsqdHttpClient, type HttpOptions} from '../../core/index.js'
import {mapBounded} from './bounded.js'
import {failure} from './call-error.js'
import {requestText} from './plan.js'
import type {CallResult, TargetPlan, UpstreamCall} from './types.js'

export interface ExecuteOptions {
  http: HttpOptions
  concurrency: number
  signal?: AbortSignal | undefined
}

/** The plan's calls as not-yet-made results (what `--dry-run` prints). */
export function plannedCalls(plan: TargetPlan): CallResult[] {
  return plan.phases.flat().map((call) => resultOf(plan, call, {status: 'planned'}))
}

/** Executes every phase of the plan; resolves with one result per call, in plan order. */
export async function executePlan(plan: TargetPlan, options: ExecuteOptions): Promise<CallResult[]> {
  const results: CallResult[] = []
  for (const phase of plan.phases) {
    if (options.signal?.aborted === true) {
      results.push(...phase.map((call) => resultOf(plan, call, {status: 'failed', error: 'not sent: interrupted'})))
      continue
    }
    results.push(
      ...(await mapBounded(phase, options.concurrency, async (call) => {
        try {
          await invoke(call, options)
          return resultOf(plan, call, {status: 'ok'})
        } catch (error) {
          return resultOf(
            plan,
            call,
            alreadyGone(call, error) ? {status: 'absent', http_status: 404, error: apiMessage(error)} : failure(error),
          )
        }
      })),
    )
  }
  return results
}

function resultOf(plan: TargetPlan, call: UpstreamCall, outcome: Partial<CallResult> & Pick<CallResult, 'status'>): CallResult {
  const result: CallResult = {
    action: plan.target.action,
    topic: plan.target.topic,
    role: call.role,
    address: call.address,
    method: 'POST',
    request: requestText(call),
    ...outcome,
  }
  if (plan.target.channel !== undefined) result.channel = plan.target.channel
  return result
}

/** A delete that finds nothing to delete has reached its goal (lookupd lists no channel, or it vanished since discovery). */
function alreadyGone(call: UpstreamCall, error: unknown): boolean {
  if (!(error instanceof HttpError) || error.status !== 404) return false
  if (call.path !== '/topic/delete' && call.path !== '/channel/delete') return false
  return error.apiMessage === 'TOPIC_NOT_FOUND' || error.apiMessage === 'CHANNEL_NOT_FOUND'
}

function apiMessage(error: unknown): string {
  return error instanceof HttpError ? (error.apiMessage ?? error.message) : String(error)
}

async function invoke(call: UpstreamCall, options: ExecuteOptions): Promise<void> {
  const {topic, channel = '', node = ''} = call.query
  const signal = options.signal
  if (call.role === 'lookupd') {
    const lookupd = new LookupdHttpClient(call.address, options.http)
    switch (call.path) {
      case '/topic/create':
        return lookupd.createTopic(topic, signal)
      case '/topic/delete':
        return lookupd.deleteTopic(topic, signal)
      case '/channel/create':
        return lookupd.createChannel(topic, channel, signal)
      case '/channel/delete':
        return lookupd.deleteChannel(topic, channel, signal)
      case '/topic/tombstone':
        return lookupd.tombstoneTopicProducer(topic, node, signal)
    }
  }
  const nsqd = new NsqdHttpClient(call.address, options.http)
  switch (call.path) {
    case '/topic/create':
      return nsqd.createTopic(topic, signal)
    case '/topic/delete':
      return nsqd.deleteTopic(topic, signal)
    case '/topic/empty':
      return nsqd.emptyTopic(topic, signal)
    case '/topic/pause':
      return nsqd.pauseTopic(topic, signal)
    case '/topic/unpause':
      return nsqd.unpauseTopic(topic, signal)
    case '/channel/create':
      return nsqd.createChannel(topic, channel, signal)
    case '/channel/delete':
      return nsqd.deleteChannel(topic, channel, signal)
    case '/channel/empty':
      return nsqd.emptyChannel(topic, channel, signal)
    case '/channel/pause':
      return nsqd.pauseChannel(topic, channel, signal)
    case '/channel/unpause':
      return nsqd.unpauseChannel(topic, channel, signal)
  }
}
