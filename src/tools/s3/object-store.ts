/**
 * What the uploader needs from an object store: put a local file under a key, and HEAD a key.
 * The implementation over the AWS SDK v3 is `sdk-store.ts`, loaded only when S3 is used.
 */

/** An object as HEAD reports it. */
export interface StoredObject {
  /** Content-Length. */
  size: number
  /** User metadata (`x-amz-meta-*`), keys in lower case. */
  metadata: Record<string, string>
  etag: string | undefined
}

/** A local file to store under `key`. */
export interface PutRequest {
  key: string
  /** Absolute path of the local file. */
  path: string
  /** Its size in bytes (decides between one PUT and a multipart upload). */
  size: number
  metadata: Record<string, string>
  contentType: string
}

/**
 * What a bucket check found: `ok`; `refused` with what is wrong for good (no such bucket, access
 * denied, no credentials: a configuration problem); or `unreachable` with why the store did not
 * answer definitely (down, a 5xx, no answer in time: uploads retry until it is back).
 */
export type BucketCheck = {status: 'ok'} | {status: 'refused'; problem: string} | {status: 'unreachable'; error: string}

/** An S3-compatible bucket. */
export interface ObjectStore {
  /** The bucket name (recorded in upload markers). */
  readonly bucket: string
  /** Uploads the file (one PUT, or multipart when large); resolves once the store acknowledged it. */
  put(request: PutRequest, signal: AbortSignal): Promise<{etag: string | undefined}>
  /** The object under `key`, or undefined when there is none. */
  head(key: string, signal: AbortSignal): Promise<StoredObject | undefined>
  /** Checks that the bucket can be reached with these credentials; see {@link BucketCheck}. */
  checkBucket(signal: AbortSignal): Promise<BucketCheck>
  /** Releases sockets. */
  close(): void
}
