import fs from 'node:fs'
import {isUtf8} from 'node:buffer'
import {UnrecordedRecords} from './unrecorded.js'

/** Why a record was not published. */
export type FailureReason = 'oversize' | 'empty' | 'invalid_envelope' | 'publish_failed' | 'incomplete'

/**
 * Reasons in an errors file: to-nsq's, the relay's body that was not JSON while a JSON filter was
 * on (`invalid_json`), and to-http's messages an endpoint refused (`http_rejected`, a 4xx).
 */
export type ErrorsFileReason = FailureReason | 'invalid_json' | 'http_rejected'

/** One record that was not published. */
export interface FailedRecord<R extends ErrorsFileReason = FailureReason> {
  /** 1-based record (line) number in the input. */
  record: number
  reason: R
  /** Human detail, e.g. `2000 bytes > nsqd max-msg-size 1024` or nsqd's error. */
  error: string
  /** The record bytes (the input line for `invalid_envelope`; possibly only a prefix, see `length`). */
  body: Buffer
  /** Full length of the record in bytes, when `body` holds only its first part. */
  length?: number
  /** The nsqd that refused it (fanout mode). */
  nsqd?: string
  /** The archive file it was read from (`nsq replay`; `record` is then its line number in that file). */
  file?: string
}

/** A line of an errors file, whichever command wrote it. */
export type ErrorsFileRecord = FailedRecord<ErrorsFileReason>

/**
 * One NDJSON line of the `--errors` file:
 * `{"record":N,"reason":"oversize|empty|invalid_envelope|publish_failed|incomplete","error":"…",
 *   "body":"…" | "body_base64":"…"[,"bytes":N,"truncated":true][,"nsqd":"host:port"]}`.
 * The body goes in `body` when it is valid UTF-8, else in `body_base64` (the same rule as the
 * `tail --format json` envelope), so an errors file can be replayed with
 * `nsq to-nsq --input-format json` once fixed.
 */
export function formatFailure(failure: ErrorsFileRecord): string {
  const {body} = failure
  const fields: string[] = [`"record":${failure.record}`, `"reason":"${failure.reason}"`, `"error":${JSON.stringify(failure.error)}`]
  if (failure.file !== undefined) fields.splice(1, 0, `"file":${JSON.stringify(failure.file)}`)
  if (failure.nsqd !== undefined) fields.push(`"nsqd":${JSON.stringify(failure.nsqd)}`)
  fields.push(isUtf8(body) ? `"body":${JSON.stringify(body.toString('utf8'))}` : `"body_base64":"${body.toString('base64')}"`)
  if (failure.length !== undefined && failure.length > body.length) fields.push(`"bytes":${failure.length}`, '"truncated":true')
  return `{${fields.join(',')}}\n`
}

/** Why the errors file stopped taking records. */
export interface ErrorsFileFailure {
  /** The system error code (`ENOSPC`, `EIO`, …), or `EUNKNOWN`. */
  code: string
  message: string
  /** The first record it could not take. */
  record: number
}

/**
 * The `--errors FILE` sink. Created (truncated) when opened, so an empty file after a run means
 * nothing failed. Writes are synchronous: failures are rare, and each is on disk before the
 * run's summary counts it.
 *
 * A write that fails (full disk, I/O error) does not throw: the file keeps the whole lines
 * written before it (a partly written line is cut off again, best effort), `failure` tells why,
 * and that record and every later one go to `unrecorded` instead (no further write is tried), so
 * the caller can stop, finish its run and name them.
 */
export class ErrorsFile {
  private readonly fd: number
  private closed = false
  /** Bytes of whole lines written so far. */
  private offset = 0
  private broken: ErrorsFileFailure | undefined
  /** Records this file could not take. */
  readonly unrecorded = new UnrecordedRecords()

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w')
  }

  /** Why writing stopped, once it did. */
  get failure(): ErrorsFileFailure | undefined {
    return this.broken
  }

  /** Appends one failure; false when it could not be written (then see `failure` and `unrecorded`). */
  write(failure: ErrorsFileRecord): boolean {
    if (this.broken !== undefined || this.closed) {
      this.unrecorded.add(failure)
      return false
    }
    const line = Buffer.from(formatFailure(failure), 'utf8')
    let written = 0
    try {
      while (written < line.length) written += fs.writeSync(this.fd, line, written, line.length - written)
      this.offset += line.length
      return true
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      this.broken = {code: e.code ?? 'EUNKNOWN', message: e.message, record: failure.record}
      this.unrecorded.add(failure)
      if (written > 0) {
        try {
          fs.ftruncateSync(this.fd, this.offset)
        } catch {
          // The file may end with part of a line; every record in it before that is whole.
        }
      }
      return false
    }
  }

  /** Closes the file; a failing close (EIO) counts as a write failure when none was seen yet. */
  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      fs.closeSync(this.fd)
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      this.broken ??= {code: e.code ?? 'EUNKNOWN', message: e.message, record: 0}
    }
  }
}
