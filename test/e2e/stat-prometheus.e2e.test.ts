import type {ChildProcess} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {LookupdHttpClient, NsqdHttpClient, type NsqdStats} from '../../src/core/index.js'
import {collect, runCli, spawnCli} from '../support/cli.js'
import {skipIntegration, startCluster, stopAllServices, type Cluster} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'
import {samples, sampleValue, scrape, type Family} from '../support/prometheus.js'
import {until} from '../support/wait.js'

/** Starts `nsq stat --prometheus 127.0.0.1:0 …` and returns the address it says it bound. */
async function startExporter(
  args: string[],
  listen = '127.0.0.1:0',
): Promise<{child: ChildProcess; address: string; stderr: () => string}> {
  const child = spawnCli(['stat', '--prometheus', listen, ...args])
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  let address = ''
  await until(
    'the exporter says where it listens',
    () => {
      const match = /serving Prometheus metrics on http:\/\/([^/]+)\/metrics/.exec(stderr)
      if (match !== null) address = match[1] as string
      return match !== null || child.exitCode !== null
    },
    {timeoutMs: 20_000},
  )
  if (address === '') throw new Error(`stat --prometheus did not start: ${stderr}`)
  return {child, address, stderr: () => stderr}
}

const TOPIC_FIELDS = {
  nsq_topic_depth: 'depth',
  nsq_topic_backend_depth: 'backend_depth',
  nsq_topic_message_count_total: 'message_count',
  nsq_topic_message_bytes_total: 'message_bytes',
} as const
const CHANNEL_FIELDS = {
  nsq_channel_depth: 'depth',
  nsq_channel_backend_depth: 'backend_depth',
  nsq_channel_in_flight_count: 'in_flight_count',
  nsq_channel_deferred_count: 'deferred_count',
  nsq_channel_client_count: 'client_count',
  nsq_channel_message_count_total: 'message_count',
  nsq_channel_requeue_count_total: 'requeue_count',
  nsq_channel_timeout_count_total: 'timeout_count',
} as const

/** Every series of the scrape equals what nsqd's /stats says, and /stats has no topic or channel the scrape lacks. */
function expectEqualToStats(families: Family[], node: string, stats: NsqdStats): void {
  const topicsSeen = samples(families, 'nsq_topic_depth').filter((s) => s.labels.node === node)
  expect(topicsSeen.map((s) => s.labels.topic).sort()).toEqual(stats.topics.map((t) => t.topic_name).sort())
  for (const t of stats.topics) {
    const labels = {node, topic: t.topic_name}
    for (const [name, field] of Object.entries(TOPIC_FIELDS)) expect([name, sampleValue(families, name, labels)]).toEqual([name, t[field]])
    expect(sampleValue(families, 'nsq_topic_channel_count', labels)).toBe(t.channels.length)
    expect(sampleValue(families, 'nsq_topic_paused', labels)).toBe(t.paused ? 1 : 0)
    for (const p of t.e2e_processing_latency.percentiles)
      expect(sampleValue(families, 'nsq_topic_e2e_processing_latency_seconds', {...labels, quantile: String(p.quantile)})).toBeCloseTo(
        p.value / 1e9,
        9,
      )
    const channelsSeen = samples(families, 'nsq_channel_depth').filter((s) => s.labels.node === node && s.labels.topic === t.topic_name)
    expect(channelsSeen.map((s) => s.labels.channel).sort()).toEqual(t.channels.map((c) => c.channel_name).sort())
    for (const c of t.channels) {
      const cl = {...labels, channel: c.channel_name}
      for (const [name, field] of Object.entries(CHANNEL_FIELDS)) expect([name, sampleValue(families, name, cl)]).toEqual([name, c[field]])
      expect(sampleValue(families, 'nsq_channel_paused', cl)).toBe(c.paused ? 1 : 0)
      expect(c.e2e_processing_latency.percentiles.map((p) => p.quantile)).toEqual([0.99, 0.5])
      for (const p of c.e2e_processing_latency.percentiles)
        expect(sampleValue(families, 'nsq_channel_e2e_processing_latency_seconds', {...cl, quantile: String(p.quantile)})).toBeCloseTo(
          p.value / 1e9,
          9,
        )
    }
  }
}

