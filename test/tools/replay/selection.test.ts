import {describe, expect, it} from 'vitest'
import type {ArchiveFile} from '../../../src/tools/replay/archive-file.js'
import {nameSpanReader} from '../../../src/tools/replay/name-time.js'
import {selectFiles} from '../../../src/tools/replay/selection.js'
import {inRange, overlaps, parseTimeBound} from '../../../src/tools/replay/time-range.js'
import type {ArchiveManifest} from '../../../src/tools/to-file/manifest.js'

const HOUR = 3_600_000
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0)

/** A file that must never be opened: selection decides by manifest and name alone. */
function file(name: string, manifest?: Partial<ArchiveManifest>): ArchiveFile {
  return {
    key: `/archive/${name}`,
    name,
    size: 100,
    manifest:
      manifest === undefined
        ? undefined
        : {
            messages: 10,
            bytes: 100,
            firstTimestamp: null,
            lastTimestamp: null,
            sha256: 'a'.repeat(64),
            format: 'json',
            gzip: true,
            ...manifest,
          },
    open: () => {
      throw new Error(`${name} was opened`)
    },
  }
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '000000Z')

describe('time bounds', () => {
  const parse = (text: string): number =>
    parseTimeBound(text, T0, (t) => {
      const m = /^(\d+)([hmd])$/.exec(t)
      if (m === null) throw new Error('bad')
      return Number(m[1]) * {h: HOUR, m: 60_000, d: 24 * HOUR}[m[2] as 'h' | 'm' | 'd']
    })
  it('reads RFC 3339 with zones, a bare date, and durations back from now', () => {
    expect(parse('2024-05-01T10:00:00Z')).toBe(T0)
    expect(parse('2024-05-01T12:00:00+02:00')).toBe(T0)
    expect(parse('2024-05-01T10:00:00.250Z')).toBe(T0 + 250)
    expect(parse('2024-05-01')).toBe(Date.UTC(2024, 4, 1))
    expect(parse('2h')).toBe(T0 - 2 * HOUR)
    expect(parse('1d')).toBe(T0 - 24 * HOUR)
    expect(() => parse('yesterday')).toThrow(/RFC 3339/)
  })
  it('is half-open: since included, until excluded', () => {
    const range = {sinceMs: T0, untilMs: T0 + HOUR}
    expect(inRange(range, T0 - 1)).toBe(false)
    expect(inRange(range, T0)).toBe(true)
    expect(inRange(range, T0 + HOUR - 1)).toBe(true)
    expect(inRange(range, T0 + HOUR)).toBe(false)
    expect(overlaps(range, T0 - HOUR, T0)).toBe(true)
    expect(overlaps(range, T0 - HOUR, T0 - 1)).toBe(false)
    expect(overlaps(range, T0 + HOUR, T0 + 2 * HOUR)).toBe(false)
  })
})

describe('datetime in names', () => {
  it('finds the default %Y-%m-%d_%H in to-file / nsq_to_file names: one hour', () => {
    const read = nameSpanReader('%Y-%m-%d_%H', true)
    expect(read?.('orders.host-000003.2024-05-01_10.log.gz')).toEqual({startMs: T0, endMs: T0 + HOUR})
    // A topic with digits in it: the last match is the datetime.
    expect(read?.('t2024-01-01_01.host.2024-05-01_10.log')).toEqual({startMs: T0, endMs: T0 + HOUR})
    expect(read?.('notes.txt')).toBeUndefined()
  })
  it('spans the finest field of the format, in local time unless utc', () => {
    expect(nameSpanReader('%Y%m%d%H%M', true)?.('x.202405011000.log')).toEqual({startMs: T0, endMs: T0 + 60_000})
    expect(nameSpanReader('%Y-%m-%d', true)?.('x.2024-05-01.log')).toEqual({startMs: Date.UTC(2024, 4, 1), endMs: Date.UTC(2024, 4, 2)})
    expect(nameSpanReader('%Y-%m', true)?.('x.2024-02.log')).toEqual({startMs: Date.UTC(2024, 1, 1), endMs: Date.UTC(2024, 2, 1)})
    expect(nameSpanReader('%Y-%m-%d_%H')?.('x.2024-05-01_10.log')?.startMs).toBe(new Date(2024, 4, 1, 10).getTime())
    expect(nameSpanReader('%H%M')).toBeUndefined()
  })
})

describe('selectFiles', () => {
  const nameSpan = nameSpanReader('%Y-%m-%d_%H', true)
  const files = [
    file('t.h-000000.2024-05-01_09.log.gz'),
    file('t.h-000001.2024-05-01_10.log.gz'),
    file('t.h-000002.2024-05-01_11.log.gz'),
    // The name says 12:00, the manifest says otherwise: the manifest wins.
    file('t.h-000003.2024-05-01_12.log.gz', {firstTimestamp: iso(T0 + 30 * 60_000), lastTimestamp: iso(T0 + 40 * 60_000)}),
    file('t.h-000004.2024-05-01_13.log.gz', {firstTimestamp: iso(T0 + 3 * HOUR), lastTimestamp: iso(T0 + 4 * HOUR - 1)}),
    file('t.h-000005.2024-05-01_10.log.gz', {messages: 0}),
    file('unnamed.log'),
  ]
  it('keeps only files that overlap the range, without opening any, in time order', () => {
    const {selected, skipped} = selectFiles(files, {sinceMs: T0 + 15 * 60_000, untilMs: T0 + 2 * HOUR}, nameSpan)
    expect(selected.map((p) => [p.file.name, p.source])).toEqual([
      ['unnamed.log', 'none'],
      ['t.h-000001.2024-05-01_10.log.gz', 'name'],
      ['t.h-000003.2024-05-01_12.log.gz', 'manifest'],
      ['t.h-000002.2024-05-01_11.log.gz', 'name'],
    ])
    expect(skipped.map((p) => p.file.name)).toEqual([
      't.h-000000.2024-05-01_09.log.gz',
      't.h-000004.2024-05-01_13.log.gz',
      't.h-000005.2024-05-01_10.log.gz',
    ])
  })
  it('an open range keeps every file but those whose manifest counts no messages', () => {
    const {selected, skipped} = selectFiles(files, {}, nameSpan)
    expect(selected).toHaveLength(6)
    expect(skipped.map((p) => p.file.name)).toEqual(['t.h-000005.2024-05-01_10.log.gz'])
  })
})
