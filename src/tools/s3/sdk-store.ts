/**
 * {@link ObjectStore} over the official AWS SDK v3 (`@aws-sdk/client-s3`, and `@aws-sdk/lib-storage`
 * for multipart uploads). Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws, SSO, web identity, ECS and
 * EC2 instance roles). This module is imported only when S3 is used (cli/s3-flags.ts loads it
 * lazily), so other commands never pay for the SDK.
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import {HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client, Upload, type S3ClientConfig} from './aws-sdk.js'
import type {BucketCheck, ObjectStore, PutRequest, StoredObject} from './object-store.js'

/** S3 limits: parts are 5 MiB to 5 GiB, at most 10,000 of them. */
const MIN_PART = 5 * 1024 * 1024
const MAX_PARTS = 10_000

/** Connection settings of the store. */
export interface SdkStoreOptions {
  bucket: string
  /** Endpoint URL of an S3-compatible service (MinIO, R2, Ceph, versitygw…); default AWS. */
  endpoint?: string | undefined
  /** Region; default from AWS_REGION / the profile, else us-east-1. */
  region?: string | undefined
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle?: boolean | undefined
  /** Files larger than this go up as multipart uploads (default 16 MiB). */
  multipartThreshold?: number | undefined
  /** Part size of multipart uploads (default 16 MiB; raised when a file would need over 10,000 parts). */
  partSize?: number | undefined
  /** Parts uploaded at once per file (default 2); memory is at most this × part size per upload. */
  partConcurrency?: number | undefined
  /** Socket idle timeout of one request, ms (default 30 s): a hung server fails the attempt. */
  requestTimeoutMs?: number | undefined
  /** TCP connect timeout, ms (default 5 s). */
  connectTimeoutMs?: number | undefined
}

const statusOf = (error: unknown): number | undefined =>
  (error as {$metadata?: {httpStatusCode?: number}} | undefined)?.$metadata?.httpStatusCode

/** What a failed HeadBucket says about the configuration, or undefined when it says nothing sure. */
export function bucketProblem(error: unknown, bucket: string): string | undefined {
  const name = (error as {name?: unknown} | undefined)?.name
  if (name === 'CredentialsProviderError') {
    return 'no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (see the AWS SDK credential chain)'
  }
  switch (statusOf(error)) {
    case 404:
      return `bucket "${bucket}" does not exist (create it, or check --s3-bucket / --s3-endpoint)`
    case 403:
      return `access to bucket "${bucket}" denied: check the credentials and their permissions (s3:PutObject, s3:GetObject for HEAD, s3:ListBucket)`
    case 400:
    case 301:
      return `the store refused bucket "${bucket}" (${String(name)}): check --s3-region, --s3-endpoint and --s3-force-path-style`
    default:
      return undefined
  }
}

/** Why a store did not answer: the network error, the HTTP status, or no answer before `signal` ended the wait. */
export function unreachableReason(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'no answer in time'
  const status = statusOf(error)
  if (status !== undefined) return `HTTP ${status}`
  const code = (error as {code?: unknown} | undefined)?.code
  const message = error instanceof Error ? error.message : String(error)
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
}

/** The part size for a file of `size` bytes: at least `wanted`, 5 MiB, and size / 10,000. */
export function partSizeFor(size: number, wanted: number): number {
  return Math.max(wanted, MIN_PART, Math.ceil(size / MAX_PARTS))
}

/** Creates the store and its S3 client. */
export function createSdkStore(options: SdkStoreOptions): ObjectStore {
  const config: S3ClientConfig = {
    forcePathStyle: options.forcePathStyle ?? false,
    // An idle-socket timeout (not a total one, which a large part on a slow link would exceed):
    // a server that stops answering fails the attempt, and the upload is retried.
    requestHandler: {socketTimeout: options.requestTimeoutMs ?? 30_000, connectionTimeout: options.connectTimeoutMs ?? 5000},
  }
  if (options.endpoint !== undefined) config.endpoint = options.endpoint
  if (options.region !== undefined) config.region = options.region
  else if (process.env.AWS_REGION === undefined && process.env.AWS_DEFAULT_REGION === undefined && process.env.AWS_PROFILE === undefined)
    config.region = 'us-east-1'
  const client = new S3Client(config)
  const threshold = options.multipartThreshold ?? 16 * 1024 * 1024
  const wantedPart = options.partSize ?? 16 * 1024 * 1024
  const bucket = options.bucket

  const putSmall = async (request: PutRequest, signal: AbortSignal): Promise<{etag: string | undefined}> => {
    const body = await fsp.readFile(request.path, {signal})
    const response = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: request.key,
        Body: body,
        ContentLength: body.length,
        ContentType: request.contentType,
        Metadata: request.metadata,
        // The store checks the body against this, so a corrupted transfer is refused.
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      }),
      {abortSignal: signal},
    )
    return {etag: response.ETag}
  }

  const putLarge = async (request: PutRequest, signal: AbortSignal): Promise<{etag: string | undefined}> => {
    const body = fs.createReadStream(request.path)
    const upload = new Upload({
      client,
      params: {Bucket: bucket, Key: request.key, Body: body, ContentType: request.contentType, Metadata: request.metadata},
      partSize: partSizeFor(request.size, wantedPart),
      queueSize: options.partConcurrency ?? 2,
      // On failure the multipart upload is aborted, so no orphan parts are left to pay for.
      leavePartsOnError: false,
    })
    const onAbort = (): void => void upload.abort().catch(() => undefined)
    signal.addEventListener('abort', onAbort, {once: true})
    try {
      const result = await upload.done()
      return {etag: result.ETag}
    } finally {
      signal.removeEventListener('abort', onAbort)
      body.destroy()
    }
  }

  return {
    bucket,
    put: (request, signal) => (request.size > threshold ? putLarge(request, signal) : putSmall(request, signal)),
    head: async (key, signal): Promise<StoredObject | undefined> => {
      try {
        const response = await client.send(new HeadObjectCommand({Bucket: bucket, Key: key}), {abortSignal: signal})
        return {size: response.ContentLength ?? 0, metadata: response.Metadata ?? {}, etag: response.ETag}
      } catch (error) {
        if (statusOf(error) === 404) return undefined
        throw error
      }
    },
    checkBucket: async (signal): Promise<BucketCheck> => {
      try {
        await client.send(new HeadBucketCommand({Bucket: bucket}), {abortSignal: signal})
        return {status: 'ok'}
      } catch (error) {
        const problem = bucketProblem(error, bucket)
        if (problem !== undefined) return {status: 'refused', problem}
        return {status: 'unreachable', error: unreachableReason(error, signal)}
      }
    },
    close: () => client.destroy(),
  }
}
