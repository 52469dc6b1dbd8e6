import {describe, expect, it} from 'vitest'
import {conflictKey, expandKeyTemplate, objectKey, prefixProblem} from '../../../src/tools/s3/object-key.js'
import {topicFromName} from '../../../src/tools/s3/topic-from-name.js'

const tokens = {topic: 'clicks', host: 'web1', pid: 4242, time: new Date('2024-01-31T23:05:09.123Z')}
const utc = {datetimeFormat: '%Y-%m-%d_%H', utc: true}

describe('S3 object keys', () => {
  it('expands every token of the prefix template, <DATETIME> in UTC by default', () => {
    expect(expandKeyTemplate('<TOPIC>/<HOST>/<PID>/<DATETIME>/', tokens, utc)).toBe('clicks/web1/4242/2024-01-31_23/')
    expect(expandKeyTemplate('a/<TOPIC>-<TOPIC>/', tokens, utc)).toBe('a/clicks-clicks/')
  })

  it('expands <REV> to nothing (the file name carries the revision)', () => {
    expect(expandKeyTemplate('x<REV>y/', tokens, utc)).toBe('xy/')
  })

  it('uses the strftime format given, e.g. date folders', () => {
    expect(expandKeyTemplate('<TOPIC>/<DATETIME>/', tokens, {datetimeFormat: '%Y/%m/%d', utc: true})).toBe('clicks/2024/01/31/')
  })

  it('formats in the local zone when asked', () => {
    const local = expandKeyTemplate('<DATETIME>', tokens, {datetimeFormat: '%Y-%m-%d_%H', utc: false})
    const t = tokens.time
    const pad = (n: number): string => String(n).padStart(2, '0')
    expect(local).toBe(`${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}_${pad(t.getHours())}`)
  })

  it('joins the prefix and the file name as they are, without a leading slash', () => {
    expect(objectKey('archive/<TOPIC>/', 'clicks.web1.2024-01-31_23.log', tokens, utc)).toBe('archive/clicks/clicks.web1.2024-01-31_23.log')
    expect(objectKey('', 'sub/f.log', tokens, utc)).toBe('sub/f.log')
    expect(objectKey('/<TOPIC>-', 'f.log', tokens, utc)).toBe('clicks-f.log')
  })

  it('puts a digest before the extension when a key is taken by other content', () => {
    const sha = '0123456789abcdef' + 'f'.repeat(48)
    expect(conflictKey('a/t.host-000000.2024-01-31_15.log.gz', sha)).toBe('a/t.host-000000.2024-01-31_15-0123456789abcdef.log.gz')
    expect(conflictKey('t.host.2024-01-31_15.log', sha)).toBe('t.host.2024-01-31_15-0123456789abcdef.log')
    expect(conflictKey('noext', sha)).toBe('noext-0123456789abcdef')
  })

  it('rejects prefixes that make bad keys', () => {
    expect(prefixProblem('a//b')).toMatch(/"\/\/"/)
    expect(prefixProblem('a/../b/')).toMatch(/segment/)
    expect(prefixProblem('x'.repeat(600))).toMatch(/512/)
    expect(prefixProblem('archive/<TOPIC>/<DATETIME>/')).toBeUndefined()
  })
})

describe('topic of a file found on disk without one in its manifest', () => {
  const format = '<TOPIC>.<HOST><REV>.<DATETIME>.log'
  it('reads it back through the filename format with the host known, dots and all', () => {
    expect(topicFromName('clicks.v2.web1-000003.2024-01-31_15.log', format, 'web1')).toBe('clicks.v2')
    expect(topicFromName('clicks.v2.web1-000003.2024-01-31_15.log.gz', format, 'web1')).toBe('clicks.v2')
    expect(topicFromName('clicks.web1.2024-01-31_15.log', format, 'web1')).toBe('clicks')
    expect(topicFromName('a/clicks/x.log', 'a/<TOPIC>/x.log', 'h')).toBe('clicks')
  })

  it('gives the only topic when there is one, and nothing for names that do not fit or unknown topics', () => {
    expect(topicFromName('anything', format, 'web1', ['orders'])).toBe('orders')
    expect(topicFromName('clicks.other-host.2024-01-31_15.log', format, 'web1')).toBeUndefined()
    expect(topicFromName('clicks.web1.2024-01-31_15.log', format, 'web1', ['views', 'orders'])).toBeUndefined()
    expect(topicFromName('x.log', 'fixed.log', 'web1')).toBeUndefined()
  })
})
