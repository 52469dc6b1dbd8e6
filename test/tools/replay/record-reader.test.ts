import zlib from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {readRecords, type ReadEnd} from '../../../src/tools/replay/record-reader.js'

async function* chunks(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size)
}

async function read(data: Buffer, size = 7): Promise<{lines: string[]; end: ReadEnd; stored: number}> {
  const end: ReadEnd = {gzip: false}
  const counted = {bytes: 0}
  const lines: string[] = []
  for await (const batch of readRecords(chunks(data, size), end, counted)) for (const r of batch) lines.push(r.body.toString('latin1'))
  return {lines, end, stored: counted.bytes}
}

const lines = (from: number, count: number): string[] =>
  Array.from({length: count}, (_, i) => `line-${from + i}-${'z'.repeat((from + i) % 13)}`)
const text = (list: string[]): Buffer => Buffer.from(list.map((l) => `${l}\n`).join(''), 'latin1')

describe('readRecords', () => {
  it('plain: lines as bytes, a last line without newline is a whole record, empty lines kept', async () => {
    const {lines: got, end} = await read(Buffer.from('a\n\nb\xff\nlast', 'latin1'), 3)
    expect(got).toEqual(['a', '', 'b\xff', 'last'])
    expect(end).toEqual({gzip: false})
  })
  it('gzip is told by its magic bytes, and every member of a multi-member file is read', async () => {
    const members = [lines(0, 100), lines(100, 50), lines(150, 1)]
    const data = Buffer.concat(members.map((m) => zlib.gzipSync(text(m))))
    const {lines: got, end, stored} = await read(data, 50)
    expect(got).toEqual(members.flat())
    expect(end.gzip).toBe(true)
    expect(end.torn).toBeUndefined()
    expect(stored).toBe(data.length)
  })
  it('a torn last member: every whole line before the tear, the tear reported, the cut line handed back', async () => {
    const whole = [lines(0, 200), lines(200, 200)]
    const last = Buffer.concat([text(lines(400, 3)), Buffer.from('cut-off-li')])
    const lastMember = zlib.gzipSync(last)
    const data = Buffer.concat([...whole.map((m) => zlib.gzipSync(text(m))), lastMember.subarray(0, lastMember.length - 6)])
    const {lines: got, end} = await read(data, 64)
    // The deflate data of the last member is all there (only its trailer is cut): its whole lines come through.
    expect(got).toEqual([...whole.flat(), ...lines(400, 3)])
    expect(end.torn?.error).toMatch(/unexpected end of file/)
    expect(end.remainder?.toString()).toBe('cut-off-li')
  })
  it('a member cut in its header or deflate data: what came before is kept, nothing invented', async () => {
    const first = zlib.gzipSync(text(lines(0, 20)))
    const second = zlib.gzipSync(text(lines(20, 500)))
    for (const cut of [3, 40, Math.floor(second.length / 2)]) {
      const {lines: got, end} = await read(Buffer.concat([first, second.subarray(0, cut)]), 33)
      expect(end.torn).toBeDefined()
      expect(got.slice(0, 20)).toEqual(lines(0, 20))
      // Whatever of the second member came out is a prefix of its lines, each whole.
      expect(got.slice(20)).toEqual(lines(20, got.length - 20))
    }
  })
})
