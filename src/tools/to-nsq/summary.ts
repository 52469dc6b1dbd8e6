import type {FailureReason} from '../publish/errors-file.js'
import type {PublishMode} from '../publish/publisher.js'
import {formatBytes} from '../format-bytes.js'
import {plural} from '../plural.js'
import {formatCount} from '../format-count.js'

/**
 * Why reading stopped: end of input, `--count`, a signal, bad input (`--on-oversize fail`,
 * `--on-invalid fail`), nsqd refused publishing for good (`refused`), or the errors file could
 * not be written (`errors-file`).
 */
export type StopCause = 'eof' | 'count' | 'interrupted' | 'bad-input' | 'refused' | 'errors-file'

/** What a run ends with. */
export interface RunResult {
  stoppedBy: StopCause
  stoppedAt?: {record: number; error: string}
  elapsedMs: number
}

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
  /** nsqd refused publishing for good (TLS required, AUTH denied…) and publishing stopped. */
  refused?: {nsqd?: string; code: string; error: string}
  /** Every nsqd that refused for good (in round-robin the others went on without it until none was left). */
  refusedNsqd?: {nsqd: string; code: string; error: string}[]
  /** The errors file failed: records neither published nor in it (`records` as ranges, e.g. `8-19, 23`). */
  unrecorded?: {count: number; records: string; code: string; error: string}
  limits: {maxMessageBytes: number; maxBodyBytes: number; source: 'nsqd' | 'flags'}
}

/** The one-line stderr summary, e.g. `published 100,000 msgs (9.5 MiB) to t in 1.20s, 83,333 msg/s; 100,000 read, 0 failed`. */
export function formatSummary(s: ToNsqSummary): string {
  const n = formatCount
  const secs = (s.elapsedMs / 1000).toFixed(2)
  const failedParts = Object.entries(s.failures)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${n(count)} ${reason}`)
  const failed = `${n(s.failed)} failed${failedParts.length > 0 ? ` (${failedParts.join(', ')})` : ''}`
  const skipped = s.skippedEmpty > 0 ? `, ${n(s.skippedEmpty)} empty skipped` : ''
  const head = s.dryRun
    ? `dry run: ${n(s.accepted)} of ${plural(s.records, 'record', {format: n})} would be published to ${s.topic}`
    : `published ${plural(s.published, 'msg', {format: n})} (${formatBytes(s.bytes)}) to ${s.topic} in ${secs}s, ${n(Math.round(s.rate))} msg/s`
  const stop = STOP_TEXT[s.stoppedBy]
  const unrecorded = s.unrecorded === undefined ? '' : `; ${n(s.unrecorded.count)} of them not in the errors file`
  const read = s.dryRun ? '' : `${n(s.records)} read, `
  return `${head}; ${read}${failed}${unrecorded}${skipped}${stop}`
}

const STOP_TEXT: Record<StopCause, string> = {
  eof: '',
  count: '; stopped at --count',
  interrupted: '; interrupted before end of input',
  'bad-input': '',
  refused: '; stopped early: nsqd refused publishing',
  'errors-file': '; stopped early: the errors file failed',
}

/** Records not published so far. */
export function failedCount(stats: ToNsqStats): number {
  return Object.values(stats.failures).reduce((a, b) => a + b, 0)
}

/** What the summary needs besides the run's counters. */
export type SummaryContext = Pick<ToNsqSummary, 'topic' | 'mode' | 'nsqd' | 'dryRun' | 'limits'> &
  Partial<Pick<ToNsqSummary, 'errorsFile' | 'refused' | 'refusedNsqd' | 'unrecorded'>>

/** The end-of-run summary from the counters and how the run ended. */
export function buildSummary(stats: ToNsqStats, result: RunResult, context: SummaryContext): ToNsqSummary {
  const counted = context.dryRun ? stats.accepted : stats.published
  return {
    topic: context.topic,
    mode: context.mode,
    nsqd: context.nsqd,
    dryRun: context.dryRun,
    records: stats.records,
    accepted: stats.accepted,
    published: stats.published,
    bytes: stats.bytes,
    failed: failedCount(stats),
    failures: {...stats.failures},
    skippedEmpty: stats.skippedEmpty,
    elapsedMs: Math.round(result.elapsedMs),
    rate: result.elapsedMs > 0 ? Math.round((counted * 1000) / result.elapsedMs) : 0,
    stoppedBy: result.stoppedBy,
    ...(result.stoppedAt === undefined ? {} : {stoppedAt: result.stoppedAt}),
    ...(context.errorsFile === undefined ? {} : {errorsFile: context.errorsFile}),
    ...(context.refused === undefined ? {} : {refused: context.refused}),
    ...(context.refusedNsqd === undefined || context.refusedNsqd.length === 0 ? {} : {refusedNsqd: context.refusedNsqd}),
    ...(context.unrecorded === undefined ? {} : {unrecorded: context.unrecorded}),
    limits: context.limits,
  }
}
