import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {RecordSplitter} from '../../../src/tools/to-nsq/record-splitter.js'

/** What splitting the whole input at once on `delimiter` gives, scanning left to right. */
function reference(data: Buffer, delimiter: Buffer): string[] {
  const out: string[] = []
  let from = 0
  for (let at = data.indexOf(delimiter, from); at !== -1; at = data.indexOf(delimiter, from)) {
    out.push(data.subarray(from, at).toString('hex'))
    from = at + delimiter.length
  }
  if (from < data.length) out.push(data.subarray(from).toString('hex'))
  return out
}

function split(chunks: readonly Buffer[], delimiter: Buffer, max?: number): {hex: string[]; numbers: number[]; lengths: number[]} {
  const splitter = new RecordSplitter(delimiter, max)
  const records = chunks.flatMap((chunk) => splitter.push(chunk))
  const last = splitter.end()
  if (last !== undefined) records.push(last)
  return {hex: records.map((r) => r.body.toString('hex')), numbers: records.map((r) => r.n), lengths: records.map((r) => r.length)}
}

/** Cuts `data` at the given offsets. */
function cut(data: Buffer, offsets: readonly number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (data.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let from = 0
  for (const point of points) {
    chunks.push(data.subarray(from, point))
    from = point
  }
  chunks.push(data.subarray(from))
  return chunks
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1')

describe('RecordSplitter', () => {
  it('splits on newline, numbering every record (empty ones too), and keeps a last record without delimiter intact', () => {
    const {hex, numbers} = split([bytes('one\ntwo\n\nthree')], bytes('\n'))
    expect(hex.map((h) => Buffer.from(h, 'hex').toString())).toEqual(['one', 'two', '', 'three'])
    expect(numbers).toEqual([1, 2, 3, 4])
  })

  it('gives no extra record after a final delimiter, and none for empty input', () => {
    expect(split([bytes('a\nb\n')], bytes('\n')).hex).toHaveLength(2)
    expect(split([], bytes('\n')).hex).toEqual([])
    expect(split([bytes('')], bytes('\n')).hex).toEqual([])
  })

  it('gives the same records fed one byte at a time', () => {
    const data = bytes('alpha\nbeta\n\n\ngamma\r\ndelta')
    const oneByOne = [...data].map((b) => Buffer.from([b]))
    expect(split(oneByOne, bytes('\n')).hex).toEqual(reference(data, bytes('\n')))
    expect(split(oneByOne, bytes('\r\n')).hex).toEqual(reference(data, bytes('\r\n')))
  })

  it('finds a multi-byte delimiter split across chunks, including one that starts in bytes held from several chunks back', () => {
    const delimiter = bytes('<|>')
    expect(
      split([bytes('ab<'), bytes('|'), bytes('>cd<|'), bytes('>')], delimiter).hex.map((h) => Buffer.from(h, 'hex').toString()),
    ).toEqual(['ab', 'cd'])
    // overlapping pattern: "aab" in "xaaab"
    expect(split([bytes('xa'), bytes('a'), bytes('ab'), bytes('y')], bytes('aab')).hex).toEqual(reference(bytes('xaaaby'), bytes('aab')))
  })

  it('never decodes: arbitrary bytes (invalid UTF-8, NUL) come out unchanged', () => {
    const data = Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0xc3, 0x28, 0x0a, 0x80])
    expect(split([data], bytes('\n')).hex).toEqual(['fffe00', 'c328', '80'])
    expect(split([data], Buffer.from([0])).hex).toEqual(['fffe', '0ac3280a80'])
  })

  it('matches a whole-input split for any chunking and any delimiter (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({maxLength: 200}).map((a) => Buffer.from(a.map((b) => (b % 4) + 0x61))),
        fc.uint8Array({minLength: 1, maxLength: 3}).map((a) => Buffer.from(a.map((b) => (b % 4) + 0x61))),
        fc.array(fc.nat(), {maxLength: 20}),
        (data, delimiter, offsets) => {
          const {hex, numbers} = split(cut(data, offsets), delimiter)
          expect(hex).toEqual(reference(data, delimiter))
          expect(numbers).toEqual(hex.map((_, i) => i + 1))
        },
      ),
      {numRuns: 2000},
    )
  })

  it('keeps only maxRecordBytes of a longer record but reports its full length, in one chunk or many', () => {
    const long = Buffer.concat([Buffer.alloc(100, 0x78), bytes('\nshort\n'), Buffer.alloc(50, 0x79)])
    for (const chunks of [[long], cut(long, [7, 33, 99, 101, 140])]) {
      const {hex, lengths} = split(chunks, bytes('\n'), 10)
      expect(hex).toEqual([Buffer.alloc(10, 0x78).toString('hex'), bytes('short').toString('hex'), Buffer.alloc(10, 0x79).toString('hex')])
      expect(lengths).toEqual([100, 5, 50])
    }
  })

  it('finds a multi-byte delimiter right after a record cut at maxRecordBytes', () => {
    const data = bytes('aaaaaaaaaaaaaaaaaaaa\r\nb')
    const {hex, lengths} = split(cut(data, [5, 19, 21]), bytes('\r\n'), 4)
    expect(hex).toEqual([bytes('aaaa').toString('hex'), bytes('b').toString('hex')])
    expect(lengths).toEqual([20, 1])
  })
})
