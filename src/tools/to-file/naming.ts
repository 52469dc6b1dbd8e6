/**
 * Archive file names as nsq_to_file builds them (computeFilenameFormat, currentFilename,
 * updateFile): tokens `<TOPIC>`, `<HOST>`, `<PID>` are fixed per topic, `<DATETIME>` is
 * strftime of the local time for each new file, `<REV>` is `-%06d` of the revision.
 */
import os from 'node:os'
import {NsqError} from '../../core/index.js'
import {strftime, type WallTime} from './strftime.js'

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
}

/** True when `<REV>` must be in the format (gzip, rotation or a work dir), as nsq_to_file enforces. */
export function revRequired(options: Pick<NamingOptions, 'gzip' | 'rotateSize' | 'rotateIntervalMs' | 'separateWorkDir'>): boolean {
  return options.gzip || options.rotateSize > 0 || options.rotateIntervalMs > 0 || options.separateWorkDir
}

/**
 * The per-topic name template: every token but `<DATETIME>` and `<REV>` substituted; `<REV>`
 * removed when not required; `.gz` appended with gzip. Throws a CONFIG NsqError when `<REV>` is
 * required but missing (nsq_to_file's message).
 */
export function topicFilenameFormat(options: NamingOptions, topic: string, host: {hostname: string; pid: number} = {hostname: os.hostname(), pid: process.pid}): string {
  const shortHost = host.hostname.split('.')[0] as string
  const identifier = options.hostIdentifier === '' ? shortHost : options.hostIdentifier.replaceAll('<SHORT_HOST>', shortHost).replaceAll('<HOSTNAME>', host.hostname)
  let format = options.filenameFormat
  if (revRequired(options)) {
    if (!format.includes('<REV>')) throw new NsqError('CONFIG', 'missing <REV> in --filename-format when gzip, rotation, or work dir enabled')
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
