/**
 * One archive file as replay sees it, wherever it lives (a local file, an S3 object, stdin): a
 * key that names it in the summary and the checkpoint, its stored size, what its manifest says
 * (from the hidden `.<name>.manifest.json`, or from the S3 object's metadata), and a way to read
 * its stored bytes.
 */
import type {ArchiveManifest} from '../to-file/manifest.js'

export interface ArchiveFile {
  /** Absolute path, `s3://bucket/key`, or `-` for stdin: shown to the user and the checkpoint's key. */
  readonly key: string
  /** The name the datetime is read from (the base name; for S3 the last part of the key). */
  readonly name: string
  /** Stored bytes; undefined when unknown (stdin). */
  readonly size: number | undefined
  readonly manifest: ArchiveManifest | undefined
  /** The stored bytes, from the start. */
  open(signal: AbortSignal): AsyncIterable<Buffer>
}
