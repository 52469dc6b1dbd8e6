/**
 * The manifest of each finished archive file: message count, stored size, earliest/latest NSQ
 * timestamp, SHA-256 of the stored bytes, format.
 *
 * Where it lives: a hidden sibling, `.<name>.manifest.json`, beside the file in the output dir.
 * Hidden so that the output dir's listing and globs (`ls`, `zcat /data/archive/*`) hold exactly
 * what nsq_to_file's hold; a sibling (not a subfolder or one index per folder) so each manifest is
 * written, renamed and deleted on its own, atomically, with no shared file to rewrite under
 * concurrent finishes, crash repair and uploads, and so it stays next to its file whatever
 * subfolders `--filename-format` / `--datetime-format` make. Versions before this one wrote
 * `<name>.manifest.json` (visible): {@link readManifest} still reads it and
 * {@link migrateLegacyManifests} moves it to the hidden name.
 */
import {createHash, type Hash} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

/** Facts about one finished archive file (also written as `.<file>.manifest.json`). */
export interface ArchiveManifest {
  /** Messages in the file. */
  messages: number
  /** Bytes of the file as stored (compressed size when gzip). */
  bytes: number
  /** Timestamp (RFC 3339, from the NSQ message timestamp) of the first message, null when empty. */
  firstTimestamp: string | null
  /** Timestamp (RFC 3339) of the last message, null when empty. */
  lastTimestamp: string | null
  /** Lowercase hex SHA-256 of the file as stored. */
  sha256: string
  /** Line format of the messages. */
  format: 'raw' | 'json'
  /** True when the file is a (multi-member) gzip stream. */
  gzip: boolean
  /**
   * Topic the file archives. Optional for compatibility; to-file should write it, because a
   * shipper that resumes uploads after a crash reads only the manifest on disk and needs the topic
   * for `<TOPIC>` in `--s3-prefix`.
   */
  topic?: string
}

/** File-name suffix of a manifest (hidden: `.<file>.manifest.json`; before: `<file>.manifest.json`). */
export const MANIFEST_SUFFIX = '.manifest.json'

/** Where the manifest of the data file `file` is written: `.<name>.manifest.json` beside it. */
export function manifestPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${MANIFEST_SUFFIX}`)
}

/** Where versions before the hidden layout wrote it: `<name>.manifest.json` beside the file. */
export function legacyManifestPath(file: string): string {
  return file + MANIFEST_SUFFIX
}

/** The data file a hidden manifest belongs to, or undefined when `file` is not one. */
export function dataFileOfManifest(file: string): string | undefined {
  const base = path.basename(file)
  if (!base.startsWith('.') || !base.endsWith(MANIFEST_SUFFIX) || base.length <= MANIFEST_SUFFIX.length + 1) return undefined
  return path.join(path.dirname(file), base.slice(1, -MANIFEST_SUFFIX.length))
}

/** Nanoseconds since the epoch → RFC 3339 with nanoseconds (`2024-01-31T15:04:05.123456789Z`). */
export function nanosToRfc3339(nanos: bigint): string {
  const millis = nanos / 1_000_000n
  const iso = new Date(Number(millis)).toISOString()
  const fraction = String(nanos % 1_000_000_000n).padStart(9, '0')
  return `${iso.slice(0, 19)}.${fraction}Z`
}

/** Accumulates a manifest while a file is written. */
export class ManifestBuilder {
  private readonly hash: Hash = createHash('sha256')
  messages = 0
  bytes = 0
  private first: bigint | undefined
  private last: bigint | undefined

  constructor(
    private readonly format: 'raw' | 'json',
    private readonly gzip: boolean,
  ) {}

  /** Bytes as stored (compressed with gzip) that were appended to the file. */
  stored(chunk: Buffer): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
  }

  /** One message written, with its NSQ timestamp (ns); a timestamp of -1 is unknown. */
  message(timestampNs: bigint): void {
    this.messages++
    if (timestampNs >= 0n) this.widen(timestampNs)
  }

  /** Messages of unknown time (e.g. lines already in a file we append to). */
  untimedMessages(count: number): void {
    this.messages += count
  }

  /** Widens the time range without counting a message (timestamps of an earlier manifest). */
  widen(timestampNs: bigint | undefined): void {
    if (timestampNs === undefined) return
    if (this.first === undefined || timestampNs < this.first) this.first = timestampNs
    if (this.last === undefined || timestampNs > this.last) this.last = timestampNs
  }

  finish(): ArchiveManifest {
    return {
      messages: this.messages,
      bytes: this.bytes,
      firstTimestamp: this.first === undefined ? null : nanosToRfc3339(this.first),
      lastTimestamp: this.last === undefined ? null : nanosToRfc3339(this.last),
      sha256: this.hash.digest('hex'),
      format: this.format,
      gzip: this.gzip,
    }
  }
}

/** RFC 3339 (as written by nanosToRfc3339) back to nanoseconds; undefined when unparsable. */
export function rfc3339ToNanos(text: string | null): bigint | undefined {
  if (text === null) return undefined
  const match = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(text)
  if (match === null) return undefined
  const seconds = Date.parse(`${match[1] as string}Z`)
  if (Number.isNaN(seconds)) return undefined
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? '0').padEnd(9, '0'))
}

/** Writes `.<file>.manifest.json` atomically (temp file + rename; the temp name is hidden too). */
export async function writeManifest(filePath: string, manifest: ArchiveManifest): Promise<void> {
  const target = manifestPath(filePath)
  const temp = `${target}.tmp`
  await fs.writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`)
  await fs.rename(temp, target)
  // An older version's visible manifest of the same file would now be stale.
  await fs.rm(legacyManifestPath(filePath), {force: true})
}

