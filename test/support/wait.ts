/**
 * The one real-time wait helpers of the test suite, for tests against real processes (nsqd, the
 * CLI, a file system) where there is no clock to inject. Unit tests of timing logic use
 * `fake-time.ts` instead. `until` polls; it never asserts on how long something took.
 */
import {setTimeout as delay} from 'node:timers/promises'

/** Waits `ms` of real time. */
export const sleep = (ms: number): Promise<void> => delay(ms)

export interface UntilOptions {
  /** Give up after this long, ms (default 10 s). */
  timeoutMs?: number
  /** Poll every this often, ms (default 20). */
  everyMs?: number
  /** Called at the timeout: what the state was, appended to the error. */
  explain?: () => string
}

type Check = () => boolean | Promise<boolean>

/**
 * Polls `check` until it holds; throws `never: WHAT` once `timeoutMs` passes without it. Returns
 * the milliseconds it waited (for diagnostics only, never for assertions). `what` may be left
 * out where the call site says enough.
 */
export async function until(what: string, check: Check, options?: UntilOptions): Promise<number>
export async function until(check: Check, options?: UntilOptions): Promise<number>
export async function until(a: string | Check, b?: Check | UntilOptions, c?: UntilOptions): Promise<number> {
  const what = typeof a === 'string' ? a : 'condition'
  const check = typeof a === 'string' ? (b as Check) : a
  const options = (typeof a === 'string' ? c : (b as UntilOptions | undefined)) ?? {}
  const timeoutMs = options.timeoutMs ?? 10_000
  const everyMs = options.everyMs ?? 20
  const started = Date.now()
  for (;;) {
    if (await check()) return Date.now() - started
    if (Date.now() - started >= timeoutMs) {
      const state = options.explain === undefined ? '' : `: ${options.explain()}`
      throw new Error(`never: ${what} (waited ${timeoutMs} ms)${state}`)
    }
    await sleep(everyMs)
  }
}
