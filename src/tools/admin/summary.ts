/** Aggregation of call results into counts and the exit code an admin action earned. */
import {EXIT, type ExitCode} from '../result.js'
import type {CallResult} from './types.js'

/**
 * 0 when every call succeeded; 69 when calls failed and none got through and every failure was
 * "no answer" (nothing could be reached); 3 when some calls failed; 1 when nothing failed but a
 * target could not be acted on (e.g. no node has that topic, or a pattern matched nothing).
 */
export function exitCodeOf(calls: readonly CallResult[], problems: readonly string[]): ExitCode {
  const failed = calls.filter((c) => c.status === 'failed')
  const reached = calls.some((c) => c.status === 'ok' || c.status === 'absent')
  if (failed.length > 0 && !reached && failed.every((c) => c.unreachable === true)) return EXIT.UNAVAILABLE
  if (failed.length > 0) return EXIT.PARTIAL
  if (problems.length > 0) return EXIT.FAILURE
  return EXIT.OK
}

/** Calls that succeeded (an `absent` delete counts: the thing is gone) and calls that failed. */
export function countCalls(calls: readonly CallResult[]): {ok: number; failed: number} {
  return {
    ok: calls.filter((c) => c.status === 'ok' || c.status === 'absent').length,
    failed: calls.filter((c) => c.status === 'failed').length,
  }
}
