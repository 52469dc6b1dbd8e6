/**
 * Entry point of the S3 upload, loaded with a dynamic `import()` only when `--s3-bucket` is given
 * (it pulls in the AWS SDK): builds the SDK-backed store and opens the uploader over it.
 */
import {createSdkStore, type SdkStoreOptions} from './sdk-store.js'
import {S3Uploader, type S3UploaderOptions} from './uploader.js'

/** Store settings plus uploader settings (without the store, which this creates). */
export type S3SinkOptions = SdkStoreOptions & Omit<S3UploaderOptions, 'store'>

/** Opens an {@link S3Uploader} over the AWS SDK. */
export function openS3Sink(options: S3SinkOptions): Promise<S3Uploader> {
  return S3Uploader.open({...options, store: createSdkStore(options)})
}
