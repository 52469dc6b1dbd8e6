/**
 * The part of the AWS SDK v3 that nsq-toolkit uses, in one place. In the built package
 * (`npm run build`) dist/tools/s3/aws-sdk.js is replaced by an esbuild bundle of this module
 * (scripts/bundle-aws-sdk.mjs): minified and tree-shaken to these names, it loads ~11 MiB less
 * than importing `@aws-sdk/client-s3` and `@aws-sdk/lib-storage` whole. Import SDK values from
 * here, never from `@aws-sdk/*` directly (type-only imports may stay), so the bundle stays the
 * only copy loaded; under vitest (src/) this is the plain re-export.
 */
export {GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
export type {S3ClientConfig} from '@aws-sdk/client-s3'
export {Upload} from '@aws-sdk/lib-storage'
