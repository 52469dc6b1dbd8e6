/**
 * Archive file names as nsq_to_file builds them (computeFilenameFormat, currentFilename,
 * updateFile): tokens `<TOPIC>`, `<HOST>`, `<PID>` are fixed per topic, `<DATETIME>` is
 * strftime of the local time for each new file, `<REV>` is `-%06d` of the revision.
 */
import os from 'node:os'
import {NsqError} from '../../core/index.js'
import {strftime, utcWallTime, type WallTime} from './strftime.js'

/** nsq_to_file's default `--filename-format`. */
export const DEFAULT_FILENAME_FORMAT = '<TOPIC>.<HOST><REV>.<DATETIME>.log'
/** nsq_to_file's default `--datetime-format`. */
export const DEFAULT_DATETIME_FORMAT = '%Y-%m-%d_%H'

export interface NamingOptions {
  filenameFormat: string
  /** `--host-identifier`; may hold `<SHORT_HOST>` and `<HOSTNAME>`. Empty: the short host name. */
  hostIdentifier: string
  gzip: boolean
  rotateSize: number
  rotateIntervalMs: number
  /** True when `--work-dir` differs from `--output-dir`. */
  separateWorkDir: boolean
  /**
   * A shipper takes finished files away (`--s3-bucket` without keeping them): names must never be
   * reused, so `<REV>` is always kept and required (beyond nsq_to_file, which has no shipper).
   */
  uniqueNames?: boolean
}

/** The error text when `<REV>` is missing but names must be unique (a shipper is configured). */
export const MISSING_REV_FOR_SINK =
  'missing <REV> in --filename-format when --s3-bucket is set: uploaded files are deleted locally, so each file needs its own revision for its name (and object key) never to be reused; add <REV> (e.g. the default <TOPIC>.<HOST><REV>.<DATETIME>.log)'

/** True when `<REV>` must be in the format (gzip, rotation or a work dir), as nsq_to_file enforces. */
export function revRequired(options: Pick<NamingOptions, 'gzip' | 'rotateSize' | 'rotateIntervalMs' | 'separateWorkDir'>): boolean {
  return options.gzip || options.rotateSize > 0 || options.rotateIntervalMs > 0 || options.separateWorkDir
}

/**
 * The per-topic name template: every token but `<DATETIME>` and `<REV>` substituted; `<REV>`
 * removed when neither required nor `uniqueNames`; `.gz` appended with gzip. Throws a CONFIG
 * NsqError when `<REV>` is required but missing (nsq_to_file's message; with `uniqueNames`
 * alone, {@link MISSING_REV_FOR_SINK}).
 */
export function topicFilenameFormat(
  options: NamingOptions,
  topic: string,
  host: {hostname: string; pid: number} = {hostname: os.hostname(), pid: process.pid},
): string {
  const shortHost = host.hostname.split('.')[0] as string
  const identifier =
    options.hostIdentifier === ''
      ? shortHost
      : options.hostIdentifier.replaceAll('<SHORT_HOST>', shortHost).replaceAll('<HOSTNAME>', host.hostname)
  let format = options.filenameFormat
  if (revRequired(options)) {
    if (!format.includes('<REV>'))
      throw new NsqError('CONFIG', 'missing <REV> in --filename-format when gzip, rotation, or work dir enabled')
  } else if (options.uniqueNames === true) {
    if (!format.includes('<REV>')) throw new NsqError('CONFIG', MISSING_REV_FOR_SINK)
  } else {
    format = format.replaceAll('<REV>', '')
  }
  format = format.replaceAll('<TOPIC>', topic).replaceAll('<HOST>', identifier).replaceAll('<PID>', String(host.pid))
  if (options.gzip && !format.endsWith('.gz')) format += '.gz'
  return format
}

/** The name for the current time, `<REV>` still unresolved (nsq_to_file's currentFilename). */
export function datedName(topicFormat: string, datetimeFormat: string, time: WallTime): string {
  return topicFormat.replaceAll('<DATETIME>', strftime(datetimeFormat, time))
}

/** `<REV>` resolved: `-000000` for revision 0. */
export function withRev(name: string, rev: number): string {
  return name.replaceAll('<REV>', `-${String(rev).padStart(6, '0')}`)
}

/**
 * How many folders deep file names go below the output (or work) dir: the `/` in
 * `--filename-format` and in what `--datetime-format` makes of `<DATETIME>` (`%Y/%m/%d` makes
 * two more). Scans for files left by a crash or waiting for upload look this deep.
 */
export function nameDepth(filenameFormat: string, datetimeFormat: string): number {
  const name = datedName(filenameFormat, datetimeFormat, utcWallTime(new Date(0)))
  return name.split('/').length - 1
}
