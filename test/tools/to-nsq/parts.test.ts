import {describe, expect, it} from 'vitest'
import {decodeEnvelope} from '../../../src/tools/envelope.js'
import {Batcher, type OutRecord} from '../../../src/tools/publish/batcher.js'
import {parseDelimiter, describeDelimiter} from '../../../src/tools/to-nsq/delimiter.js'
import {formatFailure} from '../../../src/tools/publish/errors-file.js'
import {mpubBodySize, type SleepClock} from '../../../src/core/index.js'
import {Pacer, batchSizeForRate} from '../../../src/tools/to-nsq/pacer.js'
import {DEFAULT_LIMITS, combineLimits, tightest} from '../../../src/tools/publish/nsqd-limits.js'
import {buildSummary, formatSummary} from '../../../src/tools/to-nsq/summary.js'

const rec = (n: number, size: number): OutRecord => ({n, body: Buffer.alloc(size, 0x61)})

describe('parseDelimiter', () => {
  it('decodes the escapes people type and keeps other bytes literally', () => {
    expect(parseDelimiter('\\n')).toEqual(Buffer.from('\n'))
    expect(parseDelimiter('\n')).toEqual(Buffer.from('\n'))
    expect(parseDelimiter('\\r\\n')).toEqual(Buffer.from('\r\n'))
    expect(parseDelimiter('\\0')).toEqual(Buffer.from([0]))
    expect(parseDelimiter('\\t')).toEqual(Buffer.from('\t'))
    expect(parseDelimiter('\\x1e')).toEqual(Buffer.from([0x1e]))
    expect(parseDelimiter('\\\\')).toEqual(Buffer.from('\\'))
    expect(parseDelimiter(',')).toEqual(Buffer.from(','))
    expect(parseDelimiter('\\')).toEqual(Buffer.from('\\'))
    expect(parseDelimiter('\\q')).toEqual(Buffer.from('\\q'))
    expect(parseDelimiter('é')).toEqual(Buffer.from('é', 'utf8'))
  })

  it('rejects an empty delimiter', () => {
    expect(() => parseDelimiter('')).toThrow(/must not be empty/)
  })

  it('describes a delimiter the way it is typed', () => {
    expect(describeDelimiter(Buffer.from('\r\n'))).toBe('\\r\\n')
    expect(describeDelimiter(Buffer.from([0]))).toBe('\\0')
  })
})

describe('Batcher', () => {
  it('closes a batch at --batch-size messages', () => {
    const batcher = new Batcher({maxCount: 3, maxBodyBytes: 1_000_000})
    const out = [1, 2, 3, 4, 5, 6, 7].flatMap((n) => batcher.add(rec(n, 10)))
    expect(out.map((b) => b.map((r) => r.n))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ])
    expect(batcher.flush()?.map((r) => r.n)).toEqual([7])
    expect(batcher.flush()).toBeUndefined()
  })

  it('never builds an MPUB body over max-body-size, and fills it exactly up to the limit', () => {
    // Each 10-byte message costs 14 bytes of MPUB body, plus 4 for the count: 4 + 3 × 14 = 46.
    const batcher = new Batcher({maxCount: 100, maxBodyBytes: 46})
    const out = [1, 2, 3, 4, 5, 6, 7].flatMap((n) => batcher.add(rec(n, 10)))
    const last = batcher.flush()
    const batches = [...out, ...(last === undefined ? [] : [last])]
    expect(batches.map((b) => b.map((r) => r.n))).toEqual([[1, 2, 3], [4, 5, 6], [7]])
    for (const batch of batches) expect(mpubBodySize(batch.map((r) => r.body))).toBeLessThanOrEqual(46)
  })

  it('returns two batches when a record overflows the bytes of one and completes the count of the next', () => {
    const batcher = new Batcher({maxCount: 1, maxBodyBytes: 30})
    expect(batcher.add(rec(1, 10)).map((b) => b.map((r) => r.n))).toEqual([[1]])
    const b2 = new Batcher({maxCount: 2, maxBodyBytes: 30})
    b2.add(rec(1, 20))
    expect(b2.add(rec(2, 20)).map((b) => b.map((r) => r.n))).toEqual([[1]])
    expect(b2.size).toBe(1)
  })

  it('caps the batch size under --rate to about 20 batches a second', () => {
    expect(batchSizeForRate(200, 0)).toBe(200)
    expect(batchSizeForRate(200, 100)).toBe(5)
    expect(batchSizeForRate(200, 10)).toBe(1)
    expect(batchSizeForRate(200, 1_000_000)).toBe(200)
  })
})

describe('Pacer', () => {
  it('lets message m leave at start + m / rate on a fake clock', async () => {
    let now = 1000
    const sleeps: number[] = []
    const clock: SleepClock = {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms)
        now += ms
      },
    }
    const pacer = new Pacer(10, clock)
    const leave: number[] = []
    for (let i = 0; i < 4; i++) {
      await pacer.take(5)
      leave.push(now)
    }
    expect(leave).toEqual([1000, 1500, 2000, 2500])
    expect(sleeps).toEqual([500, 500, 500])
  })

  it('does not wait when behind schedule, and never with rate 0', async () => {
    let now = 0
    const clock: SleepClock = {
      now: () => now,
      sleep: async () => {
        throw new Error('should not sleep')
      },
    }
    const pacer = new Pacer(10, clock)
    await pacer.take(1)
    now = 5000
    await pacer.take(1)
    await new Pacer(0, clock).take(1000)
  })
})

