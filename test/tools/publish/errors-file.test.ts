import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ErrorsFile, type FailedRecord} from '../../../src/tools/publish/errors-file.js'
import {MAX_BODIES_SHOWN, SHORT_BODY_BYTES, UnrecordedRecords, formatRanges} from '../../../src/tools/publish/unrecorded.js'

const failure = (record: number, body: string | Buffer, extra: Partial<FailedRecord> = {}): FailedRecord => ({
  record,
  reason: 'publish_failed',
  error: 'E_PUB_FAILED',
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  ...extra,
})

describe('formatRanges', () => {
  it('prints sorted ranges, ignoring duplicates', () => {
    expect(formatRanges([10, 9, 1, 2, 3, 7, 3])).toBe('1-3, 7, 9-10')
    expect(formatRanges([5])).toBe('5')
    expect(formatRanges([])).toBe('')
  })
})

describe('UnrecordedRecords', () => {
  it('keeps every record number, and only short UTF-8 whole bodies, at most MAX_BODIES_SHOWN', () => {
    const list = new UnrecordedRecords()
    list.add(failure(1, 'short'))
    list.add(failure(2, 'x'.repeat(SHORT_BODY_BYTES + 1)))
    list.add(failure(3, Buffer.from([0xff, 0xfe])))
    list.add(failure(4, 'cut', {length: 5000}))
    for (let i = 0; i < MAX_BODIES_SHOWN + 5; i++) list.add(failure(100 + i, `b${i}`))
    expect(list.count).toBe(4 + MAX_BODIES_SHOWN + 5)
    expect(list.ranges).toBe(`1-4, 100-${100 + MAX_BODIES_SHOWN + 4}`)
    const lines = list.bodyLines()
    expect(lines).toHaveLength(MAX_BODIES_SHOWN)
    expect(lines[0]).toBe('record 1 (publish_failed): "short"')
    expect(lines.some((l) => l.startsWith('record 2 ') || l.startsWith('record 3 ') || l.startsWith('record 4 '))).toBe(false)
  })
})

describe('ErrorsFile', () => {
  it('writes one NDJSON line per failure', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'errors-file-')), 'e.ndjson')
    const errors = new ErrorsFile(file)
    expect(errors.write(failure(1, 'a'))).toBe(true)
    expect(errors.write(failure(2, 'b'))).toBe(true)
    errors.close()
    expect(errors.failure).toBeUndefined()
    expect(
      fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as {record: number}).record),
    ).toEqual([1, 2])
  })

  it('on a full device (/dev/full: ENOSPC) does not throw: it reports the failure and keeps every record it could not take', () => {
    const errors = new ErrorsFile('/dev/full')
    expect(errors.write(failure(7, 'a'))).toBe(false)
    expect(errors.failure).toMatchObject({code: 'ENOSPC', record: 7})
    expect(errors.failure?.message).toMatch(/no space left on device/)
    // No further write is tried: later records go straight to the unrecorded list.
    expect(errors.write(failure(8, 'b'))).toBe(false)
    expect(errors.write(failure(9, 'c'))).toBe(false)
    errors.close()
    expect(errors.unrecorded.count).toBe(3)
    expect(errors.unrecorded.ranges).toBe('7-9')
    expect(errors.unrecorded.bodyLines()).toEqual([
      'record 7 (publish_failed): "a"',
      'record 8 (publish_failed): "b"',
      'record 9 (publish_failed): "c"',
    ])
  })
})
