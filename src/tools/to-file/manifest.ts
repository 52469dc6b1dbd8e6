/**
 * The manifest written beside each finished archive file as `<file>.manifest.json`: message
 * count, stored size, earliest/latest NSQ timestamp, SHA-256 of the stored bytes, format.
 */
import {createHash, type Hash} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import {MANIFEST_SUFFIX, type ArchiveManifest} from './finished-sink.js'

/** Nanoseconds since the epoch → RFC 3339 with nanoseconds (`2024-01-31T15:04:05.123456789Z`). */
export function nanosToRfc3339(nanos: bigint): string {
  const millis = nanos / 1_000_000n
  const iso = new Date(Number(millis)).toISOString()
  const fraction = String(nanos % 1_000_000_000n).padStart(9, '0')
  return `${iso.slice(0, 19)}.${fraction}Z`
}

/** Accumulates a manifest while a file is written. */
export class ManifestBuilder {
  private readonly hash: Hash = createHash('sha256')
  messages = 0
  bytes = 0
  private first: bigint | undefined
  private last: bigint | undefined

  constructor(
    private readonly format: 'raw' | 'json',
    private readonly gzip: boolean,
  ) {}

  /** Bytes as stored (compressed with gzip) that were appended to the file. */
  stored(chunk: Buffer): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
  }

  /** One message written, with its NSQ timestamp (ns); a timestamp of -1 is unknown. */
  message(timestampNs: bigint): void {
    this.messages++
    if (timestampNs >= 0n) this.widen(timestampNs)
  }

  /** Messages of unknown time (e.g. lines already in a file we append to). */
  untimedMessages(count: number): void {
    this.messages += count
  }

  /** Widens the time range without counting a message (timestamps of an earlier manifest). */
  widen(timestampNs: bigint | undefined): void {
    if (timestampNs === undefined) return
    if (this.first === undefined || timestampNs < this.first) this.first = timestampNs
    if (this.last === undefined || timestampNs > this.last) this.last = timestampNs
  }

  finish(): ArchiveManifest {
    return {
      messages: this.messages,
      bytes: this.bytes,
      firstTimestamp: this.first === undefined ? null : nanosToRfc3339(this.first),
      lastTimestamp: this.last === undefined ? null : nanosToRfc3339(this.last),
      sha256: this.hash.digest('hex'),
      format: this.format,
      gzip: this.gzip,
    }
  }
}

/** RFC 3339 (as written by nanosToRfc3339) back to nanoseconds; undefined when unparsable. */
export function rfc3339ToNanos(text: string | null): bigint | undefined {
  if (text === null) return undefined
  const match = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(text)
  if (match === null) return undefined
  const seconds = Date.parse(`${match[1] as string}Z`)
  if (Number.isNaN(seconds)) return undefined
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? '0').padEnd(9, '0'))
}

/** Writes `<file>.manifest.json` atomically (temp file + rename). */
export async function writeManifest(filePath: string, manifest: ArchiveManifest): Promise<void> {
  const target = filePath + MANIFEST_SUFFIX
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.tmp`)
  await fs.writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`)
  await fs.rename(temp, target)
}

/** Reads a manifest written by writeManifest, or undefined. */
export async function readManifest(filePath: string): Promise<ArchiveManifest | undefined> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(filePath + MANIFEST_SUFFIX, 'utf8'))
    if (typeof parsed !== 'object' || parsed === null) return undefined
    const m = parsed as Record<string, unknown>
    if (typeof m.messages !== 'number' || typeof m.sha256 !== 'string') return undefined
    return parsed as ArchiveManifest
  } catch {
    return undefined
  }
}
