/**
 * One archive file while it is written: opened in the work dir under the first free revision
 * (nsq_to_file's updateFile), appended one sync at a time (plain bytes, or one gzip member per
 * sync), each append fdatasync'ed (plus the plain-file sync journal) before it resolves, and
 * finished by moving it into the output dir without ever overwriting (link + unlink, bumping the
 * revision on a clash) and writing its hidden manifest (manifest.ts).
 */
import fsSync from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'
import zlib from 'node:zlib'
import {NsqError} from '../../core/index.js'
import type {FinishedFile} from './file-shipper.js'
import {makeDirs} from './make-dirs.js'
import {ManifestBuilder, readManifest, rfc3339ToNanos, writeManifest} from './manifest.js'
import {withRev} from './naming.js'
import {crcOf, encodeRecord, RECORD_SIZE} from './sync-journal.js'
import {journalPath, markerPath, removeSidecars, syncDir, writeMarker} from './work-markers.js'

const gzip = promisify(zlib.gzip)
/** The journal grows by this many (zero) bytes at a time. */
const JOURNAL_CHUNK = 64 * 1024

/** Where one sync's bytes sit in the file (for its journal record). */
export interface SyncSpan {
  start: number
  end: number
  /** CRC-32 of the span (plain files), else 0. */
  crc: number
}

/** How files are written and where they go. */
export interface ArchiveFileConfig {
  /** Absolute work dir (files in progress). */
  workDir: string
  /** Absolute output dir (finished files). */
  outputDir: string
  gzip: boolean
  gzipLevel: number
  format: 'raw' | 'json'
  /** O_EXCL (gzip or rotate-interval, as nsq_to_file) rather than O_APPEND. */
  exclusive: boolean
  /** 0 = off; an existing file larger than this is skipped when appending. */
  rotateSize: number
  /** Write the hidden `.<file>.manifest.json` beside each finished file. */
  manifest: boolean
}

/**
 * Records a revision as handed out for a dated name, durably, before a file of that name is
 * created or linked (the revision ledger, used when a shipper takes finished files away).
 */
export type ClaimRevision = (rev: number) => Promise<void>

/**
 * Writes `chunks` at the end of the file, looping over short writes. Synchronous on purpose: a
 * write into the page cache takes microseconds, while a trip through libuv's thread pool would
 * queue behind the fdatasyncs running there (durability comes from the sync, not the write).
 */
function writeAll(fd: number, chunks: readonly Buffer[]): void {
  let pending = chunks.filter((c) => c.length > 0)
  while (pending.length > 0) {
    let left = fsSync.writevSync(fd, pending)
    const rest: Buffer[] = []
    for (const chunk of pending) {
      if (left >= chunk.length) left -= chunk.length
      else {
        rest.push(left > 0 ? chunk.subarray(left) : chunk)
        left = 0
      }
    }
    pending = rest
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file)
    return true
  } catch {
    return false
  }
}

/**
 * ENOENT from creating a name in a folder that was just made: the S3 uploader removes folders
 * it emptied, and may have removed this one between the mkdir and the create. Made again, then
 * retried, a few times.
 */
const FOLDER_RACE_RETRIES = 5
const folderGone = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT'

/**
 * Links `source` as `outputDir/<rel>` never overwriting (bumps the revision on a clash) and
 * fsyncs the directory; the caller unlinks `source` once everything else (manifest) is done.
 * Returns the relative name used.
 */
export async function moveNoOverwrite(
  source: string,
  outputDir: string,
  datedName: string,
  rev: number,
  onDestination?: (rel: string, rev: number) => Promise<void>,
): Promise<{rel: string; rev: number}> {
  let races = 0
  for (let r = rev; ; r++) {
    const rel = withRev(datedName, r)
    const target = path.join(outputDir, rel)
    await makeDirs(path.dirname(target))
    await onDestination?.(rel, r)
    try {
      await fs.link(source, target)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') continue
      if (folderGone(error) && races++ < FOLDER_RACE_RETRIES && (await exists(source))) {
        r--
        continue
      }
      if (code === 'EXDEV')
        throw new NsqError('CONFIG', `cannot move ${source} to ${target}: --work-dir and --output-dir must be on the same filesystem`)
      throw error
    }
    await syncDir(path.dirname(target))
    return {rel, rev: r}
  }
}

