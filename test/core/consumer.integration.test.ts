import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Consumer, type ConsumerOptions} from '../../src/core/consumer/consumer.js'
import type {Message} from '../../src/core/consumer/message.js'
import {Producer} from '../../src/core/producer/producer.js'
import {NsqdHttpClient} from '../../src/core/http/nsqd-client.js'
import {skipIntegration, startCluster, startNsqd, stopAllServices, type Cluster} from '../support/nsq.js'
import {until} from '../support/wait.js'

async function publishSpread(cluster: Cluster, topic: string, total: number): Promise<Set<string>> {
  const sent = new Set<string>()
  await Promise.all(
    cluster.nsqd.map(async (nsqd, n) => {
      const producer = new Producer({nsqd: [nsqd.tcpAddress]})
      const batch: string[] = []
      for (let i = n; i < total; i += cluster.nsqd.length) {
        const body = `${topic}-${i}`
        batch.push(body)
        sent.add(body)
      }
      for (let i = 0; i < batch.length; i += 500) await producer.multiPublish(topic, batch.slice(i, i + 500))
      await producer.close()
    }),
  )
  return sent
}

/** Consumes until `until()` or the deadline; returns the bodies seen (with duplicates). */
async function consume(
  consumer: Consumer,
  until: (seen: string[]) => boolean,
  timeoutMs: number,
  onMessage: (m: Message) => void = (m) => m.finish(),
): Promise<string[]> {
  const seen: string[] = []
  const deadline = setTimeout(() => void consumer.stop({timeoutMs: 1000}), timeoutMs)
  for await (const message of consumer) {
    seen.push(message.body.toString())
    onMessage(message)
    if (until(seen)) break
  }
  clearTimeout(deadline)
  return seen
}

/** Polls `check` every 25 ms; resolves with the ms it took, rejects after `ms`. */
const waitFor = (check: () => boolean, ms: number, what: string): Promise<number> => until(what, check, {timeoutMs: ms, everyMs: 25})

/** Publishes one message to `nsqdTcp` only and waits until the consumer filling `seen` got it. */
async function expectDeliveryFrom(nsqdTcp: string, topic: string, seen: ReadonlySet<string>): Promise<void> {
  const producer = new Producer({nsqd: [nsqdTcp]})
  try {
    await producer.publish(topic, `from-${nsqdTcp}`)
  } finally {
    await producer.close()
  }
  await waitFor(() => seen.has(`from-${nsqdTcp}`), 5000, `a message from ${nsqdTcp}`)
}

const fast: Partial<ConsumerOptions> = {lookupdPollIntervalMs: 1000, reconnectBackoff: {initialMs: 100, maxMs: 1000, jitter: 0.3}}

