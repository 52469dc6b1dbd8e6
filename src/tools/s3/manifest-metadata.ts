/**
 * The archive manifest as S3 object metadata (`x-amz-meta-*`), and back; plus the manifest's
 * validation when read from the hidden `.<file>.manifest.json` on disk.
 */
import type {ArchiveManifest} from '../to-file/manifest.js'

/** The manifest as user metadata (all values are strings; keys are lower case). */
export function manifestMetadata(manifest: ArchiveManifest, topic: string): Record<string, string> {
  const metadata: Record<string, string> = {
    topic,
    messages: String(manifest.messages),
    bytes: String(manifest.bytes),
    sha256: manifest.sha256,
    format: manifest.format,
    gzip: String(manifest.gzip),
  }
  if (manifest.firstTimestamp !== null) metadata['first-timestamp'] = manifest.firstTimestamp
  if (manifest.lastTimestamp !== null) metadata['last-timestamp'] = manifest.lastTimestamp
  return metadata
}

/** Content-Type for an archive file. */
export function contentType(manifest: ArchiveManifest): string {
  if (manifest.gzip) return 'application/gzip'
  return manifest.format === 'json' ? 'application/x-ndjson' : 'application/octet-stream'
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
const isTimestamp = (value: unknown): value is string | null =>
  value === null || (typeof value === 'string' && !Number.isNaN(Date.parse(value)))

/**
 * Validates a parsed manifest file; undefined when it is not a manifest. Lenient where
 * it can be: a missing `format` is raw, a missing `gzip` is told by the name (`.gz`).
 */
export function parseManifest(value: unknown, name = ''): ArchiveManifest | undefined {
  if (!isRecord(value)) return undefined
  const {messages, bytes, firstTimestamp = null, lastTimestamp = null, sha256, format = 'raw', gzip = name.endsWith('.gz'), topic} = value
  if (!isCount(messages) || !isCount(bytes) || !isTimestamp(firstTimestamp) || !isTimestamp(lastTimestamp)) return undefined
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) return undefined
  if ((format !== 'raw' && format !== 'json') || typeof gzip !== 'boolean') return undefined
  if (topic !== undefined && typeof topic !== 'string') return undefined
  const manifest: ArchiveManifest = {messages, bytes, firstTimestamp, lastTimestamp, sha256, format, gzip}
  if (topic !== undefined) manifest.topic = topic
  return manifest
}
