import {describe, expect, it} from 'vitest'
import {s3SinkFromFlags, type S3FlagValues} from '../../src/cli/s3-flags.js'

const base: S3FlagValues = {
  's3-prefix': '',
  's3-force-path-style': false,
  'keep-local': false,
  's3-spool-max': 1024 ** 3,
  's3-spool-max-files': 100,
  's3-concurrency': 2,
  's3-part-size': 16 * 1024 * 1024,
  's3-timeout': 30_000,
  's3-drain-timeout': 30_000,
  's3-local-time': false,
}
const context = {outputDir: '/nonexistent-output-dir'}

describe('s3SinkFromFlags', () => {
  it('gives no sink without --s3-bucket', async () => {
    await expect(s3SinkFromFlags(base, context)).resolves.toBeUndefined()
    await expect(s3SinkFromFlags({...base, 's3-bucket': ''}, context)).resolves.toBeUndefined()
  })

  it('refuses S3 flags without a bucket, as a usage error', async () => {
    await expect(s3SinkFromFlags({...base, 's3-prefix': 'a/'}, context)).rejects.toMatchObject({
      code: 'CONFIG',
      message: '--s3-prefix needs --s3-bucket',
    })
    await expect(s3SinkFromFlags({...base, 's3-endpoint': 'http://x'}, context)).rejects.toMatchObject({code: 'CONFIG'})
    await expect(s3SinkFromFlags({...base, 'keep-local': true}, context)).rejects.toMatchObject({
      code: 'CONFIG',
      message: '--keep-local needs --s3-bucket',
    })
  })

  it('refuses a bad endpoint, prefix or part size', async () => {
    const withBucket = {...base, 's3-bucket': 'b'}
    await expect(s3SinkFromFlags({...withBucket, 's3-endpoint': '127.0.0.1:9000'}, context)).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/not an http\(s\) URL/) as unknown,
    })
    await expect(s3SinkFromFlags({...withBucket, 's3-endpoint': 'ftp://host'}, context)).rejects.toMatchObject({code: 'CONFIG'})
    await expect(s3SinkFromFlags({...withBucket, 's3-prefix': 'a//b'}, context)).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/"\/\/"/) as unknown,
    })
    await expect(s3SinkFromFlags({...withBucket, manifest: false}, context)).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/--no-manifest/) as unknown,
    })
    await expect(s3SinkFromFlags({...withBucket, 's3-part-size': 1024 * 1024}, context)).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/5MiB/) as unknown,
    })
  })
})
