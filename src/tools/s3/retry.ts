/**
 * Retries with jittered, capped exponential backoff, until success or until the signal aborts.
 * An archive upload never gives up on its own: NSQ keeps no other copy, so the file stays on
 * disk and the upload keeps trying while the store is down. Time and randomness are injected.
 */
import {backoffDelay, sleep, type BackoffPolicy, type SleepClock} from '../../core/index.js'

/** The default policy for uploads: 1 s, 2 s, 4 s … capped at 60 s, each cut by up to half at random. */
export const UPLOAD_BACKOFF: BackoffPolicy = {initialMs: 1000, maxMs: 60_000, jitter: 0.5}

/** A failed attempt that will be retried after `delayMs`. */
export interface RetryNotice {
  /** 1-based number of the attempt that failed. */
  attempt: number
  error: unknown
  delayMs: number
}

/** Options of {@link retryUntilDone}. */
export interface RetryOptions {
  policy?: BackoffPolicy | undefined
  /** Waits between attempts (default core's `sleep`, which an abort cuts short). */
  clock?: Pick<SleepClock, 'sleep'> | undefined
  /** A number in [0, 1) for the jitter (default Math.random). */
  random?: (() => number) | undefined
  /** Told about each failed attempt before the wait. */
  onRetry?: ((notice: RetryNotice) => void) | undefined
}

/**
 * Runs `attempt` until it resolves, waiting `backoffDelay(policy, n, random())` after the n-th
 * failure. Rejects only with the signal's reason once `signal` aborts (the attempt gets the
 * signal too, so it can stop mid-flight).
 */
export async function retryUntilDone<T>(
  attempt: (signal: AbortSignal, n: number) => Promise<T>,
  signal: AbortSignal,
  options: RetryOptions = {},
): Promise<T> {
  const policy = options.policy ?? UPLOAD_BACKOFF
  const wait = options.clock ?? {sleep}
  const random = options.random ?? Math.random
  for (let n = 1; ; n++) {
    signal.throwIfAborted()
    try {
      return await attempt(signal, n)
    } catch (error) {
      signal.throwIfAborted()
      const delayMs = backoffDelay(policy, n, random())
      options.onRetry?.({attempt: n, error, delayMs})
      // An abort cuts the sleep short; the check at the top of the loop then rejects with the reason.
      await wait.sleep(delayMs, signal)
    }
  }
}
