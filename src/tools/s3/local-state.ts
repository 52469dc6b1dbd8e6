/**
 * The uploader's durable state is the output dir itself, so nothing is lost when the process is
 * killed at any moment. Everything it keeps there is hidden (dot files beside the data file), so
 * the output dir's listing holds only archive files, as nsq_to_file's does:
 *
 * - a finished file with its `.<file>.manifest.json` and no `.<file>.s3.json` marker is pending;
 * - once its upload is confirmed, the file and then its manifest are deleted, and then each
 *   folder below the output dir that this left empty; a crash before the file is gone leaves it
 *   pending, and the uploader's HEAD on the next start finds the object already there; a
 *   manifest left without its file is removed on the next start;
 * - with `--keep-local`, the marker `.<file>.s3.json` (bucket, key, ETag, time) is written and
 *   fsynced instead, so the file is never uploaded again. (A marker saying `keepLocal: false`,
 *   from an older version, finishes that file's clean-up.)
 *
 * Versions before the hidden layout wrote `<file>.manifest.json` and `<file>.s3.json` (visible):
 * a scan moves them to the hidden names first, so an output dir written by them is uploaded (and
 * not uploaded twice) the same way.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import type {FinishedFile} from '../to-file/file-shipper.js'
import {dataFileOfManifest, migrateLegacyManifests, readManifestJson, removeManifest} from '../to-file/manifest.js'
import {parseManifest} from './manifest-metadata.js'

/** File-name suffix of the marker written beside a file whose upload is confirmed (hidden: `.<file>.s3.json`). */
export const UPLOADED_SUFFIX = '.s3.json'

/** The upload marker of the data file `file`: `.<name>.s3.json` beside it. */
export function uploadMarkerPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${UPLOADED_SUFFIX}`)
}

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
  const manifest = parseManifest(await readManifestJson(file), name)
  if (manifest === undefined || !(await exists(file))) return undefined
  return {path: file, name, topic: manifest.topic ?? topicOf?.(name) ?? UNKNOWN_TOPIC, manifest}
}

/**
 * Moves the visible `<file>.s3.json` markers an older version wrote to their hidden names (a
 * rename: atomic), looking `maxDepth` folders deep.
 */
async function migrateLegacyMarkers(outputDir: string, maxDepth: number): Promise<void> {
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = await fs.readdir(dir, {withFileTypes: true})
    } catch {
      return
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (depth < maxDepth && !entry.name.startsWith('.')) await walk(full, depth + 1)
      } else if (entry.isFile() && !entry.name.startsWith('.') && entry.name.endsWith(UPLOADED_SUFFIX)) {
        const marker = await readJson(full)
        if (typeof marker !== 'object' || marker === null || !('bucket' in marker)) continue
        const target = uploadMarkerPath(full.slice(0, -UPLOADED_SUFFIX.length))
        if (await exists(target)) await fs.rm(full, {force: true})
        else await fs.rename(full, target)
      }
    }
  }
  await walk(outputDir, 0)
}

/**
 * Lists what needs doing in `outputDir`, looking `maxDepth` folders deep (the folders file names
 * make: see nameDepth). Files without a manifest (e.g. nsq_to_file's) are not touched. A
 * manifest without `topic` gets it from `topicOf(name)`. Manifests and markers of an older
 * version (visible, beside the file) are first moved to their hidden names.
 */
export async function scanOutputDir(
  outputDir: string,
  maxDepth: number,
  topicOf?: (name: string) => string | undefined,
): Promise<ScanResult> {
  await migrateLegacyManifests(outputDir, maxDepth)
  await migrateLegacyMarkers(outputDir, maxDepth)
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
        if (depth < maxDepth && !entry.name.startsWith('.')) await walk(name, depth + 1)
      } else if (entry.name.startsWith('.') && entry.name.endsWith(UPLOADED_SUFFIX)) {
        const marker = (await readJson(path.join(outputDir, name))) as Partial<UploadMarker> | undefined
        const data = path.join(path.dirname(path.join(outputDir, name)), entry.name.slice(1, -UPLOADED_SUFFIX.length))
        if (marker?.keepLocal === false) unfinishedCleanups.push(data)
      } else {
        const data = dataFileOfManifest(path.join(outputDir, name))
        if (data === undefined) continue
        const dataName = path.relative(outputDir, data).split(path.sep).join('/')
        if (await exists(uploadMarkerPath(data))) continue
        const file = await readFinishedFile(outputDir, dataName, topicOf)
        if (file === undefined) {
          if (!(await exists(data))) unfinishedCleanups.push(data)
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
  const target = uploadMarkerPath(file)
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
 * Deletes the uploaded file, then its manifest, then its marker (each may already be gone), then
 * each folder between the file and `outputDir` that is now empty (never `outputDir` itself). No
 * fsync: a deletion lost in a crash only brings back a file whose upload the next start confirms.
 */
export async function removeUploaded(file: string, outputDir: string): Promise<void> {
  await fs.rm(file, {force: true})
  await removeManifest(file)
  await fs.rm(uploadMarkerPath(file), {force: true})
  await fs.rm(file + UPLOADED_SUFFIX, {force: true})
  await removeEmptyFolders(path.dirname(file), outputDir)
}

/**
 * Removes `dir` and its parents while they are empty, up to but never `outputDir`. A folder that
 * to-file fills again meanwhile makes rmdir fail (ENOTEMPTY), which ends the walk; a folder it is
 * about to fill is made again (archive-file.ts retries a create whose folder vanished).
 */
export async function removeEmptyFolders(dir: string, outputDir: string): Promise<void> {
  const root = path.resolve(outputDir)
  for (let at = path.resolve(dir); at !== root && at.startsWith(root + path.sep); at = path.dirname(at)) {
    try {
      await fs.rmdir(at)
    } catch {
      return
    }
  }
}
