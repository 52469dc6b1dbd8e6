import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Consumer} from '../../src/core/consumer/consumer.js'
import type {Message} from '../../src/core/consumer/message.js'
import {Producer} from '../../src/core/producer/producer.js'
import {NsqdHttpClient} from '../../src/core/http/nsqd-client.js'
import {skipIntegration, startNsqd, stopAllServices, type NsqdProcess} from '../support/nsq.js'

describe.skipIf(skipIntegration)('Consumer policies against real nsqd', () => {
  let nsqd: NsqdProcess
  beforeAll(async () => {
    nsqd = await startNsqd()
  })
  afterAll(stopAllServices)

  it('max attempts, policy finish: the message is finished and reported, never dropped in silence', async () => {
    await new Producer({nsqd: [nsqd.tcpAddress]}).publish('attempts', 'poison')
    const gaveUp: Message[] = []
    const consumer = new Consumer({
      topic: 'attempts',
      channel: 'c',
      nsqd: [nsqd.tcpAddress],
      maxAttempts: 2,
      maxAttemptsPolicy: 'finish',
      backoff: false,
      events: {gaveUp: (m) => gaveUp.push(m)},
    })
    await consumer.start()
    const deliveries: number[] = []
    const timer = setTimeout(() => void consumer.stop(), 10_000)
    // next(), not for-await: leaving a for-await loop would stop the consumer before the third delivery.
    for (let r = await consumer.next(); r.done !== true; r = await consumer.next()) {
      deliveries.push(r.value.attempts)
      r.value.requeue(0)
      if (deliveries.length === 2) break
    }
    for (let i = 0; i < 200 && gaveUp.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
    clearTimeout(timer)
    await consumer.stop()
    expect(deliveries).toEqual([1, 2])
    expect(gaveUp.map((m) => [m.body.toString(), m.attempts])).toEqual([['poison', 3]])
    const channel = (await new NsqdHttpClient(nsqd.httpAddress).stats({topic: 'attempts'})).topics[0]?.channels[0]
    expect(channel).toMatchObject({depth: 0, in_flight_count: 0, deferred_count: 0})
  })

  it('max attempts, policy deliver: the message is handed over flagged', async () => {
    await new Producer({nsqd: [nsqd.tcpAddress]}).publish('attempts2', 'poison')
    const consumer = new Consumer({topic: 'attempts2', channel: 'c', nsqd: [nsqd.tcpAddress], maxAttempts: 1, backoff: false})
    await consumer.start()
    const flags: boolean[] = []
    for await (const m of consumer) {
      flags.push(m.overMaxAttempts)
      if (flags.length === 2) {
        m.finish()
        break
      }
      m.requeue(0)
    }
    await consumer.stop()
    expect(flags).toEqual([false, true])
  })

  it('requeue with backoff pauses delivery (RDY 0), probes with RDY 1, and recovers on success', async () => {
    const producer = new Producer({nsqd: [nsqd.tcpAddress]})
    await producer.multiPublish(
      'backoff',
      Array.from({length: 20}, (_, i) => `m${i}`),
    )
    const http = new NsqdHttpClient(nsqd.httpAddress)
    const readyCount = async (): Promise<number | undefined> =>
      (await http.stats({topic: 'backoff', includeClients: true})).topics[0]?.channels[0]?.clients[0]?.ready_count
    const consumer = new Consumer({
      topic: 'backoff',
      channel: 'c',
      nsqd: [nsqd.tcpAddress],
      maxInFlight: 5,
      backoff: {initialMs: 500, maxMs: 2000, jitter: 0},
    })
    await consumer.start()
    const iterator = consumer[Symbol.asyncIterator]()
    const first = (await iterator.next()).value as Message
    first.requeue(0) // failure → level 1: RDY 0 for 500 ms
    await new Promise((r) => setTimeout(r, 150))
    expect(await readyCount()).toBe(0)
    await new Promise((r) => setTimeout(r, 600))
    expect(await readyCount()).toBe(1) // the probe
    // Finish everything already delivered (held in the queue) and what the probe brings.
    let finished = 0
    while (finished < 20) {
      const m = (await iterator.next()).value as Message
      m.finish()
      finished++
    }
    for (let i = 0; i < 50 && (await readyCount()) !== 5; i++) await new Promise((r) => setTimeout(r, 20))
    expect(await readyCount()).toBe(5)
    await consumer.stop()
  })
})
