/**
 * Sidecar files that mark a file as in progress, beside it in the work dir:
 * - `.<name>.open`: JSON {@link OpenMarker}, created before the file and removed after it is
 *   finished, so a restart knows which files a crash left behind (even when the work dir is
 *   the output dir);
 * - `.<name>.sync` (plain files only): the sync journal (see sync-journal.ts). gzip files need
 *   no journal: each sync closes a member whose trailer proves it complete.
 */
import fs from 'node:fs/promises'
import path from 'node:path'

/** What the `.open` marker records. */
export interface OpenMarker {
  topic: string
  format: 'raw' | 'json'
  gzip: boolean
  /** The dated name (`<REV>` unresolved) and revision, so a repaired file can be moved with a revision bump. */
  datedName?: string
  rev?: number
  /** Path relative to the output dir the file is being moved to (set just before the move). */
  destination?: string
}

export const OPEN_SUFFIX = '.open'
export const SYNC_SUFFIX = '.sync'

/** The marker path for a data file. */
export function markerPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${OPEN_SUFFIX}`)
}

/** The journal path for a data file. */
export function journalPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${SYNC_SUFFIX}`)
}

/** The data file a marker (or a journal) belongs to, or undefined when `file` is neither. */
export function dataFileOfSidecar(file: string): string | undefined {
  const base = path.basename(file)
  if (!base.startsWith('.')) return undefined
  for (const suffix of [OPEN_SUFFIX, SYNC_SUFFIX]) {
    if (base.endsWith(suffix)) return path.join(path.dirname(file), base.slice(1, -suffix.length))
  }
  return undefined
}

export async function writeMarker(file: string, marker: OpenMarker): Promise<void> {
  await fs.writeFile(markerPath(file), JSON.stringify(marker))
}

/**
 * The marker of a data file, or undefined when there is none. A marker that exists but cannot be
 * read (a crash while it was written, or an older layout) still means "in progress": it comes
 * back with what can be told from the file name (gzip by the `.gz` suffix, format raw), so the
 * file is repaired rather than mistaken for a finished one.
 */
export async function readMarker(file: string): Promise<OpenMarker | undefined> {
  let text: string
  try {
    text = await fs.readFile(markerPath(file), 'utf8')
  } catch {
    return undefined
  }
  const fallback: OpenMarker = {topic: '', format: 'raw', gzip: file.endsWith('.gz')}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return fallback
  }
  if (typeof parsed !== 'object' || parsed === null) return fallback
  const m = parsed as Record<string, unknown>
  return {
    topic: typeof m.topic === 'string' ? m.topic : '',
    format: m.format === 'json' ? 'json' : 'raw',
    gzip: typeof m.gzip === 'boolean' ? m.gzip : fallback.gzip,
    ...(typeof m.datedName === 'string' ? {datedName: m.datedName} : {}),
    ...(typeof m.rev === 'number' ? {rev: m.rev} : {}),
    ...(typeof m.destination === 'string' ? {destination: m.destination} : {}),
  }
}

/** Removes the journal and then the marker of a data file (the marker goes last: it means "not finished"). */
export async function removeSidecars(file: string): Promise<void> {
  await fs.rm(journalPath(file), {force: true})
  await fs.rm(markerPath(file), {force: true})
}

/** fsync a directory, so created / linked / removed names in it are durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
