import type {FailureReason} from '../publish/errors-file.js'
import type {PublishMode} from '../publish/publisher.js'
import {plural} from '../plural.js'
import {formatCount} from '../format-count.js'

/** Why a replay stopped reading: all files read, Ctrl-C, a file failed `--verify`, nsqd refused, the errors file or the checkpoint could not be written, a publish failed with `--checkpoint`. */
export type ReplayStopCause = 'eof' | 'interrupted' | 'bad-file' | 'refused' | 'errors-file' | 'checkpoint' | 'publish-failed'

/** Counters kept while a replay goes on (read them for progress). */
export interface ReplayStats {
  /** Stored bytes of the selected files, when known (for the ETA). */
  bytesTotal: number
  /** Stored bytes read so far. */
  bytesRead: number
  filesRead: number
  /** Records read from the files (after the resumed ones). */
  records: number
  /** Records handed to nsqd (dry run: that would be). */
  accepted: number
  published: number
  /** Body bytes nsqd acknowledged (dry run: accepted). */
  bodyBytes: number
  /** Records whose envelope timestamp is outside --since / --until. */
  outOfRange: number
  /** Records skipped because a checkpoint says they were replayed before. */
  resumedRecords: number
  skippedEmpty: number
  failures: Record<FailureReason, number>
}

/** A torn gzip file: where it tore and what was cut off. */
export interface TornFile {
  file: string
  error: string
  /** Stored bytes read when it tore. */
  storedBytes: number
  /** Bytes of the last line cut off by the tear (not published; in the errors file as `incomplete`). */
  remainderBytes: number
}

/** The end-of-run summary (`--json` prints this object). */
export interface ReplaySummary {
  /** The topic replayed into (`--topic-from-envelope`: the fallback topic, or null). */
  topic: string | null
  /** Records published per topic. */
  topics: Record<string, number>
  mode: PublishMode
  nsqd: string[]
  dryRun: boolean
  files: {
    /** Files found (paths, folders, globs, S3 listing). */
    found: number
    /** Files overlapping the time range (to be read). */
    selected: number
    /** Files outside the time range (or with an empty manifest), not read. */
    skipped: number
    /** Files read (to their end or, when stopped, partly). */
    read: number
    /** Files a checkpoint says were replayed whole, not read again. */
    resumed: number
    /** Files that failed --verify. */
    bad: {file: string; problem: string}[]
    torn: TornFile[]
  }
  bytes: {selected: number; read: number}
  records: number
  accepted: number
  published: number
  bodyBytes: number
  outOfRange: number
  resumedRecords: number
  skippedEmpty: number
  failed: number
  failures: Record<FailureReason, number>
  elapsedMs: number
  rate: number
  stoppedBy: ReplayStopCause
  errorsFile?: string
  refused?: {nsqd?: string; code: string; error: string}
  checkpoint?: {
    path: string
    /** The checkpoint existed: this run resumed from it. */
    resumed: boolean
    /** The most records a resumed run may send a second time (records accepted beyond the checkpoint on disk). */
    maxDuplicates: number
    /** Set when writing it failed. */
    error?: string
  }
  limits: {maxMessageBytes: number; maxBodyBytes: number; source: 'nsqd' | 'flags'}
}

/** Records not published so far. */
export function failedCount(stats: Pick<ReplayStats, 'failures'>): number {
  return Object.values(stats.failures).reduce((a, b) => a + b, 0)
}

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

const STOP_TEXT: Record<ReplayStopCause, string> = {
  eof: '',
  interrupted: '; interrupted',
  'bad-file': '; stopped at a file that failed --verify',
  refused: '; stopped early: nsqd refused publishing',
  'errors-file': '; stopped early: the errors file failed',
  checkpoint: '; stopped early: the checkpoint could not be written',
  'publish-failed': '; stopped at a record nsqd did not take (the checkpoint keeps its place)',
}

/** The stderr summary lines. */
export function formatSummary(s: ReplaySummary): string[] {
  const n = formatCount
  const f = s.files
  const filesLine = `files: ${n(f.found)} found, ${n(f.selected)} in range (${bytesText(s.bytes.selected)}), ${n(f.skipped)} skipped unread${f.resumed > 0 ? `, ${n(f.resumed)} done before (checkpoint)` : ''}${f.bad.length > 0 ? `, ${n(f.bad.length)} failed --verify` : ''}${f.torn.length > 0 ? `, ${n(f.torn.length)} torn` : ''}`
  const failedParts = Object.entries(s.failures)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${n(count)} ${reason}`)
  const extra = [
    s.outOfRange > 0 ? `${n(s.outOfRange)} outside the time range` : '',
    s.resumedRecords > 0 ? `${n(s.resumedRecords)} done before (checkpoint)` : '',
    s.skippedEmpty > 0 ? `${n(s.skippedEmpty)} empty skipped` : '',
  ].filter(Boolean)
  const where = s.topic ?? Object.keys(s.topics).join(', ')
  const head = s.dryRun
    ? `dry run: ${plural(s.accepted, 'record', {format: n})} (${bytesText(s.bodyBytes)}) in range would be published to ${where || 'their topics'}`
    : `published ${plural(s.published, 'msg', {format: n})} (${bytesText(s.bodyBytes)}) to ${where || 'no topic'} in ${(s.elapsedMs / 1000).toFixed(2)}s, ${n(s.rate)} msg/s`
  const records = `${head}; ${n(s.records)} read, ${n(s.failed)} failed${failedParts.length > 0 ? ` (${failedParts.join(', ')})` : ''}${extra.length > 0 ? `, ${extra.join(', ')}` : ''}${STOP_TEXT[s.stoppedBy]}`
  return [filesLine, records]
}
