import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Consumer} from '../../../src/core/consumer/consumer.js'
import type {Message} from '../../../src/core/consumer/message.js'
import {Producer} from '../../../src/core/producer/producer.js'
import {LookupdHttpClient, NsqdHttpClient, type ChannelStats} from '../../../src/core/index.js'
import {StatCollector} from '../../../src/tools/stat/collector.js'
import {parseNameFilter} from '../../../src/tools/stat/name-filter.js'
import {buildView} from '../../../src/tools/stat/view.js'
import {watch} from '../../../src/tools/stat/watch.js'
import {nodesReport} from '../../../src/tools/stat/nodes-report.js'
import {lookupdReport} from '../../../src/tools/stat/lookupd-report.js'
import type {ChannelRow} from '../../../src/tools/stat/model.js'
import {skipIntegration, startCluster, startNsqd, stopAllServices, type Cluster} from '../../support/nsq.js'

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  last: () => unknown = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${JSON.stringify(last())}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The channel's counters read straight from each nsqd's /stats, summed (what stat must equal). */
async function statsSum(
  cluster: Cluster,
  topic: string,
  channel: string,
): Promise<Omit<ChannelStats, 'channel_name' | 'clients' | 'paused' | 'e2e_processing_latency'>> {
  const sum = {
    depth: 0,
    backend_depth: 0,
    in_flight_count: 0,
    deferred_count: 0,
    message_count: 0,
    requeue_count: 0,
    timeout_count: 0,
    client_count: 0,
  }
  for (const nsqd of cluster.nsqd) {
    const c = (await new NsqdHttpClient(nsqd.httpAddress).stats({topic, channel})).topics[0]?.channels[0]
    if (c === undefined) continue
    for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += c[key]
  }
  return sum
}

/** Waits until every lookupd lists `count` producers for the topic (registration is asynchronous). */
async function registered(cluster: Cluster, topic: string, count: number): Promise<void> {
  await waitFor(`lookupd registration of ${topic}`, async () => {
    const all = await Promise.all(cluster.lookupd.map((l) => new LookupdHttpClient(l.httpAddress).lookup(topic)))
    return all.every((r) => r.producers.length === count) ? true : undefined
  })
}