export class ArchiveFile {
  /** Uncompressed bytes in the file (counted from its size at open), for --rotate-size. */
  size: number
  private readonly manifest: ManifestBuilder
  private members = 0
  /** Records in the journal (the first, written at open, is the size then) and its preallocated size. */
  private journalRecords = 1
  private journalCapacity = JOURNAL_CHUNK

  private constructor(
    private readonly config: ArchiveFileConfig,
    private readonly handle: fs.FileHandle,
    private readonly journal: fs.FileHandle | undefined,
    readonly topic: string,
    /** Dated name, `<REV>` unresolved. */
    readonly datedName: string,
    /** Revision the file was opened under (may rise when it is moved). */
    public rev: number,
    readonly workPath: string,
    initialSize: number,
    private readonly claim: ClaimRevision | undefined,
  ) {
    this.size = initialSize
    this.manifest = new ManifestBuilder(config.format, config.gzip)
  }

  /**
   * Opens the first free revision from `firstRev`: skips names already in the output dir (with
   * a separate work dir), existing work files when exclusive, and (appending) files already
   * over rotate-size. `claim` (the revision ledger) is awaited for the revision about to be
   * created, before its marker and the file, and again if finish() moves it to a higher one.
   */
  static async open(
    config: ArchiveFileConfig,
    topic: string,
    datedName: string,
    firstRev: number,
    claim?: ClaimRevision,
  ): Promise<ArchiveFile> {
    const separate = config.workDir !== config.outputDir
    let races = 0
    for (let rev = firstRev; ; rev++) {
      const rel = withRev(datedName, rev)
      const workPath = path.join(config.workDir, rel)
      await makeDirs(path.dirname(workPath))
      if (separate) {
        const outPath = path.join(config.outputDir, rel)
        await makeDirs(path.dirname(outPath))
        if (await exists(outPath)) continue
      }
      if (config.exclusive && (await exists(workPath))) continue
      await claim?.(rev)
      let handle: fs.FileHandle
      try {
        await writeMarker(workPath, {topic, format: config.format, gzip: config.gzip, datedName, rev})
        handle = await fs.open(workPath, config.exclusive ? 'wx' : 'a', 0o666)
      } catch (error) {
        await fs.rm(markerPath(workPath), {force: true})
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
        if (folderGone(error) && races++ < FOLDER_RACE_RETRIES) {
          rev--
          continue
        }
        throw error
      }
      const {size} = await handle.stat()
      if (!config.exclusive && config.rotateSize > 0 && size > config.rotateSize) {
        await handle.close()
        await fs.rm(markerPath(workPath), {force: true})
        continue
      }
      let journal: fs.FileHandle | undefined
      if (!config.gzip) {
        // Preallocated (zeros), records written in place: fdatasync then flushes one block and
        // needs no metadata commit, unlike an appended file whose size changes.
        journal = await fs.open(journalPath(workPath), 'w')
        fsSync.writeSync(journal.fd, Buffer.alloc(JOURNAL_CHUNK), 0, JOURNAL_CHUNK, 0)
        fsSync.writeSync(journal.fd, encodeRecord(0, size, 0), 0, RECORD_SIZE, 0)
        await journal.datasync()
      }
      await syncDir(path.dirname(workPath))
      const file = new ArchiveFile(config, handle, journal, topic, datedName, rev, workPath, size, claim)
      if (size > 0) await file.adoptExisting()
      return file
    }
  }

  /** Appending to a file that already has content: the manifest covers the whole file (read in chunks). */
  private async adoptExisting(): Promise<void> {
    let lines = 0
    for await (const chunk of fsSync.createReadStream(this.workPath, {
      end: this.size - 1,
      highWaterMark: 1 << 20,
    }) as AsyncIterable<Buffer>) {
      this.manifest.stored(chunk)
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++
    }
    const previous = await readManifest(this.workPath)
    this.manifest.untimedMessages(previous?.messages ?? lines)
    this.manifest.widen(rfc3339ToNanos(previous?.firstTimestamp ?? null))
    this.manifest.widen(rfc3339ToNanos(previous?.lastTimestamp ?? null))
  }