describe.skipIf(skipIntegration)('Consumer on the 3 nsqd + 2 nsqlookupd topology', () => {
  let cluster: Cluster
  beforeAll(async () => {
    cluster = await startCluster(3, 2)
  })
  afterAll(stopAllServices)

  it('consumes 30,000 messages published across three nsqd exactly once, through the lookupds', async () => {
    const sent = await publishSpread(cluster, 'exactly_once', 30_000)
    const consumer = new Consumer({topic: 'exactly_once', channel: 'c', lookupd: cluster.lookupd.map((l) => l.httpAddress), ...fast})
    await consumer.start()
    const seen = await consume(consumer, (s) => s.length >= 30_000, 60_000)
    const summary = await consumer.stop()
    expect(seen).toHaveLength(30_000)
    expect(new Set(seen)).toEqual(sent)
    expect(summary).toMatchObject({finished: 30_000, requeued: 0, leftToTimeOut: 0})
    // Nothing left anywhere.
    for (const nsqd of cluster.nsqd) {
      const channel = (await new NsqdHttpClient(nsqd.httpAddress).stats({topic: 'exactly_once'})).topics[0]?.channels[0]
      expect(channel).toMatchObject({depth: 0, in_flight_count: 0})
    }
  })

  it('max-in-flight 1 over three nsqd still gets every message from all three', async () => {
    const sent = await publishSpread(cluster, 'mif1', 60)
    const consumer = new Consumer({
      topic: 'mif1',
      channel: 'c',
      lookupd: [cluster.lookupd[0]!.httpAddress],
      maxInFlight: 1,
      rdyRotateMs: 100,
      ...fast,
    })
    await consumer.start()
    const from = new Set<string>()
    const seen = await consume(
      consumer,
      (s) => s.length >= 60,
      30_000,
      (m) => {
        from.add(m.nsqd)
        m.finish()
      },
    )
    await consumer.stop()
    expect(new Set(seen)).toEqual(sent)
    expect(from.size).toBe(3)
  })

  it('two consumers on one channel share the messages; consumers on different channels each get all', async () => {
    const lookupd = cluster.lookupd.map((l) => l.httpAddress)
    // Create the channels first so each one receives every message.
    for (const nsqd of cluster.nsqd) {
      const http = new NsqdHttpClient(nsqd.httpAddress)
      await http.createTopic('share')
      await http.createChannel('share', 'shared')
      await http.createChannel('share', 'other')
    }
    const sent = await publishSpread(cluster, 'share', 3000)
    const a = new Consumer({topic: 'share', channel: 'shared', lookupd, maxInFlight: 10, ...fast})
    const b = new Consumer({topic: 'share', channel: 'shared', lookupd, maxInFlight: 10, ...fast})
    const c = new Consumer({topic: 'share', channel: 'other', lookupd, ...fast})
    await Promise.all([a.start(), b.start(), c.start()])
    const seenA: string[] = []
    const seenB: string[] = []
    const both = (): boolean => seenA.length + seenB.length >= 3000
    const run = async (consumer: Consumer, into: string[]): Promise<void> => {
      const timer = setTimeout(() => void consumer.stop(), 30_000)
      for await (const m of consumer) {
        into.push(m.body.toString())
        m.finish()
        // Slow enough that both consumers get a share.
        await new Promise((r) => setImmediate(r))
        if (both()) {
          void a.stop()
          void b.stop()
          break
        }
      }
      clearTimeout(timer)
    }
    const [seenC] = await Promise.all([consume(c, (s) => s.length >= 3000, 30_000), run(a, seenA), run(b, seenB)])
    await Promise.all([a.stop(), b.stop(), c.stop()])
    expect(seenA.length).toBeGreaterThan(0)
    expect(seenB.length).toBeGreaterThan(0)
    expect(new Set([...seenA, ...seenB])).toEqual(sent)
    expect(seenA.length + seenB.length).toBe(3000)
    expect(new Set(seenC)).toEqual(sent)
  })

  it('keeps consuming when one nsqd and one lookupd die, and reconnects within a poll interval once they are back', async () => {
    const topic = 'survive'
    const lookupd = cluster.lookupd.map((l) => l.httpAddress)
    await publishSpread(cluster, topic, 300)
    const consumer = new Consumer({topic, channel: 'c', lookupd, heartbeatIntervalMs: 1000, ...fast})
    await consumer.start()
    const seen = new Set<string>()
    const reader = (async () => {
      for await (const m of consumer) {
        seen.add(m.body.toString())
        m.finish()
      }
    })()
    await waitFor(() => seen.size >= 300, 20_000, 'the first 300')
    expect(consumer.connectedAddresses).toHaveLength(3)
    const victim = cluster.nsqd[0]!
    await victim.kill()
    await cluster.lookupd[0]!.kill()
    await waitFor(() => consumer.connectedAddresses.length === 2, 5000, 'the loss to be noticed')
    // The two survivors still deliver.
    const more = new Producer({nsqd: [cluster.nsqd[1]!.tcpAddress, cluster.nsqd[2]!.tcpAddress]})
    await Promise.all(Array.from({length: 100}, (_, i) => more.publish(topic, `after-${i}`)))
    await waitFor(() => [...seen].filter((s) => s.startsWith('after-')).length === 100, 10_000, 'messages from the survivors')
    // Back again: reconnected within one poll interval (1 s here) plus the restart itself.
    await cluster.lookupd[0]!.restart()
    await victim.restart()
    const took = await waitFor(() => consumer.connectedAddresses.length === 3, 10_000, 'the reconnect')
    expect(took).toBeLessThan(3000)
    await expectDeliveryFrom(victim.tcpAddress, topic, seen)
    await consumer.stop()
    await reader
    await more.close()
  })

  it('finds an nsqd that was killed and restarted long before the next lookupd poll (recovery polls after a lost connection)', async () => {
    const topic = 'recover'
    const lookupd = cluster.lookupd.map((l) => l.httpAddress)
    await publishSpread(cluster, topic, 30)
    // A poll interval far longer than the test: only the recovery polls can find the nsqd again.
    const consumer = new Consumer({
      topic,
      channel: 'c',
      lookupd,
      heartbeatIntervalMs: 1000,
      lookupdPollIntervalMs: 120_000,
      reconnectBackoff: {initialMs: 100, maxMs: 1000, jitter: 0.3},
    })
    await consumer.start()
    const seen = new Set<string>()
    const reader = (async () => {
      for await (const m of consumer) {
        seen.add(m.body.toString())
        m.finish()
      }
    })()
    await waitFor(() => consumer.connectedAddresses.length === 3 && seen.size >= 30, 20_000, 'all three nsqd')
    const victim = cluster.nsqd[1]!
    await victim.kill()
    await waitFor(() => consumer.connectedAddresses.length === 2, 5000, 'the loss to be noticed')
    await victim.restart()
    const took = await waitFor(() => consumer.connectedAddresses.length === 3, 40_000, 'the restarted nsqd to be found again')
    expect(took).toBeLessThan(20_000)
    await expectDeliveryFrom(victim.tcpAddress, topic, seen)
    await consumer.stop()
    await reader
  })

  it('drains gracefully with 200 in flight: afterwards nothing is in flight and nothing is lost', async () => {
    const topic = 'drain'
    const sent = await publishSpread(cluster, topic, 1000)
    const consumer = new Consumer({topic, channel: 'c', nsqd: cluster.nsqd.map((n) => n.tcpAddress), maxInFlight: 200})
    await consumer.start()
    const held: Message[] = []
    let finished = 0
    for await (const m of consumer) {
      held.push(m)
      if (held.length === 200) break
    }
    // 200 handed out and unanswered; finish half during the drain, requeue the rest.
    const stopping = consumer.stop({timeoutMs: 5000})
    held.forEach((m, i) => {
      if (i % 2 === 0) {
        m.finish()
        finished++
      } else m.requeue(0, {backoff: false})
    })
    const summary = await stopping
    expect(summary.leftToTimeOut).toBe(0)
    expect(summary.finished).toBe(finished)
    let depth = 0
    for (const nsqd of cluster.nsqd) {
      const channel = (await new NsqdHttpClient(nsqd.httpAddress).stats({topic})).topics[0]?.channels[0]
      expect(channel?.in_flight_count).toBe(0)
      depth += (channel?.depth ?? 0) + (channel?.deferred_count ?? 0)
    }
    expect(depth + finished).toBe(sent.size)
  })
})

