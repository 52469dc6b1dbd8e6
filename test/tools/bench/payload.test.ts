import {describe, expect, it} from 'vitest'
import {describeInvalidName} from '../../../src/core/index.js'
import {autoName, makeBody, readStamp, stamp, stampBatch, STAMP_BYTES} from '../../../src/tools/bench/payload.js'
import {reviveSettings} from '../../../src/tools/bench/threaded-clients.js'

describe('body stamps', () => {
  it('round-trips the send time in a body that has room', () => {
    const body = makeBody(200)
    const at = 1_764_000_000_123.456
    expect(stamp(body, at)).toBe(true)
    expect(readStamp(body)).toBe(at)
    expect(body.length).toBe(200)
  })

  it('leaves bodies too small alone, and reads no stamp from bodies without the marker', () => {
    const small = makeBody(STAMP_BYTES - 1)
    expect(stamp(small, 5)).toBe(false)
    expect(small.equals(Buffer.alloc(STAMP_BYTES - 1))).toBe(true)
    expect(readStamp(makeBody(200))).toBeUndefined()
    expect(readStamp(Buffer.from('{"some":"json message from someone else"}'))).toBeUndefined()
  })
})

describe('stampBatch', () => {
  it('stamps the first count bodies of a reused batch, rewriting the time each round', () => {
    const bodies = [makeBody(20), makeBody(20), makeBody(20)]
    stampBatch(bodies, 2, 1000.5)
    expect(bodies.map(readStamp)).toEqual([1000.5, 1000.5, undefined])
    stampBatch(bodies, 3, 2000.25)
    expect(bodies.map(readStamp)).toEqual([2000.25, 2000.25, 2000.25])
    const small = [makeBody(STAMP_BYTES - 1)]
    stampBatch(small, 1, 5)
    expect(small[0]?.equals(Buffer.alloc(STAMP_BYTES - 1))).toBe(true)
  })
})

describe('autoName', () => {
  it('makes valid, distinct topic / channel names', () => {
    const names = new Set(Array.from({length: 50}, () => autoName()))
    expect(names.size).toBe(50)
    for (const name of names) {
      expect(name).toMatch(/^nsq_bench_[0-9a-z]{6}$/)
      expect(describeInvalidName('topic', name)).toBeUndefined()
    }
    expect(autoName(() => 0)).toBe('nsq_bench_000000')
  })
})

describe('reviveSettings (worker threads)', () => {
  it('turns structured-cloned TLS material back into Buffers and leaves the rest alone', () => {
    const cloned = structuredClone({
      compression: 'none' as const,
      tls: {ca: Buffer.from('CA'), cert: undefined, key: undefined, insecure: false},
    })
    expect(Buffer.isBuffer(cloned.tls.ca)).toBe(false)
    const revived = reviveSettings(cloned)
    expect(Buffer.isBuffer(revived.tls?.ca)).toBe(true)
    expect(revived.tls?.ca?.toString()).toBe('CA')
    expect(revived.tls?.cert).toBeUndefined()
    expect(revived.compression).toBe('none')
    const plain = {compression: 'snappy' as const}
    expect(reviveSettings(plain)).toBe(plain)
  })
})
