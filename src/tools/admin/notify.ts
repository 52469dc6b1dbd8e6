/**
 * nsqadmin's notification hook (`--notification-http-endpoint`, reference §3.8): one JSON event
 * per action, POSTed one at a time, no retries. A hook that fails is reported, never fatal, and
 * never takes the process down (nsqadmin v1.3.0 panics on a transport error there).
 */
import {postJson} from '../../core/index.js'
import type {AdminEvent, NotifyResult, Target} from './types.js'

/** Who and what the events name, where nsqadmin has an HTTP request to take them from. */
export interface NotifyOptions {
  url: string
  /** `user`: nsqadmin's Basic-auth user; here the login name running the command. */
  user?: string
  /** `user_agent`, e.g. `nsq-toolkit/0.1.0`. */
  userAgent: string
  /** `via`: the host the action was done from (nsqadmin's hostname). */
  via: string
  /** Unix time in ms (injected for tests). */
  now: () => number
  timeoutMs?: number
  signal?: AbortSignal
}

/** The events nsqadmin emits for a target: creating a channel also announces its topic. */
export function eventsFor(target: Target, options: Omit<NotifyOptions, 'url' | 'signal' | 'timeoutMs'>): AdminEvent[] {
  const actions = target.action === 'create_channel' ? (['create_topic', 'create_channel'] as const) : [target.action]
  return actions.map((action) => {
    // Built in nsqadmin's field order (channel, node and user left out when empty, as it does).
    const event: Partial<AdminEvent> = {action, topic: target.topic}
    if (action !== 'create_topic' && target.channel !== undefined) event.channel = target.channel
    if (target.node !== undefined) event.node = target.node
    event.timestamp = Math.floor(options.now() / 1000)
    if (options.user !== undefined && options.user !== '') event.user = options.user
    // No HTTP request triggered it: no client address, no request URL.
    return {...event, remote_ip: '', user_agent: options.userAgent, url: '', via: options.via} as AdminEvent
  })
}

/** Sends the events one after the other; resolves with how each one ended. */
export async function sendEvents(events: readonly AdminEvent[], options: NotifyOptions): Promise<NotifyResult[]> {
  const results: NotifyResult[] = []
  for (const event of events) {
    try {
      await postJson(options.url, event, {timeoutMs: options.timeoutMs, signal: options.signal})
      results.push({url: options.url, event, status: 'ok'})
    } catch (error) {
      results.push({url: options.url, event, status: 'failed', error: error instanceof Error ? error.message : String(error)})
    }
  }
  return results
}
