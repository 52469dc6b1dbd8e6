/**
 * What one HTTP attempt's outcome means for the message, stated once: 2xx → done (FIN);
 * 408, 429, 5xx, timeouts and connection errors → try again later (REQ with backoff, or for
 * as long as `Retry-After` says; no response, 429 and 503 also slow the consumer down, other 5xx
 * are taken as this message's trouble and do not); any other status (4xx, and 3xx: redirects are not followed) →
 * the message itself is refused: written to `--errors` then FIN'd, or REQ'd with
 * `--on-4xx requeue`.
 */
import {parseRetryAfter} from './retry-after.js'

/** What came back from one request. */
export type AttemptOutcome =
  | {readonly kind: 'response'; readonly status: number; readonly retryAfter?: string | string[] | undefined}
  /** No response: connect refused or timed out, reset, response timeout. `sent`: the request may have reached the server. */
  | {readonly kind: 'error'; readonly code: string; readonly message: string; readonly sent: boolean}

/** What to do with the message. */
export type Verdict =
  | {readonly action: 'accept'}
  | {
      readonly action: 'retry'
      readonly delayMs: number
      readonly why: string
      readonly retryAfter: boolean
      /** The endpoint is down or overloaded (no response, 429, 503): slow the consumer down too, not only this message. */
      readonly slowDown: boolean
    }
  | {readonly action: 'reject'; readonly why: string}

export interface StatusPolicyOptions {
  /** `errors`: other 4xx go to the errors file then FIN (default); `requeue`: they are retried like 5xx. */
  on4xx: 'errors' | 'requeue'
  /** Backoff of the first retry, ms; doubled per attempt. */
  baseDelayMs: number
  /** Longest REQ delay, ms (also caps `Retry-After`; nsqd refuses a REQ beyond its --max-req-timeout, 1h by default). */
  maxDelayMs: number
}

/** The backoff for a message delivered `attempts` times: base × 2^(attempts−1), capped. */
export function backoffDelay(attempts: number, baseDelayMs: number, maxDelayMs: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30)
  return Math.min(maxDelayMs, baseDelayMs * 2 ** exponent)
}

/** True for statuses that say "not now" rather than "not this message". */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}

/** The verdict for one attempt of a message delivered `attempts` times, at `nowMs`. */
export function decide(outcome: AttemptOutcome, attempts: number, options: StatusPolicyOptions, nowMs: number): Verdict {
  if (outcome.kind === 'error') {
    return {
      action: 'retry',
      delayMs: backoffDelay(attempts, options.baseDelayMs, options.maxDelayMs),
      why: outcome.code,
      retryAfter: false,
      slowDown: true,
    }
  }
  const {status} = outcome
  if (status >= 200 && status < 300) return {action: 'accept'}
  const why = `HTTP ${status}`
  if (isRetryableStatus(status) || options.on4xx === 'requeue') {
    const slowDown = status === 429 || status === 503
    const asked = parseRetryAfter(outcome.retryAfter, nowMs)
    if (asked !== undefined) return {action: 'retry', delayMs: Math.min(asked, options.maxDelayMs), why, retryAfter: true, slowDown}
    return {action: 'retry', delayMs: backoffDelay(attempts, options.baseDelayMs, options.maxDelayMs), why, retryAfter: false, slowDown}
  }
  return {action: 'reject', why}
}
