/**
 * `Retry-After` (RFC 9110 §10.2.3): either delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`). The endpoint says when to come back; to-http requeues the
 * message for that long instead of its own backoff.
 */

/**
 * The delay a `Retry-After` value asks for, in ms from `nowMs`; undefined when absent or not a
 * valid value (then the caller's own backoff applies). A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined) return undefined
  const text = raw.trim()
  if (text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // Only the date forms: Date.parse would also take "5" or "tomorrow"-ish strings in some engines.
  if (!/^[A-Za-z]{3},? /.test(text) && !/^[A-Za-z]+, \d/.test(text)) return undefined
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}