describe.skipIf(skipIntegration)('nsq stat against a real 3 nsqd + 2 nsqlookupd cluster', () => {
  let cluster: Cluster
  beforeAll(async () => {
    cluster = await startCluster(3, 2)
  })
  afterAll(stopAllServices)

  it('its numbers equal /stats under a scripted load (depth, in flight, deferred, requeued, messages, clients)', async () => {
    const [a, b, c] = cluster.nsqd as [(typeof cluster.nsqd)[0], (typeof cluster.nsqd)[0], (typeof cluster.nsqd)[0]]
    for (const nsqd of cluster.nsqd) {
      const http = new NsqdHttpClient(nsqd.httpAddress)
      await http.createTopic('load')
      await http.createChannel('load', 'ch')
    }
    const body = (n: number): Buffer[] => Array.from({length: n}, (_, i) => Buffer.from(`m${i}`))
    await new NsqdHttpClient(a.httpAddress).mpub('load', body(100))
    await new NsqdHttpClient(b.httpAddress).mpub('load', body(50))
    for (let i = 0; i < 5; i++) await new NsqdHttpClient(b.httpAddress).pub('load', Buffer.from(`later${i}`), 600_000)
    await new NsqdHttpClient(c.httpAddress).mpub('load', body(30))
    await registered(cluster, 'load', 3)

    // A consumer that holds 12 messages in flight, requeues 2 of them for 10 minutes, then holds 2 more.
    const consumer = new Consumer({
      topic: 'load',
      channel: 'ch',
      nsqd: cluster.nsqd.map((n) => n.tcpAddress),
      maxInFlight: 12,
      backoff: false,
    })
    await consumer.start()
    const held: Message[] = []
    let requeued = false
    // next(), not for-await: leaving a for-await loop would stop the consumer (and its in-flight).
    for (let r = await consumer.next(); r.done !== true; r = await consumer.next()) {
      const message = r.value
      held.push(message)
      if (held.length < 12) continue
      if (requeued) break
      held.shift()?.requeue(600_000, {backoff: false})
      held.shift()?.requeue(600_000, {backoff: false})
      requeued = true
    }
    try {
      let seen: unknown
      const expected = await waitFor(
        'the load to settle',
        async () => {
          const sum = await statsSum(cluster, 'load', 'ch')
          seen = sum
          return sum.in_flight_count === consumer.stats.inFlight && sum.requeue_count === 2 && sum.in_flight_count >= 12 ? sum : undefined
        },
        15_000,
        () => ({seen, consumer: consumer.stats}),
      )
      // The scripted numbers, worked out by hand: 185 published, 180 at once and 5 deferred; 2 requeued
      // for later; what the consumer received is in flight or requeued (it may hold a few more than
      // the 12 it handed out, queued inside it).
      const {received, inFlight} = consumer.stats
      expect(expected).toMatchObject({
        message_count: 185,
        deferred_count: 7,
        in_flight_count: inFlight,
        requeue_count: 2,
        depth: 180 - received,
        client_count: 3,
      })

      const viaLookupd = new StatCollector({
        lookupd: cluster.lookupd.map((l) => l.httpAddress),
        topic: parseNameFilter('load'),
        channel: parseNameFilter('ch'),
      })
      const viaNsqd = new StatCollector({nsqd: cluster.nsqd.map((n) => n.httpAddress), topic: parseNameFilter('lo*')})
      for (const collector of [viaLookupd, viaNsqd]) {
        const view = buildView(undefined, await collector.poll())
        expect(view.nodes.map((n) => n.status)).toEqual(['up', 'up', 'up'])
        expect(view.channels).toHaveLength(1)
        expect(view.channels[0]).toMatchObject({
          topic: 'load',
          channel: 'ch',
          nodes: 3,
          depth: expected.depth,
          mem: expected.depth - expected.backend_depth,
          disk: expected.backend_depth,
          in_flight: expected.in_flight_count,
          deferred: expected.deferred_count,
          requeued: expected.requeue_count,
          timed_out: expected.timeout_count,
          messages: expected.message_count,
          clients: expected.client_count,
          paused: false,
        })
      }

      // --by-node: each row equals that node's own /stats.
      const byNode = buildView(undefined, await viaNsqd.poll(), {byNode: true})
      for (const nsqd of cluster.nsqd) {
        const own = (await new NsqdHttpClient(nsqd.httpAddress).stats({topic: 'load', channel: 'ch'})).topics[0]?.channels[0]
        const row = byNode.channels.find((r: ChannelRow) => r.node === nsqd.httpAddress)
        expect(row).toMatchObject({
          depth: own?.depth,
          in_flight: own?.in_flight_count,
          deferred: own?.deferred_count,
          messages: own?.message_count,
          nodes: 1,
        })
      }

      // Paused shows up.
      await new NsqdHttpClient(c.httpAddress).pauseChannel('load', 'ch')
      const paused = buildView(undefined, await viaNsqd.poll()).channels[0]
      expect(paused?.paused).toBe(true)
      expect(paused?.hints).toContain('paused')
      await new NsqdHttpClient(c.httpAddress).unpauseChannel('load', 'ch')
    } finally {
      for (const message of held) message.requeue(0, {backoff: false})
      await consumer.stop({timeoutMs: 2000})
    }
  })

  it('rates match a known publish rate across intervals (ingress and egress, summed over two nsqd)', async () => {
    const [a, b] = cluster.nsqd as [(typeof cluster.nsqd)[0], (typeof cluster.nsqd)[0]]
    for (const nsqd of [a, b]) {
      await new NsqdHttpClient(nsqd.httpAddress).createTopic('rated')
      await new NsqdHttpClient(nsqd.httpAddress).createChannel('rated', 'c')
    }
    const consumer = new Consumer({topic: 'rated', channel: 'c', nsqd: [a.tcpAddress, b.tcpAddress], maxInFlight: 100})
    await consumer.start()
    const consuming = (async () => {
      for await (const message of consumer) message.finish()
    })()
    // 100 msg/s to each nsqd = 200/s in all, paced against the clock (a late timer catches up).
    const perNodeRate = 100
    const producers = [new Producer({nsqd: [a.tcpAddress]}), new Producer({nsqd: [b.tcpAddress]})]
    const start = Date.now()
    const sent = [0, 0]
    let publishing = true
    const pump = (async () => {
      while (publishing) {
        const due = Math.floor(((Date.now() - start) / 1000) * perNodeRate)
        await Promise.all(
          producers.map(async (p, i) => {
            const n = due - (sent[i] as number)
            if (n > 0) {
              sent[i] = due
              await p.multiPublish(
                'rated',
                Array.from({length: n}, () => Buffer.from('x')),
              )
            }
          }),
        )
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    try {
      await new Promise((r) => setTimeout(r, 500))
      const collector = new StatCollector({nsqd: [a.httpAddress, b.httpAddress], topic: parseNameFilter('rated')})
      const ticks: {ingress: number; egress: number; topic: number; elapsed: number}[] = []
      for await (const tick of watch(collector, {intervalMs: 1000, count: 3})) {
        if (tick.index === 0) continue
        const view = buildView(tick.previous, tick.snapshot)
        const row = view.channels[0] as ChannelRow
        ticks.push({
          ingress: row.ingress_rate as number,
          egress: row.egress_rate as number,
          topic: view.topics[0]?.ingress_rate as number,
          elapsed: view.elapsed_ms as number,
        })
      }
      expect(ticks).toHaveLength(3)
      const target = 2 * perNodeRate
      const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length
      // Timer noise on a shared machine: each tick within ±40 %, the mean within ±20 %.
      for (const t of ticks) {
        expect(t.elapsed).toBeGreaterThan(500)
        expect(t.ingress).toBeGreaterThan(target * 0.6)
        expect(t.ingress).toBeLessThan(target * 1.4)
        expect(t.topic).toBeGreaterThan(target * 0.6)
      }
      expect(mean(ticks.map((t) => t.ingress))).toBeGreaterThan(target * 0.8)
      expect(mean(ticks.map((t) => t.ingress))).toBeLessThan(target * 1.2)
      // The consumer keeps up, so what comes in goes out.
      expect(mean(ticks.map((t) => t.egress))).toBeGreaterThan(target * 0.75)
      expect(mean(ticks.map((t) => t.egress))).toBeLessThan(target * 1.25)
    } finally {
      publishing = false
      await pump
      await Promise.all(producers.map((p) => p.close()))
      await consumer.stop({timeoutMs: 2000})
      await consuming
    }
  })

  it("hints: timeouts from a consumer slower than nsqd's --msg-timeout, and no consumers on a backlog", async () => {
    const nsqd = await startNsqd({args: ['--msg-timeout=1s']})
    const http = new NsqdHttpClient(nsqd.httpAddress)
    await http.createTopic('slow')
    await http.createChannel('slow', 'held')
    await http.createChannel('slow', 'nobody')
    await http.mpub(
      'slow',
      Array.from({length: 20}, (_, i) => Buffer.from(`m${i}`)),
    )
    // Receives and never answers: every message times out after 1 s and comes back.
    const consumer = new Consumer({topic: 'slow', channel: 'held', nsqd: [nsqd.tcpAddress], maxInFlight: 5, backoff: false})
    await consumer.start()
    const draining = (async () => {
      for await (const message of consumer) void message
    })()
    try {
      // nsqd scans for timeouts only in the channels it knew at its last queue-scan refresh (every 5 s).
      await waitFor(
        'the first timeout',
        async () => {
          const c = (await http.stats({topic: 'slow', channel: 'held'})).topics[0]?.channels[0]
          return (c?.timeout_count ?? 0) > 0 ? true : undefined
        },
        20_000,
      )
      const collector = new StatCollector({nsqd: [nsqd.httpAddress], topic: parseNameFilter('slow')})
      const seen: ChannelRow[] = []
      for await (const tick of watch(collector, {intervalMs: 1000, count: 3})) {
        if (tick.index > 0) seen.push(...buildView(tick.previous, tick.snapshot).channels)
      }
      const held = seen.filter((r) => r.channel === 'held')
      const own = (await http.stats({topic: 'slow', channel: 'held'})).topics[0]?.channels[0]
      expect(own?.timeout_count).toBeGreaterThan(0)
      expect(held.some((r) => (r.timeout_rate ?? 0) > 0 && r.hints.some((h) => h.startsWith('timeouts ')))).toBe(true)
      const nobody = seen.filter((r) => r.channel === 'nobody')
      expect(nobody.every((r) => r.depth === 20 && r.clients === 0 && r.hints.includes('no consumers') && r.drain_eta_s === null)).toBe(
        true,
      )
    } finally {
      await consumer.stop({timeoutMs: 100})
      await draining
      await nsqd.stop()
    }
  })

  it('nodes and lookupd reports: every node with its version, addresses and topics; each lookupd and what it knows', async () => {
    await new NsqdHttpClient(cluster.nsqd[0]!.httpAddress).createTopic('seen_by_all')
    await new NsqdHttpClient(cluster.nsqd[0]!.httpAddress).createChannel('seen_by_all', 'x')
    await registered(cluster, 'seen_by_all', 1)
    const lookupd = cluster.lookupd.map((l) => l.httpAddress)
    const report = await nodesReport({lookupd})
    expect(report.lookupd.map((l) => l.status)).toEqual(['up', 'up'])
    expect(report.nodes.map((n) => n.address)).toEqual(cluster.nsqd.map((n) => n.httpAddress).sort())
    for (const node of report.nodes) {
      const own = cluster.nsqd.find((n) => n.httpAddress === node.address)!
      expect(node).toMatchObject({
        status: 'up',
        version: '1.3.0',
        health: 'OK',
        broadcast_address: '127.0.0.1',
        tcp_port: own.tcpPort,
        http_port: own.httpPort,
      })
      expect(node.listed_by).toEqual([...lookupd].sort())
      const topics = (await new NsqdHttpClient(own.httpAddress).stats()).topics.map((t) => t.topic_name)
      expect(node.topics.map((t) => t.topic)).toEqual(topics)
    }
    expect(
      report.nodes.find((n) => n.address === cluster.nsqd[0]!.httpAddress)?.topics.find((t) => t.topic === 'seen_by_all'),
    ).toMatchObject({channels: 1, depth: 0})

    const lookups = await lookupdReport(lookupd)
    expect(lookups.map((l) => l.address)).toEqual(lookupd)
    for (const l of lookups) {
      expect(l).toMatchObject({status: 'up', version: '1.3.0'})
      expect(l.nodes.map((n) => n.address)).toEqual(cluster.nsqd.map((n) => n.httpAddress).sort())
      expect(l.nodes.every((n) => n.version === '1.3.0')).toBe(true)
      expect(l.topics.find((t) => t.topic === 'seen_by_all')).toEqual({
        topic: 'seen_by_all',
        channels: ['x'],
        producers: [cluster.nsqd[0]!.httpAddress],
      })
    }
  })

  it('an unreachable nsqd or lookupd is sampled as down, never thrown; a killed node stays listed as down', async () => {
    const collector = new StatCollector({
      lookupd: [...cluster.lookupd.map((l) => l.httpAddress), '127.0.0.1:1'],
      topic: parseNameFilter('load'),
    })
    let view = buildView(undefined, await collector.poll())
    expect(view.nodes.map((n) => n.status)).toEqual(['up', 'up', 'up'])
    expect(view.lookupd.find((l) => l.address === '127.0.0.1:1')).toMatchObject({status: 'down', error: expect.stringMatching(/refused/)})
    const victim = cluster.nsqd[2]!
    await victim.kill()
    // lookupd drops the killed node at once; stat keeps it, as down.
    view = buildView(undefined, await collector.poll())
    expect(view.nodes.find((n) => n.address === victim.httpAddress)).toMatchObject({
      status: 'down',
      error: expect.stringMatching(/refused/),
    })
    expect(view.nodes.filter((n) => n.status === 'up')).toHaveLength(2)
    expect(view.channels[0]?.nodes).toBe(2)
    const report = await nodesReport({nsqd: [victim.httpAddress], lookupd: cluster.lookupd.map((l) => l.httpAddress)})
    expect(report.nodes.find((n) => n.address === victim.httpAddress)?.status).toBe('down')
  })
})
