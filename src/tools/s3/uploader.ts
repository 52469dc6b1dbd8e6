/**
 * The S3 uploader: a {@link FileShipper} that uploads each finished archive file to an
 * S3-compatible bucket, confirms it with a HEAD, and only then deletes the local copy (or keeps
 * it, with a marker, under `--keep-local`). Its pending set is the output dir (see
 * local-state.ts), so uploads pending at a crash resume on the next start. The spool of pending
 * files is bounded: beyond it `backlogged` is true, and to-file stops writing and FIN'ing, so
 * at most --max-in-flight messages per topic are held (TOUCHed) and the rest wait in nsqd (see
 * file-shipper.ts).
 */
import fs from 'node:fs/promises'
import {deadlineSignal, type BackoffPolicy} from '../../core/index.js'
import type {FileShipper, FinishedFile, ShipperLeftover} from '../to-file/file-shipper.js'
import {inProgress, removeUploaded, scanOutputDir, UNKNOWN_TOPIC, writeMarker} from './local-state.js'
import {contentType, manifestMetadata, parseManifest} from './manifest-metadata.js'
import {conflictKey, objectKey, type KeyTimeFormat} from './object-key.js'
import type {ObjectStore} from './object-store.js'
import {retryUntilDone, type RetryOptions} from './retry.js'
import {Spool, type SpoolLimits} from './spool.js'

/** Something the uploader did, for status lines and summaries (library code never prints). */
export type UploaderEvent =
  | {type: 'resumed'; files: number; bytes: number}
  | {type: 'uploaded'; name: string; key: string; bytes: number; attempts: number; ms: number; alreadyThere: boolean}
  | {type: 'retry'; name: string; key: string; attempt: number; delayMs: number; error: string}
  | {type: 'conflict'; name: string; key: string; usedKey: string}
  | {type: 'missing'; name: string}
  | {type: 'in-progress'; name: string}
  | {type: 'cleanup-failed'; name: string; error: string}
  /** The bucket check at start got no definite answer: uploads wait (and retry) until the store is back. */
  | {type: 'unreachable'; error: string}
  /** close() found files still waiting: it keeps uploading them for at most `timeoutMs` (undefined: until its signal). */
  | {type: 'draining'; files: number; bytes: number; timeoutMs: number | undefined; lastError: string | undefined}

/** Counters since start. */
export interface UploaderStats {
  uploadedFiles: number
  uploadedBytes: number
  pendingFiles: number
  pendingBytes: number
  retries: number
  /** The last upload error while uploads are failing, else undefined. */
  lastError: string | undefined
}

/** Options of {@link S3Uploader.open}. */
export interface S3UploaderOptions {
  store: ObjectStore
  /** The to-file output dir: finished files and their manifests. */
  outputDir: string
  /** `--s3-prefix` template (tokens `<TOPIC> <HOST> <REV> <PID> <DATETIME>`). */
  prefix: string
  keyTime: KeyTimeFormat
  /** `<HOST>` */
  host: string
  /** `<PID>` (default: this process). */
  pid?: number
  /** Keep local files after upload (a hidden `.<file>.s3.json` marker stops re-uploads). */
  keepLocal: boolean
  spool: SpoolLimits
  /** close() keeps uploading pending files at most this long (default: until its signal aborts). */
  closeTimeoutMs?: number | undefined
  /** Files uploaded at once (default 2). */
  concurrency?: number
  /** Folder depth scanned for pending files (see nameDepth: the `/` in file names). */
  scanDepth?: number
  /** The topic of a pending file found on start whose manifest does not record it. */
  topicOf?: ((name: string) => string | undefined) | undefined
  /** Why the store could not be reached at start (the last error until an upload succeeds). */
  storeProblem?: string | undefined
  backoff?: BackoffPolicy
  retryClock?: RetryOptions['clock']
  retryRandom?: RetryOptions['random']
  onEvent?: (event: UploaderEvent) => void
  /** Milliseconds since the epoch (for upload durations and marker times). */
  now?: () => number
}

interface Job {
  file: FinishedFile
  size: number
}

const fileExists = (file: string): Promise<boolean> =>
  fs.stat(file).then(
    () => true,
    () => false,
  )

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error)

/** Uploads finished archive files; see the module comment. */
export class S3Uploader implements FileShipper {
  readonly #options: S3UploaderOptions
  readonly #spool: Spool
  readonly #queue: Job[] = []
  readonly #stop = new AbortController()
  readonly #workers: Promise<void>[] = []
  readonly #now: () => number
  #wakeWorker: (() => void)[] = []
  #idleWaiters: (() => void)[] = []
  #active = 0
  #closing = false
  #stats: UploaderStats = {uploadedFiles: 0, uploadedBytes: 0, pendingFiles: 0, pendingBytes: 0, retries: 0, lastError: undefined}

