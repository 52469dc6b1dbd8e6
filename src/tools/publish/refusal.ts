import type {NsqError} from '../../core/index.js'

/**
 * What a failed publish means for the rest of the run:
 * - `refused`: nsqd refuses this client or this topic, whatever the record: TLS required and not
 *   negotiated, TLS handshake failures, AUTH required / denied / not permitted on the topic, an
 *   invalid command or parameter (`E_INVALID`, e.g. a `--defer` beyond nsqd's `--max-req-timeout`),
 *   an invalid topic. No retry and no later record can fare better on that nsqd: it is
 *   configuration (ours or nsqd's), so publishing to it must stop.
 * - `record`: this record or batch is wrong (`E_BAD_MESSAGE` too big, `E_BAD_BODY`); later
 *   records may go through, so the run goes on and counts it failed.
 * - `transient`: the connection went away, timed out, or nsqd could not store the message right
 *   now (`E_PUB_FAILED`, `E_MPUB_FAILED`, `E_DPUB_FAILED`, …): the Producer's retries and failover
 *   apply, and the run goes on.
 */
export type PublishErrorKind = 'refused' | 'record' | 'transient'

const RECORD_CODES: ReadonlySet<string> = new Set(['E_BAD_MESSAGE', 'E_BAD_BODY'])
const REFUSED_CODES: ReadonlySet<string> = new Set([
  'E_INVALID',
  'E_BAD_TOPIC',
  'E_UNAUTHORIZED',
  'E_AUTH_FAILED',
  'E_AUTH_FIRST',
  'E_AUTH_DISABLED',
  'E_AUTH_ERROR',
  'AUTH_REQUIRED',
  'TLS',
  'CONFIG',
])

/** Classifies a publish failure (see {@link PublishErrorKind}). Unknown `E_*` codes count as transient. */
export function classifyPublishError(error: Pick<NsqError, 'code'>): PublishErrorKind {
  if (REFUSED_CODES.has(error.code)) return 'refused'
  if (RECORD_CODES.has(error.code)) return 'record'
  return 'transient'
}

/** An nsqd that refused publishing for good (see {@link classifyPublishError}). */
export interface Refusal {
  /** The nsqd's TCP address, when known. */
  nsqd?: string
  error: NsqError
}
