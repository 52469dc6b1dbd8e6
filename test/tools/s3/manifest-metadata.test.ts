import {describe, expect, it} from 'vitest'
import {contentType, manifestMetadata, parseManifest} from '../../../src/tools/s3/manifest-metadata.js'

const sha256 = 'ab'.repeat(32)

describe('archive manifest as S3 metadata', () => {
  it('turns every manifest field into string metadata, leaving out unknown timestamps', () => {
    const manifest = {
      messages: 3,
      bytes: 42,
      firstTimestamp: '2024-01-31T15:04:05.123456789Z',
      lastTimestamp: null,
      sha256,
      format: 'json' as const,
      gzip: true,
    }
    expect(manifestMetadata(manifest, 'clicks')).toEqual({
      topic: 'clicks',
      messages: '3',
      bytes: '42',
      sha256,
      format: 'json',
      gzip: 'true',
      'first-timestamp': '2024-01-31T15:04:05.123456789Z',
    })
    expect(contentType(manifest)).toBe('application/gzip')
    expect(contentType({...manifest, gzip: false})).toBe('application/x-ndjson')
    expect(contentType({...manifest, gzip: false, format: 'raw'})).toBe('application/octet-stream')
  })

  it('reads a manifest back, filling in a missing format (raw) and gzip (from the name)', () => {
    const onDisk = {
      messages: 82,
      bytes: 2006,
      firstTimestamp: '2026-11-25T22:34:48.983801410Z',
      lastTimestamp: '2026-11-25T22:34:48.983827198Z',
      sha256,
    }
    expect(parseManifest(onDisk, 't.host-000000.2026-11-25_22.log')).toEqual({...onDisk, format: 'raw', gzip: false})
    expect(parseManifest(onDisk, 't.host-000000.2026-11-25_22.log.gz')).toMatchObject({gzip: true})
    expect(parseManifest({...onDisk, topic: 'clicks', format: 'json', gzip: false})).toMatchObject({topic: 'clicks', format: 'json'})
  })

  it('refuses what is not a manifest', () => {
    const good = {messages: 1, bytes: 1, firstTimestamp: null, lastTimestamp: null, sha256}
    expect(parseManifest(good)).toBeDefined()
    for (const bad of [
      null,
      [],
      'x',
      {...good, messages: -1},
      {...good, bytes: 1.5},
      {...good, sha256: 'xyz'},
      {...good, format: 'csv'},
      {...good, gzip: 'yes'},
      {...good, firstTimestamp: 'yesterday'},
      {...good, topic: 7},
    ]) {
      expect(parseManifest(bad)).toBeUndefined()
    }
  })
})