/** Parsed JSON that looks like a manifest (what to-file itself relies on), or undefined. */
function asManifest(parsed: unknown): ArchiveManifest | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const m = parsed as Record<string, unknown>
  if (typeof m.messages !== 'number' || typeof m.sha256 !== 'string') return undefined
  return parsed as ArchiveManifest
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as unknown
  } catch {
    return undefined
  }
}

/**
 * Reads the manifest of `filePath` as JSON (hidden name first, then an older version's visible
 * one); undefined when there is none or it is not valid JSON. Callers validate the fields.
 */
export async function readManifestJson(filePath: string): Promise<unknown> {
  return (await readJson(manifestPath(filePath))) ?? readJson(legacyManifestPath(filePath))
}

/** Reads a manifest written by writeManifest (or by an older version beside the file), or undefined. */
export async function readManifest(filePath: string): Promise<ArchiveManifest | undefined> {
  return asManifest(await readManifestJson(filePath))
}

/** Deletes both names of a file's manifest (each may be gone already). */
export async function removeManifest(filePath: string): Promise<void> {
  await fs.rm(manifestPath(filePath), {force: true})
  await fs.rm(legacyManifestPath(filePath), {force: true})
}

/**
 * Moves the visible `<name>.manifest.json` files an older version wrote in `outputDir` (and up to
 * `depth` folders below it) to their hidden names, so the output dir then holds only what
 * nsq_to_file's holds. Only files that parse as a manifest are moved (a user's own
 * `x.manifest.json` stays). A rename is atomic, so a crash midway leaves each manifest under one
 * name or the other, both of which are read. Returns how many were moved.
 */
export async function migrateLegacyManifests(outputDir: string, depth: number): Promise<number> {
  let moved = 0
  const walk = async (dir: string, left: number): Promise<void> => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = await fs.readdir(dir, {withFileTypes: true})
    } catch {
      return
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (left > 0 && !entry.name.startsWith('.')) await walk(full, left - 1)
        continue
      }
      if (!entry.isFile() || entry.name.startsWith('.') || !entry.name.endsWith(MANIFEST_SUFFIX)) continue
      if (entry.name.length === MANIFEST_SUFFIX.length) continue
      if (asManifest(await readJson(full)) === undefined) continue
      const data = full.slice(0, -MANIFEST_SUFFIX.length)
      const target = manifestPath(data)
      try {
        await fs.stat(target)
        // Both names: the hidden one is the newer (writeManifest removes the visible one after it).
        await fs.rm(full, {force: true})
      } catch {
        await fs.rename(full, target)
      }
      moved++
    }
  }
  await walk(outputDir, depth)
  return moved
}
