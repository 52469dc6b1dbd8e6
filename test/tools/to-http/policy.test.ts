import {describe, expect, it} from 'vitest'
import {EndpointPicker, isMode} from '../../../src/tools/to-http/endpoints.js'
import {FanoutLedger} from '../../../src/tools/to-http/fanout-ledger.js'
import {compileGetTemplate, escapeBody} from '../../../src/tools/to-http/get-template.js'
import {parseHeader} from '../../../src/tools/to-http/headers.js'
import {parseRetryAfter} from '../../../src/tools/to-http/retry-after.js'
import {backoffDelay, decide, type StatusPolicyOptions} from '../../../src/tools/to-http/status-policy.js'

const policy: StatusPolicyOptions = {on4xx: 'errors', baseDelayMs: 1000, maxDelayMs: 60_000}
const NOW = Date.parse('2025-01-01T00:00:00Z')

describe('status policy', () => {
  it('2xx accepts; 4xx (not 408/429) and 3xx reject; 5xx, 408, 429 retry', () => {
    for (const status of [200, 201, 204, 299]) expect(decide({kind: 'response', status}, 1, policy, NOW).action).toBe('accept')
    for (const status of [301, 400, 401, 404, 413, 422]) expect(decide({kind: 'response', status}, 1, policy, NOW).action).toBe('reject')
    for (const status of [408, 429, 500, 502, 503, 504]) expect(decide({kind: 'response', status}, 1, policy, NOW).action).toBe('retry')
  })

  it('--on-4xx requeue turns a 400 into a retry', () => {
    expect(decide({kind: 'response', status: 400}, 1, {...policy, on4xx: 'requeue'}, NOW)).toMatchObject({action: 'retry', delayMs: 1000})
  })

  it('transport errors retry with backoff by attempts and slow the consumer down; a 500 does not', () => {
    expect(decide({kind: 'error', code: 'ECONNRESET', message: '', sent: true}, 3, policy, NOW)).toEqual({
      action: 'retry',
      delayMs: 4000,
      why: 'ECONNRESET',
      retryAfter: false,
      slowDown: true,
    })
    expect(decide({kind: 'response', status: 500}, 1, policy, NOW)).toMatchObject({slowDown: false})
    expect(decide({kind: 'response', status: 503}, 1, policy, NOW)).toMatchObject({slowDown: true})
  })

  it('Retry-After replaces the backoff, capped by the max delay', () => {
    expect(decide({kind: 'response', status: 429, retryAfter: '7'}, 5, policy, NOW)).toMatchObject({delayMs: 7000, retryAfter: true})
    expect(decide({kind: 'response', status: 503, retryAfter: '3600'}, 1, policy, NOW)).toMatchObject({delayMs: 60_000, retryAfter: true})
    expect(decide({kind: 'response', status: 503, retryAfter: 'soon'}, 2, policy, NOW)).toMatchObject({delayMs: 2000, retryAfter: false})
  })

  it('backoff doubles per attempt and stops at the cap', () => {
    expect([1, 2, 3, 4, 10, 100].map((a) => backoffDelay(a, 1000, 30_000))).toEqual([1000, 2000, 4000, 8000, 30_000, 30_000])
  })
})

describe('Retry-After', () => {
  it('delay-seconds and HTTP-dates; past dates mean now; junk is ignored', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000)
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0)
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', NOW)).toBe(30_000)
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', NOW)).toBe(0)
    expect(parseRetryAfter(['5', '9'], NOW)).toBe(5000)
    for (const junk of [undefined, '', '-1', '1.5', 'soon', '2025-01-02']) expect(parseRetryAfter(junk, NOW)).toBeUndefined()
  })
})

describe('GET template', () => {
  const message = {body: Buffer.from('a b&c/é'), topic: 'ev ents', id: '0123456789abcdef', attempts: 3}

  it('fills %s (escaped), %t, %i, %a and %%; a literal %20 stays %20', () => {
    const t = compileGetTemplate('http://h:1/p%20q?v=%s&t=%t&i=%i&a=%a&pct=5%%&x=%2F')
    expect(t.render(message)).toBe('http://h:1/p%20q?v=a%20b%26c%2F%C3%A9&t=ev%20ents&i=0123456789abcdef&a=3&pct=5%&x=%2F')
  })

  it('escapes binary bodies byte by byte', () => {
    expect(escapeBody(Buffer.from([0, 0xff, 0x41, 0x0a, 0x25, 0x2b]))).toBe('%00%FFA%0A%25%2B')
  })

  it('refuses what is not an http(s) URL', () => {
    expect(() => compileGetTemplate('ftp://h/%s')).toThrow(/only http/)
    expect(() => compileGetTemplate('not a url %s')).toThrow(/not a URL/)
  })
})

describe('headers, modes, fanout ledger', () => {
  it("parses 'Key: Value' and names the right format when wrong", () => {
    expect(parseHeader(' Authorization :  Bearer a:b ', '--header')).toEqual(['Authorization', 'Bearer a:b'])
    expect(() => parseHeader('key=value', '--header')).toThrow(/expected 'Key: Value'/)
    expect(() => parseHeader('X: a\r\nY: b', '--header')).toThrow(/line break/)
  })

  it('knows its modes (an unknown one is not silently fanout)', () => {
    expect(['round-robin', 'hostpool', 'epsilon-greedy', 'fanout'].every(isMode)).toBe(true)
    expect(isMode('multicast')).toBe(false)
  })

  it('round-robin rotates the start; hostpool puts a failed URL last until it rests enough (injected clock)', () => {
    const rr = new EndpointPicker(['a', 'b', 'c'], 'round-robin')
    expect([rr.order(), rr.order(), rr.order(), rr.order()]).toEqual([
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
      [0, 1, 2],
    ])
    let now = 0
    const pool = new EndpointPicker(['a', 'b'], 'hostpool', () => now)
    pool.mark(0, false)
    expect(pool.order()).toEqual([1, 0])
    expect(pool.order()).toEqual([1, 0])
    now = 30_000
    expect(pool.order()).toEqual([0, 1])
    pool.mark(0, false)
    pool.mark(0, false)
    now = 30_000 + 59_999
    expect(pool.order()[1]).toBe(0)
    now = 30_000 + 60_000
    pool.mark(0, true)
    expect(pool.order()).toEqual([0, 1])
  })

  it('the ledger sends a requeued fanout message only to the URLs that still need it, and forgets the oldest past its limit', () => {
    const ledger = new FanoutLedger(2)
    expect(ledger.pending('m1', 3)).toEqual([0, 1, 2])
    ledger.record('m1', 0)
    ledger.record('m1', 2)
    expect(ledger.pending('m1', 3)).toEqual([1])
    ledger.record('m2', 1)
    ledger.record('m3', 1)
    expect(ledger.size).toBe(2)
    expect(ledger.pending('m1', 3)).toEqual([0, 1, 2])
    ledger.forget('m2')
    expect(ledger.pending('m2', 2)).toEqual([0, 1])
  })
})
