import fs from 'node:fs'
import {isUtf8} from 'node:buffer'

/** Why a record was not published. */
export type FailureReason = 'oversize' | 'empty' | 'invalid_envelope' | 'publish_failed' | 'incomplete'

/** One record that was not published. */
export interface FailedRecord {
  /** 1-based record (line) number in the input. */
  record: number
  reason: FailureReason
  /** Human detail, e.g. `2000 bytes > nsqd max-msg-size 1024` or nsqd's error. */
  error: string
  /** The record bytes (the input line for `invalid_envelope`; possibly only a prefix, see `length`). */
  body: Buffer
  /** Full length of the record in bytes, when `body` holds only its first part. */
  length?: number
  /** The nsqd that refused it (fanout mode). */
  nsqd?: string
}

/**
 * One NDJSON line of the `--errors` file:
 * `{"record":N,"reason":"oversize|empty|invalid_envelope|publish_failed|incomplete","error":"…",
 *   "body":"…" | "body_base64":"…"[,"bytes":N,"truncated":true][,"nsqd":"host:port"]}`.
 * The body goes in `body` when it is valid UTF-8, else in `body_base64` (the same rule as the
 * `tail --format json` envelope), so an errors file can be replayed with
 * `nsq to-nsq --input-format json` once fixed.
 */
export function formatFailure(failure: FailedRecord): string {
  const {body} = failure
  const fields: string[] = [`"record":${failure.record}`, `"reason":"${failure.reason}"`, `"error":${JSON.stringify(failure.error)}`]
  if (failure.nsqd !== undefined) fields.push(`"nsqd":${JSON.stringify(failure.nsqd)}`)
  fields.push(isUtf8(body) ? `"body":${JSON.stringify(body.toString('utf8'))}` : `"body_base64":"${body.toString('base64')}"`)
  if (failure.length !== undefined && failure.length > body.length) fields.push(`"bytes":${failure.length}`, '"truncated":true')
  return `{${fields.join(',')}}\n`
}

/**
 * The `--errors FILE` sink. Created (truncated) when opened, so an empty file after a run means
 * nothing failed. Writes are synchronous: failures are rare, and each is on disk before the
 * run's summary counts it.
 */
export class ErrorsFile {
  private readonly fd: number
  private closed = false

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w')
  }

  /** Appends one failure; throws naming the file and the record when the write fails (e.g. a full disk). */
  write(failure: FailedRecord): void {
    try {
      fs.writeSync(this.fd, formatFailure(failure))
    } catch (error) {
      throw new Error(`errors file ${this.path} (--errors): could not record failed record ${failure.record} (${failure.reason}): ${(error as Error).message}`, {cause: error})
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    fs.closeSync(this.fd)
  }
}