describe.skipIf(skipIntegration)('Consumer against a stalled nsqd', () => {
  afterAll(stopAllServices)

  it('detects a SIGSTOPped nsqd within about two heartbeat intervals; its messages come again after msg-timeout', async () => {
    const nsqd = await startNsqd({args: ['--msg-timeout=2s']})
    const producer = new Producer({nsqd: [nsqd.tcpAddress]})
    await producer.multiPublish('stall', ['one', 'two', 'three'])
    await producer.close()
    const disconnects: {at: number; code: string | undefined}[] = []
    const consumer = new Consumer({
      topic: 'stall',
      channel: 'c',
      nsqd: [nsqd.tcpAddress],
      heartbeatIntervalMs: 1000,
      reconnectBackoff: {initialMs: 100, maxMs: 500, jitter: 0.2},
      events: {disconnected: (_a, e) => disconnects.push({at: Date.now(), code: e?.code})},
    })
    await consumer.start()
    const first: Message[] = []
    // next(), not for-await: leaving a for-await loop would stop the consumer.
    for (let r = await consumer.next(); r.done !== true; r = await consumer.next()) {
      first.push(r.value) // held, not answered
      if (first.length === 3) break
    }
    const stoppedAt = Date.now()
    nsqd.pause()
    while (disconnects.length === 0 && Date.now() - stoppedAt < 6000) await new Promise((r) => setTimeout(r, 20))
    nsqd.resume()
    expect(disconnects[0]?.code).toBe('PEER_DEAD')
    expect(disconnects[0]!.at - stoppedAt).toBeLessThan(3500)
    // Answers to messages of the dead connection go nowhere; nsqd redelivers after msg-timeout.
    for (const m of first) m.finish()
    const again: Message[] = []
    const timer = setTimeout(() => void consumer.stop(), 15_000)
    for await (const m of consumer) {
      again.push(m)
      m.finish()
      if (again.length === 3) break
    }
    clearTimeout(timer)
    await consumer.stop()
    expect(again.map((m) => m.body.toString()).sort()).toEqual(['one', 'three', 'two'])
    expect(again.every((m) => m.attempts === 2)).toBe(true)
  })
})

describe.skipIf(skipIntegration)('Consumer: leaving a for-await loop', () => {
  afterAll(stopAllServices)

  /** Clients nsqd lists on the channel, and the channel's messages not yet FIN'd. */
  async function channelState(http: NsqdHttpClient, topic: string): Promise<{clients: number; left: number; inFlight: number}> {
    const channel = (await http.stats({topic, channel: 'c', includeClients: true})).topics[0]?.channels[0]
    if (channel === undefined) throw new Error(`no channel ${topic}/c`)
    return {
      clients: channel.clients.length,
      left: channel.depth + channel.in_flight_count + channel.deferred_count,
      inFlight: channel.in_flight_count,
    }
  }

  it("a break stops the consumer: nsqd's /stats lists no client on the channel, and what was never handed out is back", async () => {
    const nsqd = await startNsqd()
    const http = new NsqdHttpClient(nsqd.httpAddress)
    const producer = new Producer({nsqd: [nsqd.tcpAddress]})
    await producer.multiPublish('leave', ['1', '2', '3', '4', '5'])
    await producer.close()
    const consumer = new Consumer({topic: 'leave', channel: 'c', nsqd: [nsqd.tcpAddress], maxInFlight: 5})
    await consumer.start()
    expect((await channelState(http, 'leave')).clients).toBe(1)
    let taken = 0
    for await (const message of consumer) {
      message.finish()
      if (++taken === 2) break
    }
    // nsqd notices the close asynchronously: poll /stats (bounded) until it lists nobody.
    let state = await channelState(http, 'leave')
    for (let i = 0; i < 50 && (state.clients > 0 || state.inFlight > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      state = await channelState(http, 'leave')
    }
    expect(state).toEqual({clients: 0, left: 3, inFlight: 0})
    // stop() after the break is the same drain, already done or under way.
    expect(await consumer.stop()).toMatchObject({finished: 2, requeued: 3, leftToTimeOut: 0})
  })
})
