import type {FailureReason} from './errors-file.js'
import type {PublishMode} from './publisher.js'

/** Why reading stopped. */
export type StopCause = 'eof' | 'count' | 'interrupted' | 'bad-input'

/** Counters kept while a run goes on (read them for progress). */
export interface ToNsqStats {
  /** Records read from the input, empty ones included. */
  records: number
  /** Records handed to nsqd (or, in a dry run, that would be). */
  accepted: number
  /** Records nsqd acknowledged. */
  published: number
  /** Body bytes nsqd acknowledged. */
  bytes: number
  /** Records not published, by reason. */
  failures: Record<FailureReason, number>
  /** Empty records skipped (as the official to_nsq does), not counted as failures. */
  skippedEmpty: number
}

/** The end-of-run summary (`--json` prints this object). */
export interface ToNsqSummary {
  topic: string
  mode: PublishMode
  nsqd: string[]
  dryRun: boolean
  records: number
  accepted: number
  published: number
  bytes: number
  /** Records not published (the sum of `failures`). */
  failed: number
  failures: Record<FailureReason, number>
  skippedEmpty: number
  elapsedMs: number
  /** Published (or, dry run, accepted) records per second. */
  rate: number
  stoppedBy: StopCause
  /** Set when reading stopped at bad input (`--on-oversize fail`, invalid envelope). */
  stoppedAt?: {record: number; error: string}
  errorsFile?: string
  limits: {maxMessageBytes: number; maxBodyBytes: number; source: 'nsqd' | 'flags'}
}

/** Human byte count for the summary line. */
function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

/** The one-line stderr summary, e.g. `published 100,000 msgs (9.5 MiB) to t in 1.20s, 83,333 msg/s; 0 failed`. */
export function formatSummary(s: ToNsqSummary): string {
  const n = (value: number): string => value.toLocaleString('en-US')
  const secs = (s.elapsedMs / 1000).toFixed(2)
  const failedParts = Object.entries(s.failures).filter(([, count]) => count > 0).map(([reason, count]) => `${n(count)} ${reason}`)
  const failed = `${n(s.failed)} failed${failedParts.length > 0 ? ` (${failedParts.join(', ')})` : ''}`
  const skipped = s.skippedEmpty > 0 ? `, ${n(s.skippedEmpty)} empty skipped` : ''
  const head = s.dryRun
    ? `dry run: ${n(s.accepted)} of ${n(s.records)} records would be published to ${s.topic}`
    : `published ${n(s.published)} msgs (${bytesText(s.bytes)}) to ${s.topic} in ${secs}s, ${n(Math.round(s.rate))} msg/s`
  const stop = s.stoppedBy === 'interrupted' ? '; interrupted before end of input' : s.stoppedBy === 'count' ? '; stopped at --count' : ''
  return `${head}; ${failed}${skipped}${stop}`
}
