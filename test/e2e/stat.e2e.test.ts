import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient, LookupdHttpClient} from '../../src/core/index.js'
import {CLI, collect, runCli, spawnCli} from '../support/cli.js'
import {nsqBin, skipIntegration, startCluster, stopAllServices, type Cluster} from '../support/nsq.js'
import {collectOutput, spawnTracked, stopChild} from '../support/processes.js'
import type {JsonTick} from '../../src/tools/stat/render-json.js'

/** Runs the official nsq_stat to completion. */
async function officialNsqStat(args: string[]): Promise<{code: number | null; stdout: string}> {
  const child = spawnTracked(nsqBin('nsq_stat'), args, {stdio: ['ignore', 'pipe', 'pipe']})
  const result = await collect(child, {timeoutMs: 30_000})
  return {code: result.code, stdout: result.stdout.toString('utf8')}
}

async function registered(cluster: Cluster, topic: string, count: number): Promise<void> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const all = await Promise.all(cluster.lookupd.map((l) => new LookupdHttpClient(l.httpAddress).lookup(topic)))
    if (all.every((r) => r.producers.length === count)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`lookupd did not register ${topic} on ${count} nodes`)
}

describe.skipIf(skipIntegration)('nsq stat, the built CLI, on 3 nsqd + 2 nsqlookupd', () => {
  let cluster: Cluster
  let lookupdArgs: string[]
  beforeAll(async () => {
    cluster = await startCluster(3, 2)
    lookupdArgs = cluster.lookupd.flatMap((l) => ['--lookupd-http-address', l.httpAddress])
    // 10 + 20 + 30 messages of `load` queued in channel `ch` on the three nodes; a topic without channels.
    for (const [i, nsqd] of cluster.nsqd.entries()) {
      const http = new NsqdHttpClient(nsqd.httpAddress)
      await http.createTopic('load')
      await http.createChannel('load', 'ch')
      await http.mpub(
        'load',
        Array.from({length: 10 * (i + 1)}, (_, n) => Buffer.from(`m${n}`)),
      )
    }
    await new NsqdHttpClient(cluster.nsqd[0]!.httpAddress).createTopic('lonely')
    await registered(cluster, 'load', 3)
  })
  afterAll(stopAllServices)

  it('as nsq_stat, with its Go flags, prints byte for byte what the official nsq_stat prints', async () => {
    const nsqdFlags = cluster.nsqd.flatMap((n) => [`-nsqd-http-address=${n.httpAddress}`])
    const lookupdFlags = cluster.lookupd.map((l) => `-lookupd-http-address=${l.httpAddress}`)
    for (const sources of [nsqdFlags, lookupdFlags]) {
      const args = ['-topic=load', '-channel=ch', ...sources, '-interval=300ms', '-count=2']
      const [theirs, ours] = await Promise.all([officialNsqStat(args), runCli(args, {bin: 'bin/nsq_stat.js', timeoutMs: 30_000})])
      expect(theirs.code).toBe(0)
      expect(ours.code).toBe(0)
      expect(ours.stdout.toString('utf8')).toBe(theirs.stdout)
      // Two header lines and two data rows with the channel's totals (60 queued on three nodes).
      expect(theirs.stdout.split('\n')[2]).toMatch(/^ +0 +0 \| +60 +60 +0 +0 +0 \| +0 +0 +60 +0$/)
    }
  })

  it('--once --json: one compact JSON object with the documented channel fields, equal to /stats', async () => {
    const result = await runCli(['stat', ...lookupdArgs, '--once', '--json'])
    expect(result.code).toBe(0)
    const lines = result.stdout
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
    expect(lines).toHaveLength(1)
    const tick = JSON.parse(lines[0]!) as JsonTick
    expect(tick.nodes.map((n) => [n.status, n.version])).toEqual([
      ['up', '1.3.0'],
      ['up', '1.3.0'],
      ['up', '1.3.0'],
    ])
    expect(tick.lookupd.map((l) => l.status)).toEqual(['up', 'up'])
    const load = tick.channels.find((c) => c.topic === 'load' && c.channel === 'ch')!
    let depth = 0
    let messages = 0
    for (const nsqd of cluster.nsqd) {
      const c = (await new NsqdHttpClient(nsqd.httpAddress).stats({topic: 'load', channel: 'ch'})).topics[0]!.channels[0]!
      depth += c.depth
      messages += c.message_count
    }
    expect(load).toMatchObject({
      depth,
      messages,
      in_flight: 0,
      deferred: 0,
      requeued: 0,
      timed_out: 0,
      clients: 0,
      paused: false,
      nodes: 3,
      ingress_rate: null,
      egress_rate: null,
      requeue_rate: null,
      timeout_rate: null,
      hints: ['no consumers'],
    })
    expect(tick.topics.find((t) => t.topic === 'lonely')).toMatchObject({channels: 0, nodes: 1})
  })

  it('--output csv and --by-node: a header, then a line per node and channel per interval', async () => {
    const result = await runCli([
      'stat',
      ...lookupdArgs,
      '--topic',
      'load',
      '--by-node',
      '--output',
      'csv',
      '--count',
      '1',
      '--interval',
      '300ms',
    ])
    expect(result.code).toBe(0)
    const lines = result.stdout.toString('utf8').trimEnd().split('\n')
    expect(lines[0]).toMatch(/^time,topic,channel,node,depth,/)
    expect(lines.slice(1).map((l) => l.split(',').slice(1, 5))).toEqual(
      cluster.nsqd.map((n, i) => ['load', 'ch', n.httpAddress, String(10 * (i + 1))]).sort((a, b) => a[2]!.localeCompare(b[2]!)),
    )
  })

  it('--fail-if: exit 99 when a channel meets a threshold, 0 when none does, 2 for a bad expression', async () => {
    const met = await runCli(['stat', ...lookupdArgs, '--topic', 'load', '--once', '--fail-if', 'depth>50', '--json'])
    expect(met.code).toBe(99)
    expect(met.stderr).toContain('threshold met: load/ch: depth 60 (depth>50)')
    expect(JSON.parse(met.stdout.toString('utf8')).breaches).toEqual(['load/ch: depth 60 (depth>50)'])
    const notMet = await runCli(['stat', ...lookupdArgs, '--topic', 'load', '--once', '--fail-if', 'depth>60', '--fail-if', 'clients>0'])
    expect(notMet.code).toBe(0)
    // Rates need two polls: with --count 1 the first interval is checked.
    const rate = await runCli([
      'stat',
      ...lookupdArgs,
      '--topic',
      'load',
      '--count',
      '3',
      '--interval',
      '300ms',
      '--fail-if',
      'egress_rate<1',
    ])
    expect(rate.code).toBe(99)
    expect(rate.stdout.toString('utf8').trimEnd().split('\n')).toHaveLength(3) // stopped at the first interval: headers + one row
    const bad = await runCli(['stat', ...lookupdArgs, '--once', '--fail-if', 'depth>>1'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/not a number/)
    const rateOnce = await runCli(['stat', ...lookupdArgs, '--once', '--fail-if', 'egress_rate<1'])
    expect(rateOnce.code).toBe(2)
    expect(rateOnce.stderr).toMatch(/--count 1 instead of --once/)
  })

  it('a topic with no channel: a row in --once, piped rows, CSV and --json, checked by --fail-if; a name matching nothing fails the check', async () => {
    const http = new NsqdHttpClient(cluster.nsqd[1]!.httpAddress)
    await http.mpub(
      'newtopic',
      Array.from({length: 1000}, (_, n) => Buffer.from(`n${n}`)),
    )
    await registered(cluster, 'newtopic', 1)
    const depth = (await http.stats({topic: 'newtopic'})).topics[0]!.depth
    expect(depth).toBe(1000)
    // Piped (rows), --once: the topic's own queue in a row of its own; the check sees it.
    const once = await runCli(['stat', ...lookupdArgs, '--once', '--topic', 'newtopic', '--fail-if', 'depth>500'])
    expect(once.code).toBe(99)
    expect(once.stdout.toString('utf8')).toMatch(
      /^newtopic\/\(no channel\) +- +- \| +1000 +1000 +0 +- +- \| +- +- +1000 +- {2}no channel$/m,
    )
    expect(once.stderr).toContain('threshold met: newtopic/(no channel): depth 1000 (depth>500)')
    const below = await runCli(['stat', ...lookupdArgs, '--once', '--topic', 'newtopic', '--fail-if', 'depth>1000'])
    expect(below.code).toBe(0)
    // The channel-only metrics are not checked on a topic row.
    const clients = await runCli(['stat', ...lookupdArgs, '--once', '--topic', 'newtopic', '--fail-if', 'clients==0'])
    expect(clients.code).toBe(0)
    const json = await runCli(['stat', ...lookupdArgs, '--once', '--json', '--topic', 'new*', '--fail-if', 'depth>500'])
    expect(json.code).toBe(99)
    const tick = JSON.parse(json.stdout.toString('utf8')) as JsonTick
    expect(tick.topics).toEqual([expect.objectContaining({topic: 'newtopic', depth: 1000, channels: 0, nodes: 1})])
    expect(tick.breaches).toEqual(['newtopic/(no channel): depth 1000 (depth>500)'])
    const csv = await runCli(['stat', ...lookupdArgs, '--once', '-o', 'csv', '--topic', 'newtopic'])
    expect(csv.code).toBe(0)
    expect(csv.stdout.toString('utf8').trimEnd().split('\n')[1]!.split(',').slice(1, 5)).toEqual(['newtopic', '', '', '1000'])
    // A name or pattern that matches nothing while lookupd answers: said, and a failed check.
    for (const topic of ['nosuch', 'nosuch.*']) {
      const missing = await runCli(['stat', ...lookupdArgs, '--once', '--topic', topic, '--fail-if', 'depth>500'])
      expect(missing.code).toBe(99)
      expect(missing.stderr).toContain(`--fail-if: nothing to check: no topic matching ${topic}`)
    }
    const missingChannel = await runCli([
      'stat',
      ...lookupdArgs,
      '--once',
      '--topic',
      'load',
      '--channel',
      'nosuch',
      '--fail-if',
      'depth>500',
    ])
    expect(missingChannel.code).toBe(99)
    expect(missingChannel.stderr).toContain('--fail-if: nothing to check: no topic matching load with a channel matching nosuch on 3 nsqd')
  })

  it('stat nodes and stat lookupd show the nodes with versions, addresses and topics', async () => {
    const nodes = await runCli(['stat', 'nodes', ...lookupdArgs, '--json'])
    expect(nodes.code).toBe(0)
    const report = JSON.parse(nodes.stdout.toString('utf8')) as {
      nodes: {address: string; version: string; status: string; tcp_port: number; topics: {topic: string}[]}[]
    }
    expect(report.nodes.map((n) => n.address)).toEqual(cluster.nsqd.map((n) => n.httpAddress).sort())
    for (const node of report.nodes) {
      const own = cluster.nsqd.find((n) => n.httpAddress === node.address)!
      expect(node).toMatchObject({version: '1.3.0', status: 'up', tcp_port: own.tcpPort})
      expect(node.topics.map((t) => t.topic)).toContain('load')
    }
    const human = await runCli(['stat', 'nodes', ...lookupdArgs])
    for (const nsqd of cluster.nsqd) expect(human.stdout.toString('utf8')).toContain(nsqd.httpAddress)
    expect(human.stdout.toString('utf8')).toContain('lonely')

    const lookupd = await runCli(['stat', 'lookupd', ...lookupdArgs, '--json'])
    expect(lookupd.code).toBe(0)
    const reports = JSON.parse(lookupd.stdout.toString('utf8')) as {
      address: string
      version: string
      nodes: unknown[]
      topics: {topic: string; channels: string[]; producers: string[]}[]
    }[]
    expect(reports.map((r) => [r.address, r.version, r.nodes.length])).toEqual(cluster.lookupd.map((l) => [l.httpAddress, '1.3.0', 3]))
    for (const r of reports)
      expect(r.topics.find((t) => t.topic === 'load')).toEqual({
        topic: 'load',
        channels: ['ch'],
        producers: cluster.nsqd.map((n) => n.httpAddress).sort(),
      })
    const text = await runCli(['stat', 'lookupd', ...lookupdArgs])
    expect(text.stdout.toString('utf8')).toMatch(/lookupd 127\.0\.0\.1:\d+ \(v1\.3\.0\): 3 nodes/)
  })

  it('usage errors and an unreachable cluster: exit 2 without an address, 69 when nothing answers', async () => {
    const none = await runCli(['stat', '--once'], {env: {NSQ_LOOKUPD_HTTP_ADDRESS: '', NSQ_NSQD_HTTP_ADDRESS: ''}})
    expect(none.code).toBe(2)
    const unknown = await runCli(['stat', ...lookupdArgs, '--topic', 'never_published', '--once'])
    expect(unknown.code).toBe(0)
    expect(unknown.stderr).toContain('no topic matching never_published: lookupd lists no nsqd carrying it (yet)')
    const down = await runCli(['stat', '--nsqd-http-address', '127.0.0.1:1', '--once', '--json'])
    expect(down.code).toBe(69)
    expect(JSON.parse(down.stdout.toString('utf8')).nodes).toEqual([
      {address: '127.0.0.1:1', status: 'down', error: expect.stringMatching(/refused/)},
    ])
    const downFail = await runCli([
      'stat',
      '--nsqd-http-address',
      cluster.nsqd[0]!.httpAddress,
      '--nsqd-http-address',
      '127.0.0.1:1',
      '--once',
      '--fail-if',
      'down>0',
    ])
    expect(downFail.code).toBe(99)
    expect(downFail.stderr).toContain('nsqd 127.0.0.1:1 is DOWN')
  })

  it('on a terminal: a live table redrawn in place; Ctrl-C or q restores the cursor and exits 0', async () => {
    for (const key of ['\u0003', 'q']) {
      // util-linux `script` gives the CLI a pseudo-terminal; what we write is typed into it.
      const command = `${process.execPath} ${CLI} stat --nsqd-http-address ${cluster.nsqd[0]!.httpAddress} --interval 300ms`
      // A terminal under CI is still a terminal here: CI=… turns redraws off, so drop it.
      const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', TERM: 'xterm'}
      delete env.CI
      const child = spawnTracked('script', ['-qfec', command, '/dev/null'], {stdio: ['pipe', 'pipe', 'pipe'], env})
      const output = collectOutput(child, 1024 * 1024)
      try {
        const frames = (text: string): number => text.split('\u001B[H').length - 1
        await output.until((text) => frames(text) >= 3, 20_000, 'three frames')
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
        child.stdin?.write(key)
        expect(await exited).toBe(0)
        const text = output.text()
        expect(text.startsWith('\u001B[?25l\u001B[2J\u001B[H')).toBe(true)
        expect(text).toMatch(/nsq stat {2}\S+ \S+ {2}every 300ms {2}nsqd: 1 up/)
        expect(text).toMatch(/│ load +│ ch +│ +10 │/)
        expect(text.trimEnd().endsWith('\u001B[?25h')).toBe(true)
      } finally {
        await stopChild(child, 'SIGKILL')
      }
    }
  })

  // Last: it kills a node of the shared cluster.
  it('a killed nsqd is shown as down while stat keeps running; Ctrl-C exits 0', async () => {
    const child = spawnCli(['stat', ...lookupdArgs, '--topic', 'load', '--json', '--interval', '500ms'])
    const ticks: JsonTick[] = []
    let buffer = ''
    let wake: (() => void) | undefined
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      let nl = buffer.indexOf('\n')
      while (nl !== -1) {
        ticks.push(JSON.parse(buffer.slice(0, nl)) as JsonTick)
        buffer = buffer.slice(nl + 1)
        nl = buffer.indexOf('\n')
      }
      wake?.()
    })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const until = async (count: number): Promise<void> => {
      const deadline = Date.now() + 20_000
      while (ticks.length < count) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`only ${ticks.length} ticks; stderr: ${stderr}`)
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, 200)
        })
      }
    }
    try {
      await until(2)
      expect(ticks.every((t) => t.nodes.filter((n) => n.status === 'up').length === 3)).toBe(true)
      const victim = cluster.nsqd[2]!
      await victim.kill()
      const before = ticks.length
      await until(before + 3)
      const after = ticks.slice(before + 1)
      for (const tick of after) {
        expect(tick.nodes.find((n) => n.address === victim.httpAddress)).toMatchObject({status: 'down'})
        expect(tick.nodes.filter((n) => n.status === 'up')).toHaveLength(2)
        expect(tick.channels.find((c) => c.channel === 'ch')).toMatchObject({nodes: 2, depth: 30})
      }
      expect(child.exitCode).toBeNull()
      expect(stderr).toContain(`nsqd ${victim.httpAddress} is DOWN`)
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      process.kill(child.pid!, 'SIGINT')
      expect(await exited).toBe(0)
    } finally {
      await stopChild(child, 'SIGKILL')
    }
  })
})
