/**
 * Which files a replay reads, and in which order, decided before any of them is opened: a file
 * whose manifest (first / last timestamp) or, without one, whose name's datetime (see
 * name-time.ts) lies wholly outside `--since` / `--until` is skipped unread. Files are replayed in
 * time order (manifest's first timestamp, else the name's start), then by key.
 */
import {rfc3339ToNanos} from '../to-file/manifest.js'
import type {ArchiveFile} from './archive-file.js'
import type {NameSpan} from './name-time.js'
import {isOpen, overlaps, type TimeRange} from './time-range.js'

/** Where a file's time span came from. */
export type SpanSource = 'manifest' | 'name' | 'none'

/** A file with the span it was judged by. */
export interface PlannedFile {
  file: ArchiveFile
  /** [first, last] in ms, both inclusive; undefined when nothing tells. */
  span: {firstMs: number; lastMs: number} | undefined
  source: SpanSource
}

export interface Selection {
  /** Files to read, in replay order. */
  selected: PlannedFile[]
  /** Files left out (outside the range, or an empty manifest), in key order. */
  skipped: PlannedFile[]
}

/** The span of one file: its manifest's first / last timestamp, else its name's datetime. */
export function spanOf(file: ArchiveFile, nameSpan: ((name: string) => NameSpan | undefined) | undefined): PlannedFile {
  const first = rfc3339ToNanos(file.manifest?.firstTimestamp ?? null)
  const last = rfc3339ToNanos(file.manifest?.lastTimestamp ?? null)
  if (first !== undefined && last !== undefined) {
    return {file, span: {firstMs: Number(first / 1_000_000n), lastMs: Number(last / 1_000_000n)}, source: 'manifest'}
  }
  const named = nameSpan?.(file.name)
  if (named !== undefined) return {file, span: {firstMs: named.startMs, lastMs: named.endMs - 1}, source: 'name'}
  return {file, span: undefined, source: 'none'}
}

/**
 * Splits the files into those to read (in replay order) and those skipped. A file with no span
 * is read (its records are filtered by their own timestamps, when they have them); one whose
 * manifest counts no messages is skipped.
 */
export function selectFiles(
  files: readonly ArchiveFile[],
  range: TimeRange,
  nameSpan: ((name: string) => NameSpan | undefined) | undefined,
): Selection {
  const selected: PlannedFile[] = []
  const skipped: PlannedFile[] = []
  for (const file of files) {
    const planned = spanOf(file, nameSpan)
    const empty = file.manifest !== undefined && file.manifest.messages === 0
    const outside = !isOpen(range) && planned.span !== undefined && !overlaps(range, planned.span.firstMs, planned.span.lastMs)
    ;(empty || outside ? skipped : selected).push(planned)
  }
  const startOf = (p: PlannedFile): number => p.span?.firstMs ?? -Infinity
  selected.sort((a, b) => startOf(a) - startOf(b) || (a.file.key < b.file.key ? -1 : a.file.key > b.file.key ? 1 : 0))
  skipped.sort((a, b) => (a.file.key < b.file.key ? -1 : 1))
  return {selected, skipped}
}
