/**
 * Crash repair at start: every file a crash left in progress (it has a `.open` marker; with a
 * separate work dir, any data file there) is cut at its last complete sync — gzip: the last
 * complete member; plain: the last length its sync journal proves (or, without a journal, the
 * last newline) — fsynced, and finished into the output dir like a normally closed file (no
 * overwrite, hidden manifest written). What is cut off was never FIN'd, so nsqd redelivers it.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import zlib from 'node:zlib'
import type {FinishedFile} from './file-shipper.js'
import {scanGzipMembers} from './gzip-members.js'
import {ManifestBuilder, manifestPath, readManifest, writeManifest} from './manifest.js'
import {moveNoOverwrite} from './archive-file.js'
import {makeDirs} from './make-dirs.js'
import {isLedgerFile, RevisionLedger} from './revision-ledger.js'
import {journaledLength} from './sync-journal.js'
import {
  dataFileOfSidecar,
  journalPath,
  OPEN_SUFFIX,
  readMarker,
  removeSidecars,
  SYNC_SUFFIX,
  syncDir,
  writeMarker,
  type OpenMarker,
} from './work-markers.js'

export interface RepairOptions {
  workDir: string
  outputDir: string
  /** Used for files without a marker (format and gzip are guessed from the current run). */
  format: 'raw' | 'json'
  manifest: boolean
  /** Subdirectory levels the filename format creates (its `/` count): how deep to look when the work dir is the output dir. */
  depth: number
  /** A shipper is set (names are never reused): a revision bumped by the move is claimed in the topic's revision ledger. */
  uniqueNames?: boolean
}

/** What repair did to one file. */
export interface RepairedFile {
  file: FinishedFile | undefined
  /** Bytes cut from the torn tail. */
  cutBytes: number
  /** The file held nothing durable and was removed. */
  removedEmpty: boolean
}

async function walk(dir: string, depth: number, out: string[] = []): Promise<string[]> {
  let entries: import('node:fs').Dirent[]
  try {
    entries = await fs.readdir(dir, {withFileTypes: true})
  } catch {
    return out
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      if (depth > 0) await walk(full, depth - 1, out)
    } else if (entry.isFile()) out.push(full)
  }
  return out
}

/** Files in progress under the work dir (data files, not sidecars). */
export async function filesInProgress(workDir: string, separate: boolean, depth: number): Promise<string[]> {
  const all = await walk(workDir, separate ? 64 : depth)
  const found = new Set<string>()
  for (const file of all) {
    // A journal without its marker: a crash between the two removals at the end of a finish.
    const data = dataFileOfSidecar(file)
    if (data !== undefined) found.add(data)
    else if (separate && !isSidecar(file)) found.add(file)
  }
  return [...found].sort()
}

function isSidecar(file: string): boolean {
  const base = path.basename(file)
  return (base.startsWith('.') && (base.endsWith(OPEN_SUFFIX) || base.endsWith(SYNC_SUFFIX) || base.endsWith('.tmp'))) || isLedgerFile(file)
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file)
    return true
  } catch {
    return false
  }
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [sa, sb] = await Promise.all([fs.stat(a), fs.stat(b)])
    return sa.ino === sb.ino && sa.dev === sb.dev
  } catch {
    return false
  }
}

const CHUNK = 1 << 20
/** How much of a JSON line is searched for its "timestamp" (it follows topic, channel and id). */
const JSON_HEAD = 1024

/** Counts lines (and, json, their time range) into a manifest, fed chunk by chunk. */
class LineDescriber {
  private head: Buffer[] = []
  private headLength = 0

  constructor(
    private readonly builder: ManifestBuilder,
    private readonly format: 'raw' | 'json',
  ) {}

