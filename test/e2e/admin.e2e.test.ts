/**
 * nsq topic|channel|node against real nsqd / nsqlookupd v1.3.0 (3 nsqd + 2 nsqlookupd), each
 * action checked afterwards on every nsqd's /stats and every lookupd's /topics, /channels and
 * /lookup; and the same actions through nsqadmin v1.3.0's own API on a second, identical
 * cluster must leave the same state.
 */
import http from 'node:http'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Consumer, LookupdHttpClient, NsqdHttpClient, type Message} from '../../src/core/index.js'
import type {AdminSummary} from '../../src/tools/admin/types.js'
import type {JsonTick} from '../../src/tools/stat/render-json.js'
import {runCli} from '../support/cli.js'
import {nsqBin, skipIntegration, startCluster, stopAllServices, type Cluster} from '../support/nsq.js'
import {collectOutput, spawnTracked, stopChild} from '../support/processes.js'

const body = (n: number): Buffer[] => Array.from({length: n}, (_, i) => Buffer.from(`m${i}`))

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The state an admin action changes, normalised so two clusters compare: nodes by index, no ports or times. */
async function clusterState(cluster: Cluster, topics: readonly string[]): Promise<unknown> {
  const index = new Map(cluster.nsqd.map((n, i) => [n.httpPort, i]))
  const nsqd = await Promise.all(
    cluster.nsqd.map(async (n) =>
      (await new NsqdHttpClient(n.httpAddress).stats()).topics
        .filter((t) => topics.includes(t.topic_name))
        .map((t) => ({
          topic: t.topic_name,
          paused: t.paused,
          depth: t.depth,
          channels: t.channels.map((c) => ({
            channel: c.channel_name,
            paused: c.paused,
            depth: c.depth,
            in_flight: c.in_flight_count,
            deferred: c.deferred_count,
          })),
        })),
    ),
  )
  const lookupd = await Promise.all(
    cluster.lookupd.map(async (l) => {
      const client = new LookupdHttpClient(l.httpAddress)
      const listed = (await client.topics()).filter((t) => topics.includes(t)).sort()
      const perTopic = await Promise.all(
        topics.map(async (t) => ({
          topic: t,
          channels: (await client.channels(t)).sort(),
          producers: (await client.lookup(t)).producers.map((p) => index.get(p.http_port)).sort(),
        })),
      )
      return {topics: listed, perTopic}
    }),
  )
  return {nsqd, lookupd}
}

async function registered(cluster: Cluster, topic: string, producers: number, channels?: number): Promise<void> {
  await waitFor(`${topic} on ${producers} producers in every lookupd`, async () => {
    const all = await Promise.all(cluster.lookupd.map((l) => new LookupdHttpClient(l.httpAddress).lookup(topic)))
    return all.every((r) => r.producers.length === producers && (channels === undefined || r.channels.length === channels))
      ? true
      : undefined
  })
}

/** Topic `topic` with channels on every nsqd of the cluster, `n` messages each. */
async function seed(cluster: Cluster, topic: string, channels: readonly string[], n = 5): Promise<void> {
  for (const nsqd of cluster.nsqd) {
    const client = new NsqdHttpClient(nsqd.httpAddress)
    await client.createTopic(topic)
    for (const c of channels) await client.createChannel(topic, c)
    await client.mpub(topic, body(n))
  }
  await registered(cluster, topic, cluster.nsqd.length, channels.length)
}

function parse(stdout: Buffer): AdminSummary {
  return JSON.parse(stdout.toString('utf8')) as AdminSummary
}