  /** Name relative to the work / output dir under the current revision. */
  get name(): string {
    return withRev(this.datedName, this.rev)
  }

  /** The bytes to store for one sync's lines: one gzip member (compressed off the main thread), or the lines. */
  async prepare(chunks: readonly Buffer[]): Promise<Buffer[]> {
    if (!this.config.gzip) return [chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)]
    return [await gzip(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), {level: this.config.gzipLevel})]
  }

  /**
   * Writes prepared bytes at the end of the file (and, plain, their journal record); returns
   * the span they occupy, for {@link sync}. Not durable yet.
   */
  write(stored: readonly Buffer[], timestamps: readonly bigint[]): SyncSpan {
    const start = this.manifest.bytes
    writeAll(this.handle.fd, stored)
    if (this.config.gzip) this.members++
    for (const chunk of stored) this.manifest.stored(chunk)
    for (const ts of timestamps) this.manifest.message(ts)
    const span = {start, end: this.manifest.bytes, crc: 0}
    if (this.journal !== undefined) {
      // The record may reach the disk before the data; its CRC tells repair (see sync-journal.ts).
      span.crc = crcOf(stored)
      const at = this.journalRecords * RECORD_SIZE
      if (at + RECORD_SIZE > this.journalCapacity) {
        fsSync.writeSync(this.journal.fd, Buffer.alloc(JOURNAL_CHUNK), 0, JOURNAL_CHUNK, this.journalCapacity)
        this.journalCapacity += JOURNAL_CHUNK
      }
      fsSync.writeSync(this.journal.fd, encodeRecord(span.start, span.end, span.crc), 0, RECORD_SIZE, at)
      this.journalRecords++
    }
    return span
  }

  /**
   * Makes a written span durable: fdatasync of the data (which also covers every earlier write)
   * and, for plain files, of the journal holding the span's record, at the same time. Several
   * syncs may run at once; FIN a batch only once it and every earlier batch are synced.
   */
  async sync(_span: SyncSpan): Promise<void> {
    const journal = this.journal
    if (journal === undefined) await this.handle.datasync()
    else await Promise.all([this.handle.datasync(), journal.datasync()])
  }

  /** prepare + write + sync in one step (one sync's worth of lines, durable on return). */
  async append(chunks: readonly Buffer[], timestamps: readonly bigint[]): Promise<void> {
    await this.sync(this.write(await this.prepare(chunks), timestamps))
  }

  /** Counts messages that were written without a timestamp (none today; kept for symmetry). */
  get messages(): number {
    return this.manifest.messages
  }

  /**
   * Closes the file and, with a separate work dir, moves it into the output dir (never
   * overwriting: the revision is bumped on a clash); writes the manifest; removes the sidecars.
   */
  async finish(): Promise<FinishedFile> {
    if (this.config.gzip && this.members === 0) await this.append([], [])
    await this.handle.close()
    await this.journal?.close()
    let finalPath = this.workPath
    if (this.config.workDir !== this.config.outputDir) {
      const moved = await moveNoOverwrite(this.workPath, this.config.outputDir, this.datedName, this.rev, async (rel, rev) => {
        if (rev !== this.rev) await this.claim?.(rev)
        await writeMarker(this.workPath, {
          topic: this.topic,
          format: this.config.format,
          gzip: this.config.gzip,
          datedName: this.datedName,
          rev: this.rev,
          destination: rel,
        })
      })
      this.rev = moved.rev
      finalPath = path.join(this.config.outputDir, moved.rel)
    }
    const manifest = this.manifest.finish()
    if (this.config.manifest) await writeManifest(finalPath, manifest)
    if (finalPath !== this.workPath) await fs.unlink(this.workPath)
    await removeSidecars(this.workPath)
    return {path: finalPath, name: path.relative(this.config.outputDir, finalPath), topic: this.topic, manifest}
  }
}
