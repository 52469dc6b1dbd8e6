import {describe, expect, it} from 'vitest'
import {bucketProblem, partSizeFor} from '../../../src/tools/s3/sdk-store.js'

const withStatus = (status: number, name = 'S3ServiceException'): Error =>
  Object.assign(new Error('x'), {name, $metadata: {httpStatusCode: status}})

describe('what a failed bucket check means', () => {
  it('names definite configuration problems with a fix', () => {
    expect(
      bucketProblem(Object.assign(new Error('Could not load credentials from any providers'), {name: 'CredentialsProviderError'}), 'b'),
    ).toMatch(/AWS_ACCESS_KEY_ID/)
    expect(bucketProblem(withStatus(404, 'NotFound'), 'b')).toMatch(/bucket "b" does not exist/)
    expect(bucketProblem(withStatus(403, 'Forbidden'), 'b')).toMatch(/denied/)
    expect(bucketProblem(withStatus(301, 'PermanentRedirect'), 'b')).toMatch(/--s3-region/)
  })

  it('says nothing when the store is just unavailable (uploads retry then)', () => {
    expect(bucketProblem(Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'}), 'b')).toBeUndefined()
    expect(bucketProblem(withStatus(503), 'b')).toBeUndefined()
    expect(bucketProblem(withStatus(500), 'b')).toBeUndefined()
  })
})

describe('multipart part size', () => {
  it('is at least 5 MiB and large enough for 10,000 parts to hold the file', () => {
    expect(partSizeFor(100, 1024)).toBe(5 * 1024 * 1024)
    expect(partSizeFor(100 * 1024 ** 2, 16 * 1024 ** 2)).toBe(16 * 1024 ** 2)
    const huge = 400 * 1024 ** 3
    expect(partSizeFor(huge, 16 * 1024 ** 2) * 10_000).toBeGreaterThanOrEqual(huge)
  })
})