  feed(chunk: Buffer): void {
    let start = 0
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, start)) {
      this.keepHead(chunk.subarray(start, at))
      this.endLine()
      start = at + 1
    }
    this.keepHead(chunk.subarray(start))
  }

  private keepHead(part: Buffer): void {
    if (this.format !== 'json' || this.headLength >= JSON_HEAD || part.length === 0) return
    const take = part.subarray(0, JSON_HEAD - this.headLength)
    this.head.push(Buffer.from(take))
    this.headLength += take.length
  }

  private endLine(): void {
    if (this.format === 'json') {
      const match = /"timestamp":(\d+)/.exec(Buffer.concat(this.head).toString('utf8'))
      this.builder.message(match === null ? -1n : BigInt(match[1] as string) * 1_000_000n)
      this.head = []
      this.headLength = 0
    } else this.builder.message(-1n)
  }
}

/** Reads [start, end) of an open file in chunks. */
async function* chunksOf(handle: fs.FileHandle, start: number, end: number): AsyncGenerator<Buffer> {
  for (let at = start; at < end;) {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, end - at))
    const {bytesRead} = await handle.read(buffer, 0, buffer.length, at)
    if (bytesRead === 0) return
    yield buffer.subarray(0, bytesRead)
    at += bytesRead
  }
}

/** Offset just past the last newline before `end` (0 when none), reading backwards. */
async function afterLastNewline(handle: fs.FileHandle, end: number): Promise<number> {
  for (let stop = end; stop > 0;) {
    const start = Math.max(0, stop - CHUNK)
    const buffer = Buffer.allocUnsafe(stop - start)
    await handle.read(buffer, 0, buffer.length, start)
    const at = buffer.lastIndexOf(10)
    if (at >= 0) return start + at + 1
    stop = start
  }
  return 0
}

/** Plain file: the durable length (journal, else last newline), and its manifest, reading in chunks. */
async function examinePlain(dataPath: string, size: number, builder: ManifestBuilder, format: 'raw' | 'json'): Promise<number> {
  const handle = await fs.open(dataPath, 'r')
  try {
    const crc = async (start: number, end: number): Promise<number> => {
      let value = 0
      for await (const chunk of chunksOf(handle, start, end)) value = zlib.crc32(chunk, value)
      return value
    }
    const keep = (await journaledLength(journalPath(dataPath), {size, crc})) ?? (await afterLastNewline(handle, size))
    const lines = new LineDescriber(builder, format)
    for await (const chunk of chunksOf(handle, 0, keep)) {
      builder.stored(chunk)
      lines.feed(chunk)
    }
    return keep
  } finally {
    await handle.close()
  }
}

/** gzip file: the length of its complete members, and its manifest (the compressed file is read whole). */
async function examineGzip(dataPath: string, builder: ManifestBuilder, format: 'raw' | 'json'): Promise<number> {
  const data = await fs.readFile(dataPath)
  const lines = new LineDescriber(builder, format)
  const {validLength} = scanGzipMembers(data, (content) => lines.feed(content))
  builder.stored(data.subarray(0, validLength))
  return validLength
}

