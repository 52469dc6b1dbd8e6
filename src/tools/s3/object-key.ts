/**
 * Object keys for uploaded archive files: the `--s3-prefix` template, with the same tokens as
 * nsq_to_file's `--filename-format`, followed by the file's name relative to the output dir.
 */
import {strftime, localWallTime, utcWallTime} from '../to-file/strftime.js'

/** Values for the tokens of a key template. */
export interface KeyTokens {
  /** `<TOPIC>` */
  topic: string
  /** `<HOST>`: the host identifier (short host name unless `--host-identifier`). */
  host: string
  /** `<PID>`: the id of the uploading process. */
  pid: number
  /** The moment `<DATETIME>` formats (the first message's timestamp, else the file's mtime). */
  time: Date
}

/** How `<DATETIME>` is formatted. */
export interface KeyTimeFormat {
  /** strftime format, as `--datetime-format` (default `%Y-%m-%d_%H`). */
  datetimeFormat: string
  /** Format `<DATETIME>` in UTC (the default for keys) rather than the local time zone. */
  utc: boolean
}

/**
 * Expands `<TOPIC>`, `<HOST>`, `<PID>`, `<DATETIME>` in `template`. `<REV>` expands to nothing:
 * the file name that follows the prefix carries the revision.
 */
export function expandKeyTemplate(template: string, tokens: KeyTokens, format: KeyTimeFormat): string {
  const wall = format.utc ? utcWallTime(tokens.time) : localWallTime(tokens.time)
  return template
    .replaceAll('<TOPIC>', tokens.topic)
    .replaceAll('<HOST>', tokens.host)
    .replaceAll('<REV>', '')
    .replaceAll('<PID>', String(tokens.pid))
    .replaceAll('<DATETIME>', strftime(format.datetimeFormat, wall))
}

/**
 * The object key of a finished file: the expanded prefix followed by `name` (the file's path
 * relative to the output dir, with `/` separators). Like `aws s3 cp`, the prefix is joined
 * as it is: end it with `/` to get a "folder". A leading `/` is dropped (S3 keys have none).
 */
export function objectKey(prefixTemplate: string, name: string, tokens: KeyTokens, format: KeyTimeFormat): string {
  const key = expandKeyTemplate(prefixTemplate, tokens, format) + name.split('\\').join('/')
  return key.replace(/^\/+/, '')
}

/**
 * Checks a `--s3-prefix` template: S3 keys are at most 1024 bytes of UTF-8, and `//` or `./`
 * segments make keys that some tools mishandle. Returns an error message, or undefined.
 */
export function prefixProblem(template: string): string | undefined {
  if (Buffer.byteLength(template) > 512) return 'is longer than 512 bytes (S3 keys are at most 1024 bytes)'
  if (template.includes('//')) return 'contains "//" (an empty path segment)'
  if (/(^|\/)\.\.?(\/|$)/.test(template)) return 'contains a "." or ".." path segment'
  return undefined
}

/**
 * The key used when `key` already holds a different object (to-file never reuses a name while
 * its revision ledger is in place, but the bucket may hold objects from before the ledger, from
 * a work dir that was wiped, or from another writer with the same names): the
 * first 16 hex digits of the file's SHA-256 go before its extension, so nothing is overwritten.
 * `a/t.host-000000.2024-01-31_15.log.gz` → `a/t.host-000000.2024-01-31_15-0123456789abcdef.log.gz`
 */
export function conflictKey(key: string, sha256: string): string {
  const slash = key.lastIndexOf('/') + 1
  const base = key.slice(slash)
  const extension = /(\.[A-Za-z][A-Za-z0-9]{0,4}){1,2}$/.exec(base)?.[0] ?? ''
  return `${key.slice(0, slash)}${base.slice(0, base.length - extension.length)}-${sha256.slice(0, 16)}${extension}`
}