describe.skipIf(skipIntegration)('nsq topic / channel / node on 3 nsqd + 2 nsqlookupd', () => {
  let a: Cluster
  let b: Cluster
  let lookupdA: string[]
  let admin: ReturnType<typeof spawnTracked>
  let adminAddress: string
  const nsq = (args: string[], input?: string) => runCli([...args, ...lookupdA], input === undefined ? {} : {input})

  beforeAll(async () => {
    ;[a, b] = await Promise.all([startCluster(3, 2), startCluster(3, 2)])
    lookupdA = a.lookupd.flatMap((l) => ['--lookupd-http-address', l.httpAddress])
    admin = spawnTracked(
      nsqBin('nsqadmin'),
      ['--http-address=127.0.0.1:0', ...b.lookupd.map((l) => `--lookupd-http-address=${l.httpAddress}`)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const log = await collectOutput(admin).until((t) => /HTTP: listening on 127\.0\.0\.1:\d+/.test(t), 15_000, 'nsqadmin')
    adminAddress = /HTTP: listening on (127\.0\.0\.1:\d+)/.exec(log)![1]!
  })
  afterAll(async () => {
    if (admin !== undefined) await stopChild(admin, 'SIGTERM')
    await stopAllServices()
  })

  it('the same actions as nsqadmin v1.3.0 (its own API on a second cluster) leave the same state everywhere', async () => {
    const topics = ['cmp', 'cmp.gone', 'cmp.new', 'cmp.tomb']
    for (const cluster of [a, b]) {
      await seed(cluster, 'cmp', ['keep', 'drop', 'paused'], 4)
      await seed(cluster, 'cmp.gone', ['c'], 2)
      await seed(cluster, 'cmp.tomb', ['c'], 3)
    }
    const ours: string[][] = [
      ['channel', 'create', 'cmp', 'added'],
      ['topic', 'pause', 'cmp'],
      ['channel', 'pause', 'cmp', 'paused'],
      ['channel', 'empty', 'cmp', 'keep', '--yes'],
      ['channel', 'delete', 'cmp', 'drop', '--yes'],
      ['topic', 'delete', 'cmp.gone', '--yes'],
      ['topic', 'create', 'cmp.new'],
      ['channel', 'create', 'cmp.new', 'first'],
      ['node', 'tombstone', a.nsqd[0]!.httpAddress, '--topic', 'cmp.tomb', '--yes'],
    ]
    const node0 = b.nsqd[0]!.httpAddress
    const theirs: [string, string, object?][] = [
      ['POST', '/api/topics', {topic: 'cmp', channel: 'added'}],
      ['POST', '/api/topics/cmp', {action: 'pause'}],
      ['POST', '/api/topics/cmp/paused', {action: 'pause'}],
      ['POST', '/api/topics/cmp/keep', {action: 'empty'}],
      ['DELETE', '/api/topics/cmp/drop'],
      ['DELETE', '/api/topics/cmp.gone'],
      ['POST', '/api/topics', {topic: 'cmp.new'}],
      ['POST', '/api/topics', {topic: 'cmp.new', channel: 'first'}],
      ['DELETE', `/api/nodes/${node0}`, {topic: 'cmp.tomb'}],
    ]
    for (const args of ours) {
      const result = await nsq(args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    }
    for (const [method, path, payload] of theirs) {
      const response = await fetch(`http://${adminAddress}${path}`, {
        method,
        ...(payload === undefined ? {} : {body: JSON.stringify(payload)}),
      })
      const answer = (await response.json()) as {message: string}
      expect([response.status, answer.message], `${method} ${path}`).toEqual([200, ''])
    }
    const [stateA, stateB] = await Promise.all([clusterState(a, topics), clusterState(b, topics)])
    expect(stateA).toEqual(stateB)
    // And the state is what the actions mean, on every node (not just equal on both sides).
    const {nsqd, lookupd} = stateA as {
      nsqd: {topic: string; paused: boolean; channels: {channel: string; paused: boolean; depth: number}[]}[][]
      lookupd: {topics: string[]; perTopic: {topic: string; channels: string[]; producers: number[]}[]}[]
    }
    for (const [i, node] of nsqd.entries()) {
      const cmp = node.find((t) => t.topic === 'cmp')!
      expect(cmp.paused).toBe(true)
      expect(cmp.channels.map((c) => [c.channel, c.paused, c.depth])).toEqual([
        ['added', false, 0],
        ['keep', false, 0],
        ['paused', true, 4],
      ])
      expect(node.some((t) => t.topic === 'cmp.gone')).toBe(false)
      expect(node.some((t) => t.topic === 'cmp.new')).toBe(false)
      expect(node.some((t) => t.topic === 'cmp.tomb')).toBe(i !== 0)
    }
    for (const l of lookupd) {
      expect(l.topics).toEqual(['cmp', 'cmp.new', 'cmp.tomb'])
      const per = Object.fromEntries(l.perTopic.map((p) => [p.topic, p]))
      expect(per.cmp!.channels).toEqual(['added', 'keep', 'paused'])
      expect(per['cmp.new']).toEqual({topic: 'cmp.new', channels: ['first'], producers: []})
      expect(per['cmp.tomb']!.producers).toEqual([1, 2])
    }
  })

  it('pause is visible in nsq stat and unpause reverses it, on every node', async () => {
    await seed(a, 'ps', ['c'], 1)
    const stat = async (): Promise<JsonTick> =>
      JSON.parse((await nsq(['stat', '--topic', 'ps', '--once', '--json'])).stdout.toString('utf8')) as JsonTick
    expect((await stat()).channels.map((c) => c.paused)).toEqual([false])
    let result = await nsq(['channel', 'pause', 'ps', 'c', '--json'])
    expect(result.code).toBe(0)
    const summary = parse(result.stdout)
    expect(summary.calls.filter((c) => c.action === 'pause_channel').map((c) => [c.address, c.status])).toEqual(
      a.nsqd.map((n) => [n.httpAddress, 'ok']).sort(),
    )
    expect((await stat()).channels.map((c) => c.paused)).toEqual([true])
    for (const n of a.nsqd) expect((await new NsqdHttpClient(n.httpAddress).stats({topic: 'ps'})).topics[0]!.channels[0]!.paused).toBe(true)
    result = await nsq(['topic', 'pause', 'ps'])
    expect(result.code).toBe(0)
    expect((await stat()).topics.map((t) => t.paused)).toEqual([true])
    expect((await nsq(['topic', 'unpause', 'ps'])).code).toBe(0)
    expect((await nsq(['channel', 'unpause', 'ps', 'c'])).code).toBe(0)
    const after = await stat()
    expect([after.topics.map((t) => t.paused), after.channels.map((c) => c.paused)]).toEqual([[false], [false]])
    for (const n of a.nsqd) {
      const t = (await new NsqdHttpClient(n.httpAddress).stats({topic: 'ps'})).topics[0]!
      expect([t.paused, t.channels[0]!.paused]).toEqual([false, false])
    }
  })

  it('channel empty removes depth, in flight and deferred on every node', async () => {
    await seed(a, 'em', ['c'], 6)
    for (const n of a.nsqd) await new NsqdHttpClient(n.httpAddress).pub('em', Buffer.from('later'), 600_000)
    const consumer = new Consumer({topic: 'em', channel: 'c', nsqd: a.nsqd.map((n) => n.tcpAddress), maxInFlight: 6, backoff: false})
    await consumer.start()
    const held: Message[] = []
    for await (const message of consumer) {
      held.push(message)
      if (held.length === 6) break
    }
    const sums = async (): Promise<number[][]> =>
      Promise.all(
        a.nsqd.map(async (n) => {
          const c = (await new NsqdHttpClient(n.httpAddress).stats({topic: 'em', channel: 'c'})).topics[0]!.channels[0]!
          return [c.depth, c.in_flight_count, c.deferred_count]
        }),
      )
    const before = await waitFor('6 in flight and 3 deferred', async () => {
      const s = await sums()
      return s.reduce((x, r) => x + r[1]!, 0) === 6 && s.every((r) => r[2] === 1) ? s : undefined
    })
    expect(before.reduce((x, r) => x + r[0]!, 0)).toBe(18 - 6)
    try {
      const refused = await nsq(['channel', 'empty', 'em', 'c'])
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/--yes/)
      expect(await sums()).toEqual(before)
      const result = await nsq(['channel', 'empty', 'em', 'c', '--yes', '--json'])
      expect(result.code).toBe(0)
      const summary = parse(result.stdout)
      // What was lost was shown per node, from /stats.
      expect(summary.loss.map((r) => [r.node, r.depth, r.in_flight, r.deferred]).sort()).toEqual(
        a.nsqd.map((n, i) => [n.httpAddress, ...before[i]!]).sort(),
      )
      expect(await sums()).toEqual([
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ])
    } finally {
      await consumer.stop({timeoutMs: 2000})
    }
  })

  it('a deleted topic does not come back through lookupd when its nsqd registers again', async () => {
    await seed(a, 'del', ['c'], 2)
    const result = await nsq(['topic', 'delete', 'del', '--yes', '--json'])
    expect(result.code).toBe(0)
    const calls = parse(result.stdout).calls.filter((c) => c.action === 'delete_topic')
    // lookupd first, then every nsqd.
    expect(calls.map((c) => c.role)).toEqual(['lookupd', 'lookupd', 'nsqd', 'nsqd', 'nsqd'])
    // A restart makes nsqd register every topic it has again.
    await a.nsqd[1]!.restart()
    await registered(a, 'ps', 3)
    for (const l of a.lookupd) {
      const client = new LookupdHttpClient(l.httpAddress)
      expect(await client.topics()).not.toContain('del')
      expect(await client.channels('del')).toEqual([])
      expect((await client.lookup('del')).producers).toEqual([])
    }
    for (const n of a.nsqd) expect((await new NsqdHttpClient(n.httpAddress).stats({topic: 'del'})).topics).toEqual([])
  })

  it('glob selection with --dry-run lists exactly the matching topics and every call, and changes nothing', async () => {
    await seed(a, 'glob.x', ['c'], 1)
    await seed(a, 'glob.y', ['c'], 1)
    await seed(a, 'globz', ['c'], 1)
    const result = await nsq(['topic', 'delete', 'glob.*', '--dry-run', '--json'])
    expect(result.code).toBe(0)
    const summary = parse(result.stdout)
    expect(summary.selected.map((t) => t.topic)).toEqual(['glob.x', 'glob.y'])
    const lookupd = a.lookupd.map((l) => l.httpAddress)
    const nsqd = a.nsqd.map((n) => n.httpAddress).sort()
    const planned = summary.calls.filter((c) => c.status === 'planned').map((c) => `${c.role} ${c.address} ${c.request}`)
    expect(planned).toEqual(
      ['glob.x', 'glob.y'].flatMap((t) => [
        ...lookupd.map((l) => `lookupd ${l} /topic/delete?topic=${t}`),
        ...nsqd.map((n) => `nsqd ${n} /topic/delete?topic=${t}`),
      ]),
    )
    expect(summary.calls.filter((c) => c.method === 'POST').every((c) => c.status === 'planned')).toBe(true)
    const human = await nsq(['topic', 'delete', 'glob.*', '--dry-run'])
    expect(human.stderr).toContain('selected: topic glob.x, topic glob.y\n')
    for (const l of a.lookupd)
      expect(await new LookupdHttpClient(l.httpAddress).topics()).toEqual(expect.arrayContaining(['glob.x', 'glob.y', 'globz']))
  })

  it('delete without --yes on a pipe refuses with exit 2 and changes nothing', async () => {
    await seed(a, 'keepme', ['c'], 3)
    const before = await clusterState(a, ['keepme'])
    const result = await nsq(['topic', 'delete', 'keepme'], 'y\n')
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/refusing without --yes/)
    expect(result.stderr).toMatch(/9 messages in total/)
    expect(await clusterState(a, ['keepme'])).toEqual(before)
  })

  it("--notify POSTs nsqadmin's event; a failing hook is reported and not fatal", async () => {
    await seed(a, 'hooked', ['c'], 1)
    const received: string[] = []
    const server = http.createServer((req, res) => {
      let text = ''
      req.on('data', (c: Buffer) => (text += c.toString()))
      req.on('end', () => {
        received.push(`${req.headers['content-type'] ?? ''} ${text}`)
        res.end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as {port: number}).port
    try {
      const ok = await nsq(['channel', 'pause', 'hooked', 'c', '--notify', `http://127.0.0.1:${port}/hook`, '--json'])
      expect(ok.code).toBe(0)
      expect(received).toHaveLength(1)
      const [type, json] = [
        received[0]!.split(' ')[0],
        JSON.parse(received[0]!.slice(received[0]!.indexOf(' ') + 1)) as Record<string, unknown>,
      ]
      expect(type).toBe('application/json')
      expect(Object.keys(json)).toEqual(['action', 'topic', 'channel', 'timestamp', 'user', 'remote_ip', 'user_agent', 'url', 'via'])
      expect([json.action, json.topic, json.channel]).toEqual(['pause_channel', 'hooked', 'c'])
      expect(parse(ok.stdout).notify.map((n) => n.status)).toEqual(['ok'])
    } finally {
      server.close()
    }
    const failing = await nsq(['channel', 'unpause', 'hooked', 'c', '--notify', `http://127.0.0.1:${port}/hook`])
    expect(failing.code).toBe(0)
    expect(failing.stderr).toMatch(/notify http:\/\/127\.0\.0\.1:\d+\/hook failed for unpause_channel hooked: connection refused/)
    expect((await new NsqdHttpClient(a.nsqd[0]!.httpAddress).stats({topic: 'hooked'})).topics[0]!.channels[0]!.paused).toBe(false)
  })

  it('one nsqd stopped: the others are changed, the stopped one is named with the reason, exit 3; every node down: 69', async () => {
    await seed(a, 'part', ['c'], 1)
    const stopped = a.nsqd[2]!
    await stopped.stop()
    const nsqdFlags = a.nsqd.flatMap((n) => ['--nsqd-http-address', n.httpAddress])
    const result = await runCli(['topic', 'pause', 'part', ...nsqdFlags])
    expect(result.code).toBe(3)
    expect(result.stderr).toContain(
      `FAILED nsqd ${stopped.httpAddress}: GET /stats?format=json&topic=part&include_clients=false: connection refused`,
    )
    for (const n of a.nsqd.slice(0, 2))
      expect((await new NsqdHttpClient(n.httpAddress).stats({topic: 'part'})).topics[0]!.paused).toBe(true)
    const down = await runCli(['topic', 'pause', 'part', '--nsqd-http-address', stopped.httpAddress])
    expect(down.code).toBe(69)
    await Promise.all(a.lookupd.map((l) => l.stop()))
    const allDown = await runCli(['channel', 'delete', 'part', 'c', '--yes', ...lookupdA])
    expect(allDown.code).toBe(69)
    expect(allDown.stderr).toMatch(/FAILED lookupd 127\.0\.0\.1:\d+: GET \/lookup\?topic=part: connection refused/)
  })
})