  private constructor(options: S3UploaderOptions) {
    this.#options = options
    this.#spool = new Spool(options.spool)
    this.#now = options.now ?? Date.now
    this.#stats.lastError = options.storeProblem
  }

  /**
   * Creates the uploader: finishes clean-ups a crash interrupted, queues every pending file found
   * in the output dir (uploads pending at a crash), and starts uploading.
   */
  static async open(options: S3UploaderOptions): Promise<S3Uploader> {
    const uploader = new S3Uploader(options)
    const scan = await scanOutputDir(options.outputDir, options.scanDepth ?? 0, options.topicOf)
    for (const file of scan.unfinishedCleanups) await removeUploaded(file, options.outputDir).catch(() => undefined)
    let bytes = 0
    for (const file of scan.pending) bytes += await uploader.#enqueue(file)
    if (scan.pending.length > 0) options.onEvent?.({type: 'resumed', files: scan.pending.length, bytes})
    for (let i = 0; i < Math.max(1, options.concurrency ?? 2); i++) uploader.#workers.push(uploader.#work())
    return uploader
  }

  /** Queues a finished file for upload (returns once queued; the file is already durable on disk). */
  async accept(file: FinishedFile): Promise<void> {
    if (this.#closing) throw new Error(`the S3 uploader is closed; ${file.name} stays in the output dir and is uploaded on the next start`)
    await this.#enqueue(file)
  }

  get backlogged(): boolean {
    return this.#spool.backlogged
  }

  whenReady(signal?: AbortSignal): Promise<void> {
    return this.#spool.whenReady(signal)
  }

  /** Counters since start. */
  stats(): UploaderStats {
    return {...this.#stats, pendingFiles: this.#spool.files, pendingBytes: this.#spool.bytes}
  }

  /**
   * Uploads what is pending until done, or until `signal` aborts or `closeTimeoutMs` passes;
   * then aborts uploads in flight and stops. Files not uploaded stay in the output dir and are
   * uploaded on the next start: the result counts them.
   */
  async close(callerSignal?: AbortSignal): Promise<ShipperLeftover> {
    this.#closing = true
    const timeout = this.#options.closeTimeoutMs
    if (this.#spool.files > 0) {
      this.#options.onEvent?.({
        type: 'draining',
        files: this.#spool.files,
        bytes: this.#spool.bytes,
        timeoutMs: timeout,
        lastError: this.#stats.lastError,
      })
    }
    // Not AbortSignal.any(AbortSignal.timeout(…)): Node may garbage-collect that pair before it fires (see deadlineSignal).
    const deadline = timeout === undefined ? undefined : deadlineSignal(timeout, callerSignal)
    const signal = deadline?.signal ?? callerSignal
    if (signal?.aborted !== true) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done)
          resolve()
        }
        signal?.addEventListener('abort', done, {once: true})
        this.#whenIdle(done)
      })
    }
    deadline?.dispose()
    this.#stop.abort(new Error('the S3 uploader closed'))
    for (const wake of this.#wakeWorker) wake()
    await Promise.allSettled(this.#workers)
    this.#options.store.close()
    return {files: this.#spool.files, bytes: this.#spool.bytes, lastError: this.#spool.files > 0 ? this.#stats.lastError : undefined}
  }

  async #enqueue(file: FinishedFile): Promise<number> {
    if (this.#spool.has(file.path)) return 0
    let size: number
    try {
      size = (await fs.stat(file.path)).size
    } catch {
      this.#options.onEvent?.({type: 'missing', name: file.name})
      return 0
    }
    if (!this.#spool.add(file.path, size)) return 0
    // Fill in what an older manifest may lack (format, gzip), as a manifest read from disk would be.
    const manifest = parseManifest(file.manifest, file.name) ?? file.manifest
    // A file repaired after a crash may come without its topic: the manifest or the name tells it.
    const topic = file.topic !== '' ? file.topic : (manifest.topic ?? this.#options.topicOf?.(file.name) ?? UNKNOWN_TOPIC)
    this.#queue.push({file: {...file, topic, manifest}, size})
    this.#wakeWorker.shift()?.()
    return size
  }

  #whenIdle(callback: () => void): void {
    if (this.#queue.length === 0 && this.#active === 0) callback()
    else this.#idleWaiters.push(callback)
  }

  async #work(): Promise<void> {
    const stop = this.#stop.signal
    while (!stop.aborted) {
      const job = this.#queue.shift()
      if (job === undefined) {
        await new Promise<void>((resolve) => this.#wakeWorker.push(resolve))
        continue
      }
      this.#active++
      try {
        await this.#upload(job, stop)
        this.#spool.remove(job.file.path)
      } catch {
        // Aborted by close(): the file stays on disk, pending for the next start.
      } finally {
        this.#active--
      }
      if (this.#queue.length === 0 && this.#active === 0) {
        const waiters = this.#idleWaiters
        this.#idleWaiters = []
        for (const wake of waiters) wake()
      }
    }
  }

  async #upload(job: Job, signal: AbortSignal): Promise<void> {
    const {file, size} = job
    const {store, keyTime, prefix} = this.#options
    const started = this.#now()
    const time =
      file.manifest.firstTimestamp !== null
        ? new Date(file.manifest.firstTimestamp)
        : ((await fs.stat(file.path).catch(() => undefined))?.mtime ?? new Date(started))
    const key = objectKey(
      prefix,
      file.name,
      {topic: file.topic, host: this.#options.host, pid: this.#options.pid ?? process.pid, time},
      keyTime,
    )
    const metadata = manifestMetadata(file.manifest, file.topic)
    let usedKey = key
    let alreadyThere = false
    let etag: string | undefined
    let attempts = 0
    let missing = false
    if (await inProgress(file.path)) {
      this.#options.onEvent?.({type: 'in-progress', name: file.name})
      return
    }
    await retryUntilDone(
      async (attemptSignal, n) => {
        attempts = n
        // HEAD first: after a crash the object may be there already; and an object of the same
        // name but other content (a name reused after a restart) is never overwritten.
        usedKey = key
        let existing = await store.head(usedKey, attemptSignal)
        if (existing !== undefined && existing.metadata.sha256 !== file.manifest.sha256) {
          usedKey = conflictKey(key, file.manifest.sha256)
          this.#options.onEvent?.({type: 'conflict', name: file.name, key, usedKey})
          existing = await store.head(usedKey, attemptSignal)
        }
        alreadyThere = existing !== undefined && existing.size === size && existing.metadata.sha256 === file.manifest.sha256
        if (!alreadyThere && !(await fileExists(file.path))) {
          // Removed by someone else meanwhile: nothing left to upload (retrying would never end).
          missing = true
          return
        }
        if (!alreadyThere) {
          etag = (await store.put({key: usedKey, path: file.path, size, metadata, contentType: contentType(file.manifest)}, attemptSignal))
            .etag
          const confirmed = await store.head(usedKey, attemptSignal)
          if (confirmed === undefined || confirmed.size !== size) {
            throw new Error(
              `${usedKey}: the upload was acknowledged but HEAD shows ${confirmed === undefined ? 'no object' : `${confirmed.size} bytes, not ${size}`}`,
            )
          }
          etag = confirmed.etag ?? etag
        } else {
          etag = existing?.etag
        }
      },
      signal,
      {
        policy: this.#options.backoff,
        clock: this.#options.retryClock,
        random: this.#options.retryRandom,
        onRetry: (notice) => {
          this.#stats.retries++
          this.#stats.lastError = describe(notice.error)
          this.#options.onEvent?.({
            type: 'retry',
            name: file.name,
            key: usedKey,
            attempt: notice.attempt,
            delayMs: notice.delayMs,
            error: describe(notice.error),
          })
        },
      },
    )
    if (missing) {
      this.#options.onEvent?.({type: 'missing', name: file.name})
      return
    }
    this.#stats.lastError = undefined
    this.#stats.uploadedFiles++
    this.#stats.uploadedBytes += size
    try {
      if (this.#options.keepLocal) {
        const marker = {
          bucket: store.bucket,
          key: usedKey,
          etag,
          bytes: size,
          sha256: file.manifest.sha256,
          uploadedAt: new Date(this.#now()).toISOString(),
          keepLocal: true,
        }
        await writeMarker(file.path, marker)
      } else if (await inProgress(file.path)) {
        // Reopened for appending meanwhile: deleting it now would lose what is appended. It is
        // handed over again when finished (and then uploaded whole, under a new key).
        this.#options.onEvent?.({type: 'in-progress', name: file.name})
      } else {
        // No marker needed: a crash before the file is gone leaves it pending, and the HEAD on
        // the next start finds it uploaded; a crash between the two deletions leaves a manifest
        // without its file, which the next start removes.
        await removeUploaded(file.path, this.#options.outputDir)
      }
    } catch (error) {
      this.#options.onEvent?.({type: 'cleanup-failed', name: file.name, error: describe(error)})
    }
    this.#options.onEvent?.({
      type: 'uploaded',
      name: file.name,
      key: usedKey,
      bytes: size,
      attempts,
      ms: this.#now() - started,
      alreadyThere,
    })
  }
}
