/** Capped exponential backoff with full jitter. Pure: randomness is passed in. */
export interface BackoffPolicy {
  /** Delay for the first retry, in ms. */
  readonly initialMs: number
  /** Ceiling for any delay, in ms. */
  readonly maxMs: number
  /** Fraction of the delay that is randomised (0 = none, 1 = full jitter). */
  readonly jitter: number
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = {initialMs: 100, maxMs: 30_000, jitter: 0.5}

/**
 * The delay before retry number `attempt` (1-based): initial × 2^(attempt−1), capped, then
 * reduced by up to `jitter` of itself using `random` ∈ [0, 1).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30)
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent)
  return Math.round(base * (1 - policy.jitter * random))
}
