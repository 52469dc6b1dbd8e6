import {afterAll, describe, expect, it} from 'vitest'
import {Producer} from '../../src/core/producer/producer.js'
import {NsqdHttpClient} from '../../src/core/http/nsqd-client.js'
import {isNsqError} from '../../src/core/errors.js'
import {skipIntegration, startNsqd, stopAllServices} from '../support/nsq.js'

/** Publishes `total` messages with at most `window` unsettled, calling `midway` once halfway. */
async function publishStream(
  producer: Producer,
  total: number,
  window: number,
  midway: () => Promise<void>,
): Promise<PromiseSettledResult<void>[]> {
  const results: Promise<PromiseSettledResult<void>>[] = []
  for (let i = 0; i < total; i++) {
    if (i === total / 2) await midway()
    const settled = producer.publish('failover', `m-${i}`).then(
      (value): PromiseSettledResult<void> => ({status: 'fulfilled', value}),
      (reason: unknown): PromiseSettledResult<void> => ({status: 'rejected', reason}),
    )
    results.push(settled)
    if (producer.pending >= window) await Promise.race(results.slice(-window))
  }
  return Promise.all(results)
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}

describe.skipIf(skipIntegration)('producer when nsqd dies mid-stream', () => {
  afterAll(stopAllServices)

  it('with two nsqd: kill -9 one while publishing; every publish settles and none is lost to the caller', async () => {
    const [a, b] = await Promise.all([startNsqd(), startNsqd()])
    const producer = new Producer({
      nsqd: [a.tcpAddress, b.tcpAddress],
      maxPending: 500,
      reconnectBackoff: {initialMs: 50, maxMs: 500, jitter: 0.5},
    })
    let retries = 0
    const results = await withDeadline(
      publishStream(producer, 20_000, 400, async () => {
        await a.kill()
      }),
      60_000,
      'publishes',
    )
    retries = producer.stats.retries
    const rejected = results.filter((r) => r.status === 'rejected')
    expect(rejected).toEqual([])
    expect(retries).toBeGreaterThan(0)
    // What b holds is at least everything acknowledged after the kill; the rest was acknowledged by a.
    const onB = (await new NsqdHttpClient(b.httpAddress).stats({topic: 'failover'})).topics[0]?.message_count ?? 0
    expect(onB).toBeGreaterThanOrEqual(10_000)
    // Per nsqd, what each acknowledged: b's count is what b holds; together every publish.
    expect(producer.publishedByNsqd.get(b.tcpAddress)).toBe(onB)
    expect((producer.publishedByNsqd.get(a.tcpAddress) ?? 0) + onB).toBe(20_000)
    await withDeadline(producer.close(), 10_000, 'close')
  })

  it('with one nsqd: kill -9 while publishing; every publish settles, the unanswered ones rejected with a connection error', async () => {
    const only = await startNsqd()
    const producer = new Producer({
      nsqd: [only.tcpAddress],
      maxPending: 500,
      maxAttempts: 3,
      reconnectBackoff: {initialMs: 50, maxMs: 200, jitter: 0.5},
    })
    const results = await withDeadline(
      publishStream(producer, 4000, 400, async () => {
        await only.kill()
      }),
      60_000,
      'publishes',
    )
    const fulfilled = results.filter((r) => r.status === 'fulfilled').length
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(fulfilled + rejected.length).toBe(4000)
    expect(fulfilled).toBeGreaterThanOrEqual(2000 - 400)
    expect(rejected.length).toBeGreaterThanOrEqual(2000)
    for (const r of rejected) {
      expect(isNsqError(r.reason) && ['CONNECTION_REFUSED', 'CONNECTION_CLOSED'].includes(r.reason.code)).toBe(true)
    }
    await withDeadline(producer.close(), 10_000, 'close')
  })
})
