/**
 * Contract between `nsq to-file` and the destinations that take finished archive files away
 * (the S3 uploader in `src/tools/s3/`). to-file owns the local side: it writes, syncs and
 * atomically moves a file into the output dir, writes its hidden `.<file>.manifest.json` beside
 * it (manifest.ts), and then awaits {@link FileShipper.accept}.
 *
 * Backpressure: while a shipper is backlogged, to-file syncs what it has and then stops writing
 * and FIN'ing. The messages nsqd still sends are held in memory, unwritten and TOUCHed every 20 s
 * so they do not time out; once `--max-in-flight` of them are held, nsqd sends no more (RDY is
 * not changed: nsqd stops at the in-flight limit), so new messages wait in nsqd. When
 * {@link FileShipper.whenReady} resolves, or at stop, the held messages are written and FIN'd.
 * (A hold longer than nsqd's --max-msg-timeout, 15 m by default, lets nsqd time them out and
 * deliver them again; the redelivery window then keeps one copy.)
 *
 * Start order: to-file first repairs what a crash left in the work dir (each file cut at its
 * last sync, moved into the output dir with its manifest), THEN creates the shipper. Files
 * already in the output dir at that point get no accept() call: a shipper that must resume work
 * after a crash (e.g. uploads pending at the crash, or files just repaired) scans the output dir
 * itself when it is created. A file still in progress carries a hidden `.<name>.open` marker
 * beside it (in the work dir, which is the output dir when no --work-dir is given): never
 * treat such a file as finished.
 *
 * Names: with a shipper, to-file never hands over the same name twice, across restarts too:
 * `<REV>` is always in the name and each topic's revision ledger (`.<topic>.rev.json` in the work
 * dir, see revision-ledger.ts) keeps revisions above those already handed out, so a shipper may
 * delete what it took without the name coming back.
 */
import {EXIT, type ExitCode} from '../result.js'
import type {ArchiveManifest} from './manifest.js'

/** A finished archive file, in the output dir with its manifest. */
export interface FinishedFile {
  /** Absolute path of the finished file in the output dir. */
  path: string
  /** File name relative to the output dir (may contain `/` when the filename format does). */
  name: string
  /** Topic the file archives. */
  topic: string
  /** The manifest (also on disk as `.<name>.manifest.json` beside the file). */
  manifest: ArchiveManifest
}

/** What a shipper leaves behind when it closes. */
export interface ShipperLeftover {
  /** Finished files still waiting (they stay in the output dir and are shipped on the next start). */
  files: number
  bytes: number
  /** Why the last attempt failed, when the destination was failing at close; undefined when it was not. */
  lastError: string | undefined
}

/** A destination for finished archive files (e.g. the S3 uploader). */
export interface FileShipper {
  /** Called (awaited) after each finished file lands in the output dir. */
  accept(file: FinishedFile): Promise<void>
  /** True while the backlog exceeds its bound: to-file then stops writing and FIN'ing (see the module comment). */
  readonly backlogged: boolean
  /** Resolves when no longer backlogged. */
  whenReady(signal?: AbortSignal): Promise<void>
  /** Finish or persist pending work, then stop; says what is left for the next start. */
  close(signal?: AbortSignal): Promise<ShipperLeftover>
}

/**
 * The exit code a to-file run earned from what its shipper left: 69 (unavailable) when files
 * are left because the destination was failing (unreachable, refusing) at exit, else 0. Files
 * left only because `--s3-drain-timeout` ended uploads that were going fine are not a failure:
 * they wait safely in the output dir, and the next start uploads them, as documented.
 */
export function exitCodeForLeftover(left: ShipperLeftover | undefined): ExitCode {
  return left !== undefined && left.files > 0 && left.lastError !== undefined ? EXIT.UNAVAILABLE : EXIT.OK
}
