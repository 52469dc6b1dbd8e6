/**
 * Contract between `nsq to-file` and the destinations that take finished archive files
 * (the S3 uploader in `src/tools/s3/`). to-file owns the local side: it writes, syncs and
 * atomically moves a file into the output dir, writes `<file>.manifest.json` beside it, and
 * then awaits {@link FinishedSink.accept}. A sink that is backlogged makes to-file hold RDY
 * at 0 (backpressure) until {@link FinishedSink.whenReady} resolves.
 *
 * Start order: to-file first repairs what a crash left in the work dir (each file cut at its
 * last sync, moved into the output dir with its manifest), THEN creates the sink. Files already
 * in the output dir at that point get no accept() call: a sink that must resume work after a
 * crash (e.g. uploads pending at the crash, or files just repaired) scans the output dir
 * itself when it is created. A file still in progress carries a hidden `.<name>.open` marker
 * beside it (in the work dir, which is the output dir when no --work-dir is given): never
 * treat such a file as finished.
 *
 * Names: with a sink, to-file never hands over the same name twice, across restarts too: `<REV>`
 * is always in the name and each topic's revision ledger (`.<topic>.rev.json` in the work dir,
 * see revision-ledger.ts) keeps revisions above those already handed out, so a sink may delete
 * what it took without the name coming back.
 */

/** Facts about one finished archive file (also written as `<file>.manifest.json`). */
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
   * Topic the file archives. Optional for compatibility; to-file should write it, because a sink
   * that resumes uploads after a crash reads only the manifest on disk and needs the topic for
   * `<TOPIC>` in `--s3-prefix`.
   */
  topic?: string
}

/** Where finished archive files go after the atomic move into the output dir. */
export interface FinishedFile {
  /** Absolute path of the finished file in the output dir. */
  path: string
  /** File name relative to the output dir (may contain `/` when the filename format does). */
  name: string
  /** Topic the file archives. */
  topic: string
  /** The manifest (also on disk as `${path}.manifest.json`). */
  manifest: ArchiveManifest
}

/** A destination for finished archive files (e.g. the S3 uploader). */
export interface FinishedSink {
  /** Called (awaited) after each finished file lands in the output dir. */
  accept(file: FinishedFile): Promise<void>
  /** True while the sink's backlog exceeds its bound: to-file then holds RDY at 0 (backpressure). */
  readonly backlogged: boolean
  /** Resolves when no longer backlogged. */
  whenReady(signal?: AbortSignal): Promise<void>
  /** Finish or persist pending work, then stop. */
  close(signal?: AbortSignal): Promise<void>
}

/** File-name suffix of the manifest written beside each finished archive file. */
export const MANIFEST_SUFFIX = '.manifest.json'
