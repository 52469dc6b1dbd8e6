/**
 * The uploader's durable state is the output dir itself, so nothing is lost when the process is
 * killed at any moment:
 *
 * - a finished file with its `<file>.manifest.json` and no `<file>.s3.json` marker is pending;
 * - once its upload is confirmed, the file and then its manifest are deleted; a crash before
 *   the file is gone leaves it pending, and the uploader's HEAD on the next start finds the object
 *   already there; a manifest left without its file is removed on the next start;
 * - with `--keep-local`, the marker `<file>.s3.json` (bucket, key, ETag, time) is written and
 *   fsynced instead, so the file is never uploaded again. (A marker saying `keepLocal: false`,
 *   from an older version, finishes that file's clean-up.)
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import {MANIFEST_SUFFIX, type FinishedFile} from '../to-file/finished-sink.js'
import {parseManifest} from './manifest-metadata.js'

/** File-name suffix of the marker written beside a file whose upload is confirmed. */
export const UPLOADED_SUFFIX = '.s3.json'

/** `<TOPIC>` of a file whose topic neither its manifest nor its name tells. */
export const UNKNOWN_TOPIC = 'unknown-topic'

/** Contents of an upload marker. */
export interface UploadMarker {
  bucket: string
  key: string
  etag: string | undefined
  bytes: number
  sha256: string
  /** RFC 3339 */
  uploadedAt: string
  /** True when the local file is kept (then the marker stays, and the file is not uploaded again). */
  keepLocal: boolean
}

/** What a scan of the output dir found. */
export interface ScanResult {
  /** Files with a manifest and no marker, oldest first. */
  pending: FinishedFile[]
  /**
   * Files whose upload was confirmed but whose clean-up a crash interrupted: a marker without
   * keepLocal, or a manifest left without its file (to-file writes the manifest after the file,
   * so only a deletion leaves that).
   */
  unfinishedCleanups: string[]
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as unknown
  } catch {
    return undefined
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file)
    return true
  } catch {
    return false
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Reads a finished file's manifest from disk; undefined when it is missing or not valid (yet). */
export async function readFinishedFile(
  outputDir: string,
  name: string,
  topicOf?: (name: string) => string | undefined,
): Promise<FinishedFile | undefined> {
  const file = path.join(outputDir, name)
  const manifest = parseManifest(await readJson(file + MANIFEST_SUFFIX), name)
  if (manifest === undefined || !(await exists(file))) return undefined
  return {path: file, name, topic: manifest.topic ?? topicOf?.(name) ?? UNKNOWN_TOPIC, manifest}
}

/**
 * Lists what needs doing in `outputDir`, looking `maxDepth` folders deep (the number of `/` in
 * `--filename-format`). Files without a manifest (e.g. nsq_to_file's) are not touched. A
 * manifest without `topic` gets it from `topicOf(name)`.
 */
export async function scanOutputDir(
  outputDir: string,
  maxDepth: number,
  topicOf?: (name: string) => string | undefined,
): Promise<ScanResult> {
  const found: {file: FinishedFile; mtimeMs: number}[] = []
  const unfinishedCleanups: string[] = []
  const walk = async (relative: string, depth: number): Promise<void> => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = await fs.readdir(path.join(outputDir, relative), {withFileTypes: true})
    } catch {
      return
    }
    for (const entry of entries) {
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) {
        if (depth < maxDepth) await walk(name, depth + 1)
      } else if (entry.name.endsWith(UPLOADED_SUFFIX)) {
        const marker = (await readJson(path.join(outputDir, name))) as Partial<UploadMarker> | undefined
        if (marker?.keepLocal === false) unfinishedCleanups.push(path.join(outputDir, name.slice(0, -UPLOADED_SUFFIX.length)))
      } else if (entry.name.endsWith(MANIFEST_SUFFIX)) {
        const dataName = name.slice(0, -MANIFEST_SUFFIX.length)
        if (await exists(path.join(outputDir, dataName + UPLOADED_SUFFIX))) continue
        const file = await readFinishedFile(outputDir, dataName, topicOf)
        if (file === undefined) {
          if (!(await exists(path.join(outputDir, dataName)))) unfinishedCleanups.push(path.join(outputDir, dataName))
          continue
        }
        const stat = await fs.stat(file.path).catch(() => undefined)
        if (stat !== undefined) found.push({file, mtimeMs: stat.mtimeMs})
      }
    }
  }
  await walk('', 0)
  found.sort((a, b) => a.mtimeMs - b.mtimeMs || a.file.name.localeCompare(b.file.name))
  return {pending: found.map((f) => f.file), unfinishedCleanups}
}

/**
 * True while to-file has `file` open (its hidden `.<name>.open` marker is beside it: the work
 * dir is the output dir unless --work-dir is given). Such a file is neither uploaded
 * nor deleted now; to-file hands it over again when it is finished.
 */
export async function inProgress(file: string): Promise<boolean> {
  return exists(path.join(path.dirname(file), `.${path.basename(file)}.open`))
}

/** Writes the marker for `file` durably (temp file, fsync, rename, fsync of the folder). */
export async function writeMarker(file: string, marker: UploadMarker): Promise<void> {
  const target = file + UPLOADED_SUFFIX
  const temp = `${target}.tmp-${process.pid}`
  const handle = await fs.open(temp, 'w')
  try {
    await handle.writeFile(`${JSON.stringify(marker, null, 2)}\n`)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await fs.rename(temp, target)
  await fsyncDir(path.dirname(target))
}

/**
 * Deletes the uploaded file, then its manifest, then its marker (each may already be gone). No
 * fsync: a deletion lost in a crash only brings back a file whose upload the next start confirms.
 */
export async function removeUploaded(file: string): Promise<void> {
  for (const victim of [file, file + MANIFEST_SUFFIX, file + UPLOADED_SUFFIX]) await fs.rm(victim, {force: true})
}
