/**
 * The Publisher against real nsqd v1.3.0 that refuse for good: `--tls-required` and a client
 * without TLS (every PUB/MPUB is a fatal `E_INVALID … (TLS required)`).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {OutRecord} from '../../../src/tools/publish/batcher.js'
import {Publisher, type PublishFailure} from '../../../src/tools/publish/publisher.js'
import type {Refusal} from '../../../src/tools/publish/refusal.js'
import {makeTestPki, tlsRequiredNsqdArgs} from '../../support/certs.js'
import {startNsqd, type NsqdProcess} from '../../support/nsq.js'
import {readBack} from '../../support/read-back.js'

let seq = 0
const topic = (): string => `refusal_${process.pid}_${++seq}`
const batches = (count: number, size: number): OutRecord[][] =>
  Array.from({length: count}, (_, b) =>
    Array.from({length: size}, (_, i) => ({n: b * size + i + 1, body: Buffer.from(`m-${b * size + i + 1}`)})),
  )

function collecting(options: {topic: string; nsqd: string[]; mode: 'round-robin' | 'fanout'}): {
  publisher: Publisher
  published: OutRecord[]
  failed: PublishFailure[]
  refusals: [Refusal, number][]
  order: string[]
} {
  const published: OutRecord[] = []
  const failed: PublishFailure[] = []
  const refusals: [Refusal, number][] = []
  const order: string[] = []
  const publisher = new Publisher({
    ...options,
    settings: {},
    window: 4,
    onSettled: (ok, bad) => {
      published.push(...ok)
      failed.push(...bad)
      order.push('settled')
    },
    onRefused: (refusal, remaining) => {
      refusals.push([refusal, remaining])
      order.push('refused')
    },
  })
  return {publisher, published, failed, refusals, order}
}

describe('Publisher and an nsqd that refuses for good (TLS required)', () => {
  let refusing: NsqdProcess
  let plain: NsqdProcess

  beforeAll(async () => {
    const pki = makeTestPki()
    ;[refusing, plain] = await Promise.all([
      startNsqd({
        args: tlsRequiredNsqdArgs(pki),
      }),
      startNsqd(),
    ])
  })
  afterAll(async () => {
    await Promise.all([refusing?.stop(), plain?.stop()])
  })

  it('alone: stops after the first refusal (onRefused with 0 left, after that batch settled); later batches fail at once with the same error', async () => {
    const {publisher, published, failed, refusals, order} = collecting({topic: topic(), nsqd: [refusing.tcpAddress], mode: 'round-robin'})
    await publisher.connect()
    const all = batches(6, 5)
    await publisher.submit(all[0] as OutRecord[])
    await publisher.drain()
    expect(refusals).toHaveLength(1)
    const [refusal, remaining] = refusals[0] as [Refusal, number]
    expect(remaining).toBe(0)
    expect(refusal.nsqd).toBe(refusing.tcpAddress)
    expect(refusal.error.message).toMatch(/E_INVALID .*\(TLS required\)/)
    expect(order).toEqual(['settled', 'refused'])
    expect(publisher.refusal).toBe(refusal)
    for (const batch of all.slice(1)) await publisher.submit(batch)
    await publisher.close()
    expect(published).toEqual([])
    expect(failed.map((f) => f.record.n).sort((a, b) => a - b)).toEqual(Array.from({length: 30}, (_, i) => i + 1))
    for (const f of failed.slice(5)) expect(f.error).toBe(refusal.error)
    expect(refusals).toHaveLength(1)
  })

  it('round-robin with a plain nsqd too: the refusing one is left out, its records go to the other, nothing fails', async () => {
    const name = topic()
    const {publisher, published, failed, refusals} = collecting({
      topic: name,
      nsqd: [refusing.tcpAddress, plain.tcpAddress],
      mode: 'round-robin',
    })
    await publisher.connect()
    for (const batch of batches(20, 10)) await publisher.submit(batch)
    await publisher.close()
    expect(failed).toEqual([])
    expect(published).toHaveLength(200)
    expect(refusals.map(([r, left]) => [r.nsqd, left])).toEqual([[refusing.tcpAddress, 1]])
    expect([...publisher.refused.keys()]).toEqual([refusing.tcpAddress])
    expect(publisher.refusal).toBeUndefined()
    const got = (await readBack(plain.tcpAddress, name, 'check', 200)).map(String).sort()
    expect(got).toEqual(Array.from({length: 200}, (_, i) => `m-${i + 1}`).sort())
  })

  it('fanout: one refusing nsqd stops the Publisher (a record must reach every nsqd)', async () => {
    const {publisher, failed, refusals} = collecting({topic: topic(), nsqd: [plain.tcpAddress, refusing.tcpAddress], mode: 'fanout'})
    await publisher.connect()
    for (const batch of batches(3, 4)) await publisher.submit(batch)
    await publisher.close()
    expect(refusals.map(([r, left]) => [r.nsqd, left])).toEqual([[refusing.tcpAddress, 0]])
    expect(failed).toHaveLength(12)
    for (const f of failed) expect(f.nsqd).toContain(refusing.tcpAddress)
  })
})