/** Every counter sample (`*_total`) of the scrape, keyed by name and labels. */
function counters(families: Family[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const f of families.filter((f) => f.type === 'counter'))
    for (const s of f.samples.filter((s) => s.name.endsWith('_total'))) out.set(`${s.name}${JSON.stringify(s.labels)}`, Number(s.value))
  return out
}

describe.skipIf(skipIntegration)('nsq stat --prometheus on 3 nsqd + 2 nsqlookupd', () => {
  let cluster: Cluster
  let lookupdArgs: string[]
  beforeAll(async () => {
    cluster = await startCluster(3, 2, ['--e2e-processing-latency-percentile=0.99,0.5'])
    lookupdArgs = cluster.lookupd.flatMap((l) => ['--lookupd-http-address', l.httpAddress])
    // orders: channels archive + audit on every node, 5 / 10 / 15 messages; lonely: no channel, 3 messages on node 0.
    for (const [i, nsqd] of cluster.nsqd.entries()) {
      const http = new NsqdHttpClient(nsqd.httpAddress)
      await http.createTopic('orders')
      await http.createChannel('orders', 'archive')
      await http.createChannel('orders', 'audit')
      await http.mpub(
        'orders',
        Array.from({length: 5 * (i + 1)}, (_, n) => Buffer.from(`order ${n}`)),
      )
    }
    await new NsqdHttpClient(cluster.nsqd[0]!.httpAddress).mpub('lonely', [Buffer.from('a'), Buffer.from('bb'), Buffer.from('ccc')])
    // Some messages consumed (FIN'd) so nsqd has e2e latencies to report.
    const tail = await runCli(['tail', '--topic', 'orders', '-c', 'audit', '-n', '4', '--nsqd-tcp-address', cluster.nsqd[0]!.tcpAddress])
    expect(tail.code).toBe(0)
    await until('lookupd lists both topics on their nodes', async () => {
      const all = cluster.lookupd.map((l) => new LookupdHttpClient(l.httpAddress))
      const orders = await Promise.all(all.map((l) => l.lookup('orders')))
      const lonely = await Promise.all(all.map((l) => l.lookup('lonely')))
      return orders.every((r) => r.producers.length === 3) && lonely.every((r) => r.producers.length === 1)
    })
  })
  afterAll(stopAllServices)

  it("serves parsable metrics equal to every nsqd's /stats, monotonic counters, and nsq_up 0 for a killed nsqd", async () => {
    const exporter = await startExporter(lookupdArgs)
    try {
      const first = await scrape(exporter.address)
      expect(first.contentType).toMatch(/^text\/plain; version=0\.0\.4/)
      const stats = await Promise.all(cluster.nsqd.map((n) => new NsqdHttpClient(n.httpAddress).stats({includeClients: false})))
      // Every node and lookupd is up, every topic / channel present with /stats' values.
      for (const n of cluster.nsqd) expect(sampleValue(first.families, 'nsq_up', {node: n.httpAddress, role: 'nsqd'})).toBe(1)
      for (const l of cluster.lookupd) expect(sampleValue(first.families, 'nsq_up', {node: l.httpAddress, role: 'nsqlookupd'})).toBe(1)
      cluster.nsqd.forEach((n, i) => expectEqualToStats(first.families, n.httpAddress, stats[i]!))
      expect(sampleValue(first.families, 'nsq_topic_channel_count', {node: cluster.nsqd[0]!.httpAddress, topic: 'lonely'})).toBe(0)
      expect(sampleValue(first.families, 'nsq_topic_message_bytes_total', {node: cluster.nsqd[0]!.httpAddress, topic: 'lonely'})).toBe(6)
      expect(
        sampleValue(first.families, 'nsq_channel_message_count_total', {
          node: cluster.nsqd[2]!.httpAddress,
          topic: 'orders',
          channel: 'archive',
        }),
      ).toBe(15)
      // The audit channel on node 0 delivered 4 messages, so its e2e latency is real (above 0).
      expect(
        sampleValue(first.families, 'nsq_channel_e2e_processing_latency_seconds', {
          node: cluster.nsqd[0]!.httpAddress,
          topic: 'orders',
          channel: 'audit',
          quantile: '0.99',
        }),
      ).toBeGreaterThan(0)
      // Counters typed as counters, gauges as gauges (the parser strips _total from a counter family's name).
      const types = Object.fromEntries(first.families.map((f) => [f.name, f.type]))
      expect(types).toMatchObject({
        nsq_topic_message_count: 'counter',
        nsq_channel_requeue_count: 'counter',
        nsq_topic_depth: 'gauge',
        nsq_channel_in_flight_count: 'gauge',
        nsq_up: 'gauge',
      })

      // More messages: every counter series of the first scrape is there again, none smaller, some larger.
      for (const nsqd of cluster.nsqd) await new NsqdHttpClient(nsqd.httpAddress).mpub('orders', [Buffer.from('x'), Buffer.from('y')])
      let second = first
      await until('a later scrape sees the new messages (after the 1s cache)', async () => {
        second = await scrape(exporter.address)
        return sampleValue(second.families, 'nsq_topic_message_count_total', {node: cluster.nsqd[2]!.httpAddress, topic: 'orders'}) === 17
      })
      const before = counters(first.families)
      const after = counters(second.families)
      expect(before.size).toBeGreaterThan(20)
      for (const [key, value] of before) expect([key, after.get(key)! >= value]).toEqual([key, true])
      expect([...before].filter(([key, value]) => after.get(key)! > value).length).toBeGreaterThanOrEqual(9)
      const statsLater = await Promise.all(cluster.nsqd.map((n) => new NsqdHttpClient(n.httpAddress).stats({includeClients: false})))
      cluster.nsqd.forEach((n, i) => expectEqualToStats(second.families, n.httpAddress, statsLater[i]!))

      // nsqd 2 killed: nsq_up 0 for it, none of its series left, the others still exported, the endpoint still answers.
      const killed = cluster.nsqd[2]!
      await killed.kill()
      let third = second
      await until('the killed nsqd is nsq_up 0', async () => {
        third = await scrape(exporter.address)
        return sampleValue(third.families, 'nsq_up', {node: killed.httpAddress, role: 'nsqd'}) === 0
      })
      expect(
        third.families
          .flatMap((f) => f.samples)
          .filter((s) => s.labels.node === killed.httpAddress)
          .map((s) => s.name),
      ).toEqual(['nsq_up'])
      for (const n of cluster.nsqd.slice(0, 2)) expect(sampleValue(third.families, 'nsq_up', {node: n.httpAddress, role: 'nsqd'})).toBe(1)
      expect(
        sampleValue(third.families, 'nsq_channel_message_count_total', {
          node: cluster.nsqd[0]!.httpAddress,
          topic: 'orders',
          channel: 'archive',
        }),
      ).toBe(7)
      expect((await scrape(exporter.address)).families.length).toBeGreaterThan(10)
      expect(exporter.child.exitCode).toBeNull()

      // Ctrl-C: a clean stop, exit 0, the port closed.
      const done = collect(exporter.child)
      exporter.child.kill('SIGINT')
      const result = await done
      expect(result.code).toBe(0)
      await expect(fetch(`http://${exporter.address}/metrics`)).rejects.toThrow()
    } finally {
      await stopChild(exporter.child)
    }
  })

  it('a bare port listens on loopback; a bad address is a usage error (exit 2)', async () => {
    const bad = await runCli(['stat', '--prometheus', 'nine', ...lookupdArgs])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--prometheus "nine": the port must be a number/)
    const clash = await runCli(['stat', '--prometheus', '0', '--once', ...lookupdArgs])
    expect(clash.code).toBe(2)
    const exporter = await startExporter(['--nsqd-http-address', cluster.nsqd[0]!.httpAddress], '0')
    try {
      expect(exporter.address).toMatch(/^127\.0\.0\.1:\d+$/)
      const busy = await runCli(['stat', '--prometheus', exporter.address, '--nsqd-http-address', cluster.nsqd[0]!.httpAddress])
      expect(busy.code).toBe(2)
      expect(busy.stderr.replace(/\s*\n ›\s*/g, ' ')).toMatch(/cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/)
      expect((await fetch(`http://${exporter.address}/nope`)).status).toBe(404)
    } finally {
      await stopChild(exporter.child)
    }
  })
})
