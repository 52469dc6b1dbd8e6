import {describe, expect, it} from 'vitest'
import {crcOf, encodeRecord, verifiedFileLength} from '../../../src/tools/to-file/sync-journal.js'

/** The journal checked against an in-memory file. */
const verifiedLength = (journalData: Buffer, file: Buffer): Promise<number | undefined> =>
  verifiedFileLength(journalData, {size: file.length, crc: async (start, end) => crcOf([file.subarray(start, end)])})

const data = Buffer.from('aaaa\nbbbb\ncccc\n')
/** Records [start, end] with the CRC of those bytes of `data` (or a given wrong CRC). */
const journal = (...records: [number, number, number?][]): Buffer =>
  Buffer.concat(records.map(([start, end, crc], i) => encodeRecord(start, end, crc ?? (i === 0 ? 0 : crcOf([data.subarray(start, end)])))))

describe('plain-file sync journal', async () => {
  it('proves every synced span whose bytes match its CRC, in any record order', async () => {
    expect(await verifiedLength(journal([0, 0], [0, 5], [5, 10]), data)).toBe(10)
    expect(await verifiedLength(journal([0, 0], [5, 10], [0, 5], [10, 15]), data)).toBe(15)
  })
  it('stops at a record that reached the disk without its data, and at a gap (power loss while syncs raced)', async () => {
    const torn = Buffer.concat([data.subarray(0, 10), Buffer.alloc(5)]) // the last sync's data is zeros
    expect(await verifiedLength(journal([0, 0], [0, 5], [5, 10], [10, 15]), torn)).toBe(10)
    expect(await verifiedLength(journal([0, 0], [0, 5], [10, 15]), data)).toBe(5) // [5, 10) never recorded
    expect(await verifiedLength(journal([0, 0], [0, 5], [5, 20, 1]), data)).toBe(5) // longer than the file
  })
  it('trusts the first record (the size at open) and ignores a torn record', async () => {
    expect(await verifiedLength(journal([0, 5]), data)).toBe(5)
    expect(await verifiedLength(Buffer.concat([journal([0, 0], [0, 5]), encodeRecord(5, 10, 0).subarray(0, 9)]), data)).toBe(5)
    expect(await verifiedLength(Buffer.alloc(0), data)).toBeUndefined()
  })
})
