/**
 * `nsq bench` as a user runs it (the built CLI) against a real nsqd: sane throughput and
 * percentiles, counts that match nsqd's own /stats, the --json summary against its schema,
 * CI exit codes (thresholds, baseline regression), Ctrl-C and topic clean-up.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {CLI, collect, runCli, spawnCli, type CliResult} from '../support/cli.js'
import {validate, type Schema} from '../support/json-schema.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {spawnTracked, stopChild} from '../support/processes.js'

const schema = JSON.parse(fs.readFileSync(path.resolve('test/e2e/bench-summary.schema.json'), 'utf8')) as Schema

interface Latency {
  kind: string
  count: number
  min: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}
interface Side {
  messages: number
  unmeasured_messages: number
  bytes: number
  seconds: number
  msgs_per_sec: number
  mb_per_sec: number
  latency: Latency | null
  clients: {id: string; messages: number; msgs_per_sec: number}[]
  client_rates: {min: number; avg: number; max: number; stddev: number}
}
interface Summary {
  kind: string
  params: Record<string, unknown>
  duration_sec: number
  messages: number
  msgs_per_sec: number
  mb_per_sec: number
  latency_kind: string | null
  p50_ms: number | null
  p90_ms: number | null
  p99_ms: number | null
  p999_ms: number | null
  max_ms: number | null
  publish: Side | null
  consume: Side | null
  errors: number
  reconnects: number
  lost: number
  disturbed: boolean
  interrupted: boolean
  thresholds: {expression: string; passed: boolean; actual: number | null}[]
  comparison: {passed: boolean; rows: {metric: string; regression: boolean}[]} | null
  passed: boolean
}

let nsqd: NsqdProcess
let http: NsqdHttpClient
let seq = 0
const topic = (): string => `bench_e2e_${process.pid}_${++seq}`

function bench(args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
  return runCli(['bench', ...args, '--nsqd-tcp-address', nsqd.tcpAddress, '--nsqd-http-address', nsqd.httpAddress], {timeoutMs})
}

function parseSummary(result: CliResult): Summary {
  const text = result.stdout.toString('utf8')
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${text}\n${result.stderr}`)
  }
  expect(validate(data, schema)).toEqual([])
  return data as Summary
}

function expectOrdered(l: Latency | null): void {
  expect(l).not.toBeNull()
  if (l === null) return
  expect(l.min).toBeGreaterThan(0)
  expect(l.min).toBeLessThanOrEqual(l.p50)
  expect(l.p50).toBeLessThanOrEqual(l.p90)
  expect(l.p90).toBeLessThanOrEqual(l.p99)
  expect(l.p99).toBeLessThanOrEqual(l.p999)
  expect(l.p999).toBeLessThanOrEqual(l.max)
}

async function topicStats(
  name: string,
): Promise<
  {message_count: number; channels: {channel_name: string; message_count: number; depth: number; in_flight_count: number}[]} | undefined
> {
  const stats = await http.stats({topic: name})
  return stats.topics.find((t) => t.topic_name === name)
}

async function topicNames(): Promise<string[]> {
  return (await http.stats()).topics.map((t) => t.topic_name)
}

beforeAll(async () => {
  nsqd = await startNsqd({args: ['--mem-queue-size=1000000']})
  http = new NsqdHttpClient(nsqd.httpAddress)
})

afterAll(async () => {
  await nsqd?.stop()
})

describe('nsq bench pub', () => {
  it('publishes exactly --msgs over the clients, with figures that agree with each other and with nsqd /stats', async () => {
    const name = topic()
    const result = await bench(['pub', '--topic', name, '--msgs', '20000', '--clients', '2', '--batch-size', '10', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const s = parseSummary(result)
    expect(s.kind).toBe('pub')
    expect(s.messages).toBe(20_000)
    expect(s.publish?.clients.map((c) => c.messages)).toEqual([10_000, 10_000])
    expect(s.publish?.bytes).toBe(20_000 * 200)
    expect(s.msgs_per_sec).toBeGreaterThan(0)
    expect(s.msgs_per_sec).toBeCloseTo(s.messages / s.duration_sec, 3)
    expect(s.mb_per_sec).toBeCloseTo((s.msgs_per_sec * 200) / 1048576, 6)
    const spread = s.publish?.client_rates
    expect(spread?.min).toBeLessThanOrEqual(spread?.avg ?? 0)
    expect(spread?.avg).toBeLessThanOrEqual(spread?.max ?? 0)
    // One latency sample per MPUB of 10: 2,000 commands.
    expect(s.latency_kind).toBe('publish-ack')
    expect(s.publish?.latency?.count).toBe(2000)
    expectOrdered(s.publish?.latency ?? null)
    expect(s.p99_ms).toBe(s.publish?.latency?.p99)
    expect([s.errors, s.reconnects, s.lost, s.disturbed, s.interrupted, s.passed]).toEqual([0, 0, 0, false, false, true])
    // A topic given by the user is kept, and nsqd counted what we say we published.
    expect((await topicStats(name))?.message_count).toBe(20_000)
    await http.deleteTopic(name)
  })

  it('paces an aggregate --rate (open model) and does not publish faster than scheduled', async () => {
    const name = topic()
    const result = await bench(['pub', '--topic', name, '--msgs', '3000', '--clients', '3', '--rate', '3000', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const s = parseSummary(result)
    expect(s.messages).toBe(3000)
    // The last of each client's 1,000 messages is scheduled 999 ms after the start.
    expect(s.duration_sec).toBeGreaterThanOrEqual(0.99)
    expect(s.msgs_per_sec).toBeLessThanOrEqual(3000 * 1.01)
    expect(s.params.rate).toBe(3000)
    expectOrdered(s.publish?.latency ?? null)
    expect((await topicStats(name))?.message_count).toBe(3000)
    await http.deleteTopic(name)
  })

  it('deletes an auto-named topic afterwards, and keeps it with --no-cleanup', async () => {
    const cleaned = parseSummary(await bench(['pub', '--msgs', '500', '--json']))
    const kept = parseSummary(await bench(['pub', '--msgs', '500', '--no-cleanup', '--json']))
    const cleanedName = String(cleaned.params.topic)
    const keptName = String(kept.params.topic)
    expect(cleanedName).toMatch(/^nsq_bench_/)
    const names = await topicNames()
    expect(names).not.toContain(cleanedName)
    expect(names).toContain(keptName)
    expect((await topicStats(keptName))?.message_count).toBe(500)
    await http.deleteTopic(keptName)
  })

  it('defaults as bench_writer / bench_reader: pub and sub one client per core (each on a thread), pub MPUB 200; pubsub 1 client', async () => {
    const cores = os.availableParallelism()
    const pub = await bench(['pub', '--msgs', '2000'])
    expect(pub.code).toBe(0)
    expect(pub.stderr).toMatch(
      new RegExp(`^Starting pub benchmark \\[batch-size=200, cleanup=true, clients=${cores} \\(one per core\\), `, 'm'),
    )
    expect(pub.stderr).toMatch(new RegExp(`threads=${cores > 1},`))
    const out = pub.stdout.toString()
    for (let i = 0; i < cores; i++) expect(out).toMatch(new RegExp(`\\[P${i}\\] [\\d,]+ msgs in`))
    expect(out).not.toMatch(new RegExp(`\\[P${cores}\\]`))
    expect(out).toMatch(/aggregate: 2,000 msgs in/)
    expect(out).toContain('publish-ack latency per MPUB of 200')

    const sub = parseSummary(await bench(['sub', '--msgs', '2000', '--json']))
    expect(sub.params.clients).toBe(cores)
    expect(sub.params.threads).toBe(cores > 1)
    expect(sub.consume?.clients).toHaveLength(cores)
    expect(sub.consume?.messages).toBe(2000)

    const pubsub = parseSummary(await bench(['pubsub', '--msgs', '500', '--json']))
    expect(pubsub.params.clients).toBe(1)
    expect(pubsub.params['batch-size']).toBe(1)
  })

  it('prints the banner on stderr and the report on stdout, CSV with --csv', async () => {
    const text = await bench(['pub', '--msgs', '1000', '--clients', '2', '--batch-size', '1'])
    expect(text.code).toBe(0)
    // Given -c: the banner shows the number alone (no "one per core").
    expect(text.stderr).toMatch(/^Starting pub benchmark \[batch-size=1, cleanup=true, clients=2, .*msgs=1000.*size=200/m)
    const out = text.stdout.toString()
    expect(out).toMatch(/\[P0\] 500 msgs in/)
    expect(out).toMatch(/\[P1\] 500 msgs in/)
    expect(out).toMatch(/aggregate: 1,000 msgs in .* msgs\/s · .* MiB\/s/)
    expect(out).toMatch(/client rates: min .* \| avg .* \| max .* \| stddev .* msgs\/s/)
    expect(out).toMatch(/publish-ack latency per PUB.*p50 .* \| p90 .* \| p99 .* \| p99\.9 .* \| max /)
    expect(out).not.toContain('Starting')
    // stderr is a pipe here: no live progress line.
    expect(text.stderr).not.toMatch(/measuring ·/)

    const csv = await bench(['pub', '--msgs', '1000', '--clients', '2', '--csv'])
    expect(csv.code).toBe(0)
    const rows = csv.stdout
      .toString()
      .trim()
      .split('\n')
      .map((line) => line.split(','))
    expect(rows[0]?.slice(0, 8)).toEqual(['role', 'client', 'address', 'messages', 'bytes', 'seconds', 'msgs_per_sec', 'mb_per_sec'])
    expect(rows.slice(1).map((r) => [r[0], r[1], r[3]])).toEqual([
      ['pub', 'P0', '500'],
      ['pub', 'P1', '500'],
      ['pub', 'all', '1000'],
    ])
  })
})

describe('progress', () => {
  it('draws a live progress line on stderr when it is a terminal (util-linux `script` provides one)', async () => {
    const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', TERM: 'xterm'}
    delete env.CI
    const command = [
      process.execPath,
      CLI,
      'bench',
      'pub',
      '--duration',
      '2.5s',
      '--rate',
      '2000',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
      '--nsqd-http-address',
      nsqd.httpAddress,
    ]
      .map((arg) => `'${arg}'`)
      .join(' ')
    const child = spawnTracked('script', ['-qfec', command, '/dev/null'], {env})
    const result = await collect(child, {timeoutMs: 30_000})
    expect(result.code, result.stderr).toBe(0)
    const terminal = result.stdout.toString()
    expect(terminal).toMatch(/\d+s measuring · published [\d,]+/)
    // Redrawn in place: carriage return and erase-line before each update.
    expect(terminal).toContain('\r\u001B[K1s measuring')
    expect(terminal).toMatch(/aggregate: 5,000 msgs in/)
  })
})

describe('worker threads', () => {
  it('counts the same on one thread (--no-threads) as with a worker thread per client (default with -c > 1)', async () => {
    for (const mode of ['--threads', '--no-threads']) {
      const name = topic()
      const pub = parseSummary(
        await bench(['pub', '--topic', name, '--msgs', '9000', '--clients', '3', '--batch-size', '50', mode, '--json']),
      )
      expect(pub.params.threads).toBe(mode === '--threads')
      expect(pub.publish?.clients.map((c) => c.messages)).toEqual([3000, 3000, 3000])
      expect(pub.publish?.latency?.count).toBe(180)
      expectOrdered(pub.publish?.latency ?? null)
      await http.createChannel(name, 'drain')
      const sub = parseSummary(
        await bench(['sub', '--topic', name, '--channel', 'drain', '--msgs', '9000', '--clients', '3', mode, '--json']),
      )
      expect(sub.messages).toBe(9000)
      expect(sub.consume?.clients.reduce((sum, c) => sum + c.messages, 0)).toBe(9000)
      // The bodies carry pub's stamps, so latency comes back from every thread.
      expect(sub.consume?.latency?.count).toBe(9000)
      const stats = await topicStats(name)
      expect(stats?.message_count).toBe(9000)
      expect(stats?.channels.find((c) => c.channel_name === 'drain')).toMatchObject({depth: 0, in_flight_count: 0})
      await http.deleteTopic(name)
    }
  })

  it('measures exactly --msgs from a deeper channel, on threads and on one thread', async () => {
    const name = topic()
    await http.createTopic(name)
    for (const mode of ['--threads', '--no-threads']) await http.createChannel(name, mode.slice(2))
    expect((await bench(['pub', '--topic', name, '--msgs', '20000', '--batch-size', '100', '--json'])).code).toBe(0)
    for (const mode of ['--threads', '--no-threads']) {
      const s = parseSummary(
        await bench(['sub', '--topic', name, '--channel', mode.slice(2), '--msgs', '7000', '--clients', '2', mode, '--json']),
      )
      expect(s.messages).toBe(7000)
      expect(s.consume?.clients.reduce((sum, c) => sum + c.messages, 0)).toBe(7000)
      expect(s.consume?.latency?.count).toBe(7000)
      // What arrived after the quota is reported as unmeasured, not dropped from the accounting.
      const channel = (await topicStats(name))?.channels.find((c) => c.channel_name === mode.slice(2))
      expect(channel?.message_count).toBe(20_000)
      expect(7000 + (s.consume?.unmeasured_messages ?? 0) + (channel?.depth ?? 0) + (channel?.in_flight_count ?? 0)).toBe(20_000)
    }
    await http.deleteTopic(name)
  })

  it('stops worker threads on Ctrl-C and still reports (exit 130)', async () => {
    const child = spawnCli([
      'bench',
      'pub',
      '--duration',
      '60s',
      '--clients',
      '2',
      '--json',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
      '--nsqd-http-address',
      nsqd.httpAddress,
    ])
    const done = collect(child, {timeoutMs: 30_000})
    let stderr = ''
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        if (stderr.includes('Starting pub benchmark')) resolve()
      })
    })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    child.kill('SIGINT')
    const result = await done
    await stopChild(child)
    expect(result.code).toBe(130)
    const s = parseSummary(result)
    expect(s.params.threads).toBe(true)
    expect(s.interrupted).toBe(true)
    expect(s.publish?.clients.every((c) => c.messages > 0)).toBe(true)
    expect(await topicNames()).not.toContain(String(s.params.topic))
  })
})

describe('nsq bench sub', () => {
  it('fills an auto-named topic, drains exactly that many, and nsqd agrees (kept with --no-cleanup)', async () => {
    const result = await bench(['sub', '--msgs', '30000', '--clients', '2', '--no-cleanup', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const s = parseSummary(result)
    expect(s.kind).toBe('sub')
    expect(s.messages).toBe(30_000)
    expect(s.consume?.clients.reduce((sum, c) => sum + c.messages, 0)).toBe(30_000)
    expect(s.publish).toBeNull()
    expect(s.msgs_per_sec).toBeGreaterThan(0)
    // Zero-filled bodies carry no stamp: no latency claimed.
    expect(s.latency_kind).toBeNull()
    const name = String(s.params.topic)
    const stats = await topicStats(name)
    const channel = stats?.channels.find((c) => c.channel_name === s.params.channel)
    expect(stats?.message_count).toBe(30_000)
    expect(channel).toMatchObject({message_count: 30_000, depth: 0, in_flight_count: 0})
    await http.deleteTopic(name)
  })

  it('reports end-to-end latency for messages stamped by `nsq bench pub` in another process', async () => {
    const name = topic()
    await http.createTopic(name)
    await http.createChannel(name, 'e2e')
    const pub = await bench(['pub', '--topic', name, '--msgs', '2000', '--rate', '4000', '--json'])
    expect(pub.code, pub.stderr).toBe(0)
    const result = await bench(['sub', '--topic', name, '--channel', 'e2e', '--msgs', '2000', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const s = parseSummary(result)
    expect(s.messages).toBe(2000)
    expect(s.latency_kind).toBe('end-to-end')
    expect(s.consume?.latency?.count).toBe(2000)
    expectOrdered(s.consume?.latency ?? null)
    // Queued before the consumer started, so they waited at least as long as the publish took.
    expect(s.p50_ms).toBeGreaterThan(0)
    // The user's topic and channel stay.
    expect((await topicStats(name))?.channels.map((c) => c.channel_name)).toEqual(['e2e'])
    await http.deleteTopic(name)
  })
})

describe('nsq bench pubsub', () => {
  it('delivers everything it publishes and reports end-to-end latency from the stamp', async () => {
    const result = await bench([
      'pubsub',
      '--msgs',
      '6000',
      '--clients',
      '2',
      '--rate',
      '6000',
      '--output-buffer-size=-1',
      '--no-cleanup',
      '--json',
    ])
    expect(result.code, result.stderr).toBe(0)
    const s = parseSummary(result)
    expect(s.kind).toBe('pubsub')
    expect(s.publish?.messages).toBe(6000)
    expect(s.consume?.messages).toBe(6000)
    expect(s.messages).toBe(6000)
    expect(s.lost).toBe(0)
    expect(s.latency_kind).toBe('end-to-end')
    expect(s.consume?.latency?.count).toBe(6000)
    expect(s.publish?.latency?.kind).toBe('publish-ack')
    expectOrdered(s.consume?.latency ?? null)
    expectOrdered(s.publish?.latency ?? null)
    expect(s.p99_ms).toBe(s.consume?.latency?.p99)
    const name = String(s.params.topic)
    const stats = await topicStats(name)
    expect(stats?.message_count).toBe(6000)
    expect(stats?.channels.find((c) => c.channel_name === s.params.channel)).toMatchObject({
      message_count: 6000,
      depth: 0,
      in_flight_count: 0,
    })
    await http.deleteTopic(name)
  })

  it('deletes its auto-named topic (with the channel) by default', async () => {
    const s = parseSummary(await bench(['pubsub', '--msgs', '500', '--json']))
    expect(s.consume?.messages).toBe(500)
    expect(await topicNames()).not.toContain(String(s.params.topic))
  })
})

describe('warm-up and disturbed runs', () => {
  it('leaves warm-up messages out of the figures but nsqd still counts them', async () => {
    const name = topic()
    const result = await bench(['pub', '--topic', name, '--msgs', '2000', '--warmup', '700ms', '--rate', '4000', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const s = parseSummary(result)
    expect(s.messages).toBe(2000)
    expect(s.publish?.latency?.count).toBe(2000)
    // About 2,800 are scheduled during 700 ms at 4,000/s; all of them reach nsqd, none is measured.
    const warm = s.publish?.unmeasured_messages ?? 0
    expect(warm).toBeGreaterThan(1000)
    expect((await topicStats(name))?.message_count).toBe(2000 + warm)
    await http.deleteTopic(name)
  })

  it('flags a run during which nsqd went away and came back as disturbed', async () => {
    const own = await startNsqd()
    try {
      const child = spawnCli([
        'bench',
        'pub',
        '--duration',
        '4s',
        '--rate',
        '2000',
        '--json',
        '--nsqd-tcp-address',
        own.tcpAddress,
        '--nsqd-http-address',
        own.httpAddress,
      ])
      const done = collect(child, {timeoutMs: 60_000})
      let stderr = ''
      await new Promise<void>((resolve) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk.toString()
          if (stderr.includes('Starting pub benchmark')) resolve()
        })
      })
      await new Promise((resolve) => setTimeout(resolve, 1000))
      await own.kill()
      await new Promise((resolve) => setTimeout(resolve, 300))
      await own.restart()
      const result = await done
      expect(result.code, result.stderr).toBe(0)
      const s = parseSummary(result)
      expect(s.disturbed).toBe(true)
      expect(s.reconnects + s.errors).toBeGreaterThan(0)
      expect(result.stderr).toMatch(/warning: this run was disturbed .*not reliable/)
    } finally {
      await own.stop()
    }
  })
})

describe('CI checks', () => {
  it('exits 99 when a --threshold is missed, 0 when all hold', async () => {
    const missed = await bench(['pub', '--msgs', '2000', '--threshold', 'rate>1000000000', '--threshold', 'p99<1h', '--json'])
    expect(missed.code).toBe(99)
    const s = parseSummary(missed)
    expect(s.passed).toBe(false)
    expect(s.thresholds.map((t) => [t.expression, t.passed])).toEqual([
      ['rate>1000000000', false],
      ['p99<1h', true],
    ])
    expect(s.thresholds[0]?.actual).toBe(s.msgs_per_sec)

    const met = await bench(['pub', '--msgs', '2000', '--threshold', 'rate>1', '--threshold', 'errors==0'])
    expect(met.code, met.stderr).toBe(0)
    expect(met.stdout.toString()).toMatch(/threshold ok +rate>1 \(actual/)

    const text = await bench(['pub', '--msgs', '2000', '--threshold', 'p99<1ns'])
    expect(text.code).toBe(99)
    expect(text.stdout.toString()).toMatch(/threshold MISSED p99<1ns \(actual .*s\)/)
  })

  it('exits 99 on a regression against a --compare baseline, and 0 within --max-regression', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-e2e-'))
    const first = await bench(['pub', '--msgs', '3000', '--json'])
    const baseline = parseSummary(first)
    const faster = path.join(dir, 'faster.json')
    // A baseline 100× faster than anything this machine does: the run must count as a regression.
    fs.writeFileSync(faster, JSON.stringify({...baseline, msgs_per_sec: baseline.msgs_per_sec * 100}))
    const regressed = await bench(['pub', '--msgs', '3000', '--compare', faster, '--max-regression', '10%'])
    expect(regressed.code).toBe(99)
    expect(regressed.stdout.toString()).toMatch(/compared with .*faster\.json \(max regression 10%\): REGRESSION/)
    expect(regressed.stdout.toString()).toMatch(/msgs_per_sec .* -9\d\.\d% {2}REGRESSION/)

    const same = path.join(dir, 'same.json')
    fs.writeFileSync(same, first.stdout)
    const ok = await bench(['pub', '--msgs', '3000', '--compare', same, '--max-regression', '100000%', '--json'])
    expect(ok.code, ok.stderr).toBe(0)
    const s = parseSummary(ok)
    expect(s.comparison?.passed).toBe(true)
    expect(s.comparison?.rows.map((r) => r.metric)).toEqual([
      'msgs_per_sec',
      'mb_per_sec',
      'p50_ms',
      'p90_ms',
      'p99_ms',
      'p999_ms',
      'max_ms',
    ])
  })

  it('refuses a bad threshold, baseline or size with a usage error (2) before connecting', async () => {
    expect((await bench(['pub', '--threshold', 'speed>1'])).code).toBe(2)
    expect((await bench(['pub', '--compare', '/nonexistent/baseline.json'])).code).toBe(2)
    expect((await bench(['pubsub', '--size', '8'])).code).toBe(2)
    expect((await bench(['pub', '--msgs', '5', '--duration', '1s'])).code).toBe(2)
  })

  it('exits 69 when nsqd is unreachable', async () => {
    const result = await runCli(['bench', 'pub', '--msgs', '10', '--nsqd-tcp-address', '127.0.0.1:1', '--nsqd-http-address', '127.0.0.1:1'])
    expect(result.code).toBe(69)
  })
})

describe('Ctrl-C', () => {
  it('stops early, still prints the summary, and exits 130', async () => {
    const child = spawnCli([
      'bench',
      'pub',
      '--duration',
      '60s',
      '--json',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
      '--nsqd-http-address',
      nsqd.httpAddress,
    ])
    const done = collect(child, {timeoutMs: 30_000})
    let stderr = ''
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        if (stderr.includes('Starting pub benchmark')) resolve()
      })
    })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    child.kill('SIGINT')
    const result = await done
    await stopChild(child)
    expect(result.code).toBe(130)
    const s = parseSummary(result)
    expect(s.interrupted).toBe(true)
    expect(s.passed).toBe(false)
    expect(s.messages).toBeGreaterThan(0)
    expect(s.duration_sec).toBeLessThan(60)
    expectOrdered(s.publish?.latency ?? null)
    expect(await topicNames()).not.toContain(String(s.params.topic))
  })
})
