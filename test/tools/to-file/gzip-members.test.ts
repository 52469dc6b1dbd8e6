import zlib from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {scanGzipMembers} from '../../../src/tools/to-file/gzip-members.js'

const member = (text: string): Buffer => zlib.gzipSync(Buffer.from(text))

describe('scanGzipMembers (cutting a crashed gzip file at its last complete sync)', () => {
  const a = member('one\ntwo\n')
  const b = member('three\n')
  it('accepts whole members', () => {
    const content: Buffer[] = []
    const scan = scanGzipMembers(Buffer.concat([a, b]), (c) => content.push(c))
    expect(scan).toEqual({validLength: a.length + b.length, members: 2})
    expect(Buffer.concat(content).toString()).toBe('one\ntwo\nthree\n')
  })
  it('stops before a member cut anywhere (header, body or trailer)', () => {
    for (let cut = 1; cut < b.length; cut++) {
      const content: Buffer[] = []
      const scan = scanGzipMembers(Buffer.concat([a, b.subarray(0, cut)]), (c) => content.push(c))
      expect(scan.validLength).toBe(a.length)
      expect(Buffer.concat(content).toString()).toBe('one\ntwo\n')
    }
  })
  it('stops at a member whose CRC does not match, and at garbage', () => {
    const bad = Buffer.from(b)
    bad.writeUInt32LE((bad.readUInt32LE(bad.length - 8) ^ 1) >>> 0, bad.length - 8)
    expect(scanGzipMembers(Buffer.concat([a, bad])).validLength).toBe(a.length)
    expect(scanGzipMembers(Buffer.concat([a, Buffer.alloc(100)])).validLength).toBe(a.length)
    expect(scanGzipMembers(Buffer.alloc(0)).validLength).toBe(0)
  })
  it('reads members with a file name header (as gzip(1) writes)', () => {
    const named = Buffer.from(a)
    const withName = Buffer.concat([
      named.subarray(0, 3),
      Buffer.from([0x08]),
      named.subarray(4, 10),
      Buffer.from('name\0'),
      named.subarray(10),
    ])
    expect(scanGzipMembers(withName).validLength).toBe(withName.length)
  })
})