/** Repairs one file in progress; see the module comment. */
export async function repairFile(dataPath: string, options: RepairOptions): Promise<RepairedFile> {
  const separate = options.workDir !== options.outputDir
  const marker: OpenMarker | undefined = await readMarker(dataPath)
  if (marker === undefined && !separate) {
    // Only a journal was left: the file was finished (the marker is removed last).
    await removeSidecars(dataPath)
    return {file: undefined, cutBytes: 0, removedEmpty: false}
  }
  const gzip = marker?.gzip ?? dataPath.endsWith('.gz')
  const format = marker?.format ?? options.format
  let stat
  try {
    stat = await fs.stat(dataPath)
  } catch {
    // Gone from the work dir: a crash after the move; finish what the move left (the manifest).
    let file: FinishedFile | undefined
    if (separate && marker?.destination !== undefined) {
      const landed = path.join(options.outputDir, marker.destination)
      if (await exists(landed)) file = await finishInPlace(landed, options, gzip, format, marker.topic)
    }
    await removeSidecars(dataPath)
    return {file, cutBytes: 0, removedEmpty: false}
  }
  const relWork = path.relative(options.workDir, dataPath)

  // Crash between the link into the output dir and the unlink: the move already happened.
  if (separate && marker?.destination !== undefined) {
    const landed = path.join(options.outputDir, marker.destination)
    if (await sameFile(dataPath, landed)) {
      const file = await finishInPlace(landed, options, gzip, format, marker.topic)
      await fs.unlink(dataPath)
      await removeSidecars(dataPath)
      return {file, cutBytes: 0, removedEmpty: false}
    }
  }

  const builder = new ManifestBuilder(format, gzip)
  const keep = gzip ? await examineGzip(dataPath, builder, format) : await examinePlain(dataPath, stat.size, builder, format)
  const cutBytes = stat.size - keep
  if (keep === 0) {
    await fs.unlink(dataPath)
    await removeSidecars(dataPath)
    return {file: undefined, cutBytes, removedEmpty: true}
  }
  if (cutBytes > 0) {
    const handle = await fs.open(dataPath, 'r+')
    try {
      await handle.truncate(keep)
      await handle.sync()
    } finally {
      await handle.close()
    }
  }
  const topic = marker?.topic ?? ''
  let finalPath = dataPath
  if (separate) {
    const datedName = marker?.datedName ?? relWork
    const rev = marker?.rev ?? 0
    const record = async (rel: string, bumped?: number): Promise<void> => {
      if (options.uniqueNames === true && bumped !== undefined && bumped !== rev && topic !== '')
        await new RevisionLedger(options.workDir, topic).claim(datedName, bumped)
      await writeMarker(dataPath, {topic, format, gzip, datedName, rev, destination: rel})
    }
    const moved = datedName.includes('<REV>')
      ? await moveNoOverwrite(dataPath, options.outputDir, datedName, rev, record)
      : await moveWithSuffix(dataPath, options.outputDir, relWork, record)
    finalPath = path.join(options.outputDir, moved.rel)
  }
  const manifest = builder.finish()
  if (options.manifest) await writeManifest(finalPath, manifest)
  if (finalPath !== dataPath) await fs.unlink(dataPath)
  await removeSidecars(dataPath)
  return {file: {path: finalPath, name: path.relative(options.outputDir, finalPath), topic, manifest}, cutBytes, removedEmpty: false}
}

/** A file without a revision template: move under its own name, or `<name>.repaired-N`. */
async function moveWithSuffix(
  source: string,
  outputDir: string,
  rel: string,
  record: (rel: string) => Promise<void>,
): Promise<{rel: string}> {
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? rel : `${rel}.repaired-${n}`
    const target = path.join(outputDir, candidate)
    await makeDirs(path.dirname(target))
    await record(candidate)
    try {
      await fs.link(source, target)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw error
    }
    await syncDir(path.dirname(target))
    return {rel: candidate}
  }
}

async function finishInPlace(
  file: string,
  options: RepairOptions,
  gzip: boolean,
  format: 'raw' | 'json',
  topic: string,
): Promise<FinishedFile> {
  let manifest = await readManifest(file)
  if (manifest !== undefined && options.manifest && !(await exists(manifestPath(file)))) {
    // Written beside the file by an older version: moved to the hidden name.
    await writeManifest(file, manifest)
  } else if (manifest === undefined) {
    const builder = new ManifestBuilder(format, gzip)
    if (gzip) await examineGzip(file, builder, format)
    else await examinePlain(file, (await fs.stat(file)).size, builder, format)
    manifest = builder.finish()
    if (options.manifest) await writeManifest(file, manifest)
  }
  return {path: file, name: path.relative(options.outputDir, file), topic, manifest}
}

/** Repairs every file a crash left in the work dir, oldest name first. */
export async function repairWorkDir(options: RepairOptions): Promise<RepairedFile[]> {
  const separate = options.workDir !== options.outputDir
  const repaired: RepairedFile[] = []
  for (const file of await filesInProgress(options.workDir, separate, options.depth)) repaired.push(await repairFile(file, options))
  return repaired
}
