/**
 * Archive files in an S3 (or S3-compatible) bucket, through the AWS SDK v3: every object under
 * `--s3-prefix` (hidden names and to-file's `.manifest.json` / `.s3.json` left out), each with the
 * manifest to-file stored as its metadata (HEAD), and read with GET. Loaded only when
 * `--s3-bucket` is given, so other runs never pay for the SDK.
 */
import {setMaxListeners} from 'node:events'
import {GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig} from '../s3/aws-sdk.js'
import type {ArchiveManifest} from '../to-file/manifest.js'
import type {ArchiveFile} from './archive-file.js'

export interface S3ListOptions {
  bucket: string
  prefix: string
  endpoint?: string | undefined
  region?: string | undefined
  forcePathStyle?: boolean | undefined
  /** Socket idle timeout of one request, ms. */
  requestTimeoutMs?: number | undefined
}

/** The manifest from an object's metadata (what to-file's uploader writes), or undefined. */
export function manifestFromMetadata(metadata: Record<string, string>, size: number): ArchiveManifest | undefined {
  const messages = Number(metadata.messages)
  const sha256 = metadata.sha256
  if (!Number.isSafeInteger(messages) || sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) return undefined
  const manifest: ArchiveManifest = {
    messages,
    bytes: Number(metadata.bytes ?? size),
    firstTimestamp: metadata['first-timestamp'] ?? null,
    lastTimestamp: metadata['last-timestamp'] ?? null,
    sha256,
    format: metadata.format === 'json' ? 'json' : 'raw',
    gzip: metadata.gzip === 'true',
  }
  if (metadata.topic !== undefined) manifest.topic = metadata.topic
  return manifest
}

const statusOf = (error: unknown): number | undefined =>
  (error as {$metadata?: {httpStatusCode?: number}} | undefined)?.$metadata?.httpStatusCode

/** Lists the archive objects under the prefix (sorted by key) and HEADs each for its manifest. */
export async function listS3Files(options: S3ListOptions, parent: AbortSignal): Promise<{files: ArchiveFile[]; close(): void}> {
  // Up to 16 HEADs listen on the signal at once: more than Node's default of 10 listeners.
  const controller = new AbortController()
  setMaxListeners(64, controller.signal)
  if (parent.aborted) controller.abort()
  else parent.addEventListener('abort', () => controller.abort(), {once: true})
  const signal = controller.signal
  const config: S3ClientConfig = {
    forcePathStyle: options.forcePathStyle ?? false,
    requestHandler: {socketTimeout: options.requestTimeoutMs ?? 30_000, connectionTimeout: 5000},
  }
  if (options.endpoint !== undefined) config.endpoint = options.endpoint
  if (options.region !== undefined) config.region = options.region
  else if (process.env.AWS_REGION === undefined && process.env.AWS_DEFAULT_REGION === undefined && process.env.AWS_PROFILE === undefined)
    config.region = 'us-east-1'
  const client = new S3Client(config)
  const {bucket} = options
  const objects: {key: string; size: number}[] = []
  try {
    let token: string | undefined
    do {
      const page = await client.send(new ListObjectsV2Command({Bucket: bucket, Prefix: options.prefix, ContinuationToken: token}), {
        abortSignal: signal,
      })
      for (const object of page.Contents ?? []) {
        const key = object.Key
        if (key === undefined) continue
        const base = key.slice(key.lastIndexOf('/') + 1)
        if (base === '' || base.startsWith('.') || base.endsWith('.manifest.json') || base.endsWith('.s3.json')) continue
        objects.push({key, size: object.Size ?? 0})
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined
    } while (token !== undefined)
  } catch (error) {
    client.destroy()
    const status = statusOf(error)
    throw new Error(
      status === 404
        ? `S3 bucket "${bucket}" does not exist (check --s3-bucket / --s3-endpoint)`
        : status === 403
          ? `access to S3 bucket "${bucket}" denied: check the credentials (s3:ListBucket, s3:GetObject)`
          : `listing s3://${bucket}/${options.prefix} failed: ${(error as Error).message}`,
      {cause: error},
    )
  }
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const files: ArchiveFile[] = []
  // HEADs a few at a time: one round trip each, and a long listing should not take one by one.
  for (let at = 0; at < objects.length; at += 16) {
    const heads = await Promise.all(
      objects
        .slice(at, at + 16)
        .map(async ({key}) => client.send(new HeadObjectCommand({Bucket: bucket, Key: key}), {abortSignal: signal})),
    )
    heads.forEach((head, i) => {
      const {key, size} = objects[at + i] as {key: string; size: number}
      files.push({
        key: `s3://${bucket}/${key}`,
        name: key.slice(key.lastIndexOf('/') + 1),
        size,
        manifest: manifestFromMetadata(head.Metadata ?? {}, size),
        open: (openSignal) => getObject(client, bucket, key, openSignal),
      })
    })
  }
  return {files, close: () => client.destroy()}
}

async function* getObject(client: S3Client, bucket: string, key: string, signal: AbortSignal): AsyncGenerator<Buffer> {
  const response = await client.send(new GetObjectCommand({Bucket: bucket, Key: key}), {abortSignal: signal})
  const body = response.Body as AsyncIterable<Uint8Array> | undefined
  if (body === undefined) return
  for await (const chunk of body) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}
