/**
 * Entry point of the S3 upload, loaded with a dynamic `import()` only when `--s3-bucket` is given
 * (it pulls in the AWS SDK): builds the SDK-backed store and opens the uploader over it.
 */
import {NsqError, deadlineSignal} from '../../core/index.js'
import {createSdkStore, type SdkStoreOptions} from './sdk-store.js'
import {S3Uploader, type S3UploaderOptions} from './uploader.js'

/** Store settings plus uploader settings (without the store, which this creates). */
export type S3SinkOptions = SdkStoreOptions & Omit<S3UploaderOptions, 'store'>

/**
 * Opens an {@link S3Uploader} over the AWS SDK, after checking the bucket: a definite
 * configuration problem (no such bucket, access denied, no credentials) throws a CONFIG NsqError
 * at once instead of retrying forever; a store that does not answer (within `checkTimeoutMs`,
 * default 10 s) is not an error, since uploads retry until it is back, but it is told at once
 * (an `unreachable` event) and counts as the uploader's last error until an upload succeeds.
 */
export async function openS3Sink(options: S3SinkOptions & {checkTimeoutMs?: number | undefined}): Promise<S3Uploader> {
  const store = createSdkStore(options)
  const deadline = deadlineSignal(options.checkTimeoutMs ?? 10_000)
  const check = await store.checkBucket(deadline.signal).finally(deadline.dispose)
  if (check.status === 'refused') {
    store.close()
    throw new NsqError('CONFIG', `S3: ${check.problem}`)
  }
  const unreachable = check.status === 'unreachable' ? `${options.endpoint ?? 'S3'}: ${check.error}` : undefined
  if (unreachable !== undefined) options.onEvent?.({type: 'unreachable', error: unreachable})
  return S3Uploader.open({...options, store, ...(unreachable === undefined ? {} : {storeProblem: unreachable})})
}
