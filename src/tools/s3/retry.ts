/**
 * Retries with jittered, capped exponential backoff, until success or until the signal aborts.
 * An archive upload never gives up on its own: NSQ keeps no other copy, so the file stays on
 * disk and the upload keeps trying while the store is down. Time and randomness are injected.
 */
import {backoffDelay, type BackoffPolicy} from '../../core/index.js'

/** The default policy for uploads: 1 s, 2 s, 4 s … capped at 60 s, each cut by up to half at random. */
export const UPLOAD_BACKOFF: BackoffPolicy = {initialMs: 1000, maxMs: 60_000, jitter: 0.5}

/** What a retry loop needs from the outside world. */
export interface RetryEnvironment {
  /** Waits `ms` or rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>
  /** A number in [0, 1). */
  random(): number
}

/** The real clock and Math.random. */
export const realRetryEnvironment: RetryEnvironment = {
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the abort reason is passed on as given
        reject(signal.reason)
        return
      }
      const onAbort = (): void => {
        clearTimeout(timer)
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the abort reason is passed on as given
        reject(signal.reason)
      }
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      signal.addEventListener('abort', onAbort, {once: true})
    }),
  random: Math.random,
}

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
  environment?: RetryEnvironment | undefined
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
  const environment = options.environment ?? realRetryEnvironment
  for (let n = 1; ; n++) {
    signal.throwIfAborted()
    try {
      return await attempt(signal, n)
    } catch (error) {
      signal.throwIfAborted()
      const delayMs = backoffDelay(policy, n, environment.random())
      options.onRetry?.({attempt: n, error, delayMs})
      await environment.sleep(delayMs, signal)
    }
  }
}