describe('errors file line', () => {
  it('is one JSON line per record with its number, reason, error and UTF-8 body', () => {
    const line = formatFailure({
      record: 12,
      reason: 'oversize',
      error: '2000 bytes > max message size 1024',
      body: Buffer.from('héllo "x"'),
    })
    expect(line.endsWith('\n')).toBe(true)
    expect(line.indexOf('\n')).toBe(line.length - 1)
    expect(JSON.parse(line)).toEqual({record: 12, reason: 'oversize', error: '2000 bytes > max message size 1024', body: 'héllo "x"'})
  })

  it('puts bodies that are not UTF-8 in body_base64, and marks truncated records with their full size', () => {
    const body = Buffer.from([0xff, 0x00, 0x0a, 0xc3])
    const parsed = JSON.parse(
      formatFailure({record: 3, reason: 'publish_failed', error: 'E_X', body, length: 9000, nsqd: 'a:1'}),
    ) as Record<string, unknown>
    expect(parsed).toEqual({
      record: 3,
      reason: 'publish_failed',
      error: 'E_X',
      nsqd: 'a:1',
      body_base64: body.toString('base64'),
      bytes: 9000,
      truncated: true,
    })
  })

  it('is valid --input-format json input: the tail envelope decoder gets the same body back', () => {
    for (const body of [Buffer.from('plain text'), Buffer.from([0, 1, 2, 0xff, 0xfe])]) {
      const line = formatFailure({record: 1, reason: 'publish_failed', error: 'x', body})
      expect(decodeEnvelope(line.trimEnd()).body.equals(body)).toBe(true)
    }
  })
})

describe('tightest limits', () => {
  it('takes the smallest of each limit across nsqds', () => {
    expect(tightest([])).toBeUndefined()
    expect(
      tightest([
        {maxMessageBytes: 100, maxBodyBytes: 5000, maxDeferMs: 10},
        {maxMessageBytes: 200, maxBodyBytes: 4000, maxDeferMs: 20},
      ]),
    ).toEqual({maxMessageBytes: 100, maxBodyBytes: 4000, maxDeferMs: 10})
  })
})

describe('combineLimits', () => {
  it("uses nsqd's limits when known; explicit flags only tighten them", () => {
    const server = {maxMessageBytes: 1000, maxBodyBytes: 5000, maxDeferMs: 60_000}
    expect(combineLimits([server], {})).toEqual({limits: server, source: 'nsqd'})
    expect(combineLimits([server], {maxMessageBytes: 2000, maxBodyBytes: 100})).toEqual({
      limits: {maxMessageBytes: 1000, maxBodyBytes: 100, maxDeferMs: 60_000},
      source: 'nsqd',
    })
  })

  it("falls back to the flags, then to nsqd's defaults", () => {
    expect(combineLimits([], {maxMessageBytes: 10})).toEqual({limits: {...DEFAULT_LIMITS, maxMessageBytes: 10}, source: 'flags'})
    expect(combineLimits([], {})).toEqual({limits: DEFAULT_LIMITS, source: 'flags'})
  })
})

describe('summary', () => {
  const stats = {
    records: 7,
    accepted: 5,
    published: 4,
    bytes: 2048,
    failures: {oversize: 1, empty: 0, invalid_envelope: 0, publish_failed: 1, incomplete: 0},
    skippedEmpty: 1,
  }
  const context = {
    topic: 't',
    mode: 'round-robin' as const,
    nsqd: ['a:1'],
    dryRun: false,
    limits: {maxMessageBytes: 1, maxBodyBytes: 2, source: 'nsqd' as const},
  }

  it('builds the --json object: failed is the sum of the reasons, rate is published per second', () => {
    expect(buildSummary(stats, {stoppedBy: 'eof', elapsedMs: 2000}, {...context, errorsFile: 'e.ndjson'})).toEqual({
      ...context,
      records: 7,
      accepted: 5,
      published: 4,
      bytes: 2048,
      failed: 2,
      failures: stats.failures,
      skippedEmpty: 1,
      elapsedMs: 2000,
      rate: 2,
      stoppedBy: 'eof',
      errorsFile: 'e.ndjson',
    })
  })

  it('prints one line with published, bytes, rate and failures by reason', () => {
    const line = formatSummary(buildSummary(stats, {stoppedBy: 'interrupted', elapsedMs: 2000}, context))
    expect(line).toBe(
      'published 4 msgs (2.0 KiB) to t in 2.00s, 2 msg/s; 7 read, 2 failed (1 oversize, 1 publish_failed), 1 empty skipped; interrupted before end of input',
    )
    expect(formatSummary(buildSummary(stats, {stoppedBy: 'eof', elapsedMs: 10}, {...context, dryRun: true}))).toMatch(
      /^dry run: 5 of 7 records would be published to t; 2 failed/,
    )
  })
})
