/**
 * nsq to-http's options against real nsqd and real node:http / node:https servers: the drop-in
 * nsq_to_http, TLS to the endpoint (CA, insecure, client certificate), --rate, --format json,
 * hostpool failover with one URL down, and the live status line on a terminal.
 */
import fs from 'node:fs'
import type {ChildProcess} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {decodeEnvelope} from '../../src/tools/envelope.js'
import {makeTestPki, type TestPki} from '../support/certs.js'
import {CLI, collect, spawnCli} from '../support/cli.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {spawnTracked} from '../support/processes.js'
import {Receiver} from './to-http-receiver.js'
import {channelBacklog, fillChannel} from '../support/channels.js'
import {until as waitUntil} from '../support/wait.js'

let seq = 0
const topicName = (): string => `to_http_opt_${process.pid}_${++seq}`

/** Distinct bodies; every third one binary (not UTF-8). */
function bodies(count: number, tag = 'm'): Buffer[] {
  return Array.from({length: count}, (_, i) => {
    const text = Buffer.from(`${tag}-${i}`)
    return i % 3 === 0 ? Buffer.concat([text, Buffer.from([0, 0xff, 0xfe, i % 256])]) : text
  })
}

const key = (body: Buffer): string => body.toString('base64')
const sortedKeys = (list: readonly Buffer[]): string[] => list.map(key).sort()

/** What `child` wrote on stderr so far (read live). */
function stderrOf(child: ChildProcess): () => string {
  let text = ''
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  return () => text
}

/** Polls `check` every 100 ms; after `ms` fails with what `what` says of the state then. */
const until = async (check: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> => {
  await waitUntil(check, {timeoutMs: ms, everyMs: 100, explain: what})
}

describe('nsq to-http options against real nsqd and real HTTP(S) servers', () => {
  let nsqd: NsqdProcess
  let api: NsqdHttpClient
  const fill = (topic: string, channel: string, messages: readonly Buffer[]): Promise<void> => fillChannel(api, topic, channel, messages)
  const left = (topic: string, channel: string): Promise<number> => channelBacklog(api, topic, channel)
  let pki: TestPki

  /** Waits until `receiver` took `count` messages and the channel is empty, then Ctrl-C. */
  async function runUntilDelivered(
    child: ChildProcess,
    receiver: Receiver,
    count: number,
    topic: string,
    channel = 'nsq_to_http',
  ): Promise<{code: number | null; stdout: string; stderr: string}> {
    const done = collect(child, {timeoutMs: 120_000})
    try {
      await until(
        () => receiver.accepted().length >= count,
        90_000,
        () => `${receiver.accepted().length} of ${count} accepted`,
      )
      await until(
        async () => (await left(topic, channel)) === 0,
        30_000,
        () => 'channel not empty',
      )
    } finally {
      child.kill('SIGINT')
    }
    const result = await done
    return {code: result.code, stdout: result.stdout.toString(), stderr: result.stderr}
  }

  beforeAll(async () => {
    nsqd = await startNsqd({args: ['--mem-queue-size=100000']})
    api = new NsqdHttpClient(nsqd.httpAddress)
    pki = makeTestPki()
  })
  afterAll(async () => {
    await nsqd?.stop()
    if (pki !== undefined) fs.rmSync(pki.dir, {recursive: true, force: true})
  })

  it('drop-in nsq_to_http with Go-style flags delivers every message with its headers', async () => {
    const topic = topicName()
    const published = bodies(2000)
    await fill(topic, 'legacy', published)
    const receiver = new Receiver()
    await receiver.start()
    const child = spawnCli(
      [
        `-topic=${topic}`,
        '-channel',
        'legacy',
        `-nsqd-tcp-address=${nsqd.tcpAddress}`,
        `-post=${receiver.url}/legacy`,
        '-content-type=application/x-legacy',
        '-header=X-From: drop-in',
        '-n',
        '20',
        '-mode=round-robin',
        '-http-client-connect-timeout=2s',
        '-http-client-request-timeout=10s',
        '-status-every=100',
        '-consumer-opt=max_attempts,3',
      ],
      {bin: 'bin/nsq_to_http.js', stdin: 'ignore'},
    )
    const result = await runUntilDelivered(child, receiver, published.length, topic, 'legacy')
    await receiver.stop()
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('ignoring -status-every')
    expect(result.stderr).toContain('ignoring -consumer-opt max_attempts')
    expect(sortedKeys(receiver.requests.map((r) => r.body))).toEqual(sortedKeys(published))
    for (const r of receiver.requests) {
      expect(r.url).toBe('/legacy')
      expect(r.headers['content-type']).toBe('application/x-legacy')
      expect(r.headers['x-from']).toBe('drop-in')
    }
  })

  it('TLS: --http-tls-ca verifies the endpoint; without it the certificate is refused with a clear note and nothing is lost', async () => {
    const receiver = new Receiver(undefined, {key: fs.readFileSync(pki.serverKey), cert: fs.readFileSync(pki.serverCert)})
    await receiver.start()
    const topic = topicName()
    const published = bodies(300)
    await fill(topic, 'nsq_to_http', published)

    // Not trusted: every attempt fails at the handshake; the messages stay in nsqd.
    const refused = spawnCli(['to-http', topic, '--post', `${receiver.url}/in`, '--nsqd-tcp-address', nsqd.tcpAddress, '--json'], {
      stdin: 'ignore',
    })
    const refusedStderr = stderrOf(refused)
    const refusedDone = collect(refused, {timeoutMs: 60_000})
    await until(
      () => receiver.tlsErrors.length > 0 && refusedStderr().includes('its TLS certificate is refused'),
      30_000,
      () => `no refused handshake: ${refusedStderr()}`,
    )
    refused.kill('SIGINT')
    const first = await refusedDone
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toMatch(/its TLS certificate is refused: .*\(\w+\); trust the CA that signed it with --http-tls-ca FILE/)
    expect(receiver.requests).toHaveLength(0)
    const firstSummary = JSON.parse(first.stdout.toString()) as {
      delivered: number
      finished: number
      uncertain: number
      by_class: {error: number}
    }
    // Refused at the handshake: no request left, so none can be a duplicate later.
    expect(firstSummary).toMatchObject({delivered: 0, finished: 0, uncertain: 0})
    expect(firstSummary.by_class.error).toBeGreaterThan(0)
    await until(
      async () => (await left(topic, 'nsq_to_http')) === published.length,
      30_000,
      () => 'messages not back in the channel',
    )

    // Trusted by its CA: all of them arrive.
    const trusted = spawnCli(
      [
        'to-http',
        topic,
        '--post',
        `${receiver.url}/in`,
        '--http-tls-ca',
        pki.caFile,
        '--requeue-delay',
        '100ms',
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
      ],
      {stdin: 'ignore'},
    )
    const second = await runUntilDelivered(trusted, receiver, published.length, topic)
    expect(second.code, second.stderr).toBe(0)
    expect(sortedKeys(receiver.accepted().map((r) => r.body))).toEqual(sortedKeys(published))
    await receiver.stop()
  })

  it('TLS: --http-tls-insecure delivers to an unverified endpoint and warns', async () => {
    const receiver = new Receiver(undefined, {key: fs.readFileSync(pki.serverKey), cert: fs.readFileSync(pki.serverCert)})
    await receiver.start()
    const topic = topicName()
    const published = bodies(200)
    await fill(topic, 'nsq_to_http', published)
    const child = spawnCli(
      ['to-http', topic, '--post', `${receiver.url}/in`, '--http-tls-insecure', '--nsqd-tcp-address', nsqd.tcpAddress],
      {
        stdin: 'ignore',
      },
    )
    const result = await runUntilDelivered(child, receiver, published.length, topic)
    await receiver.stop()
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/warning: --http-tls-insecure: the endpoints' certificates are NOT verified/)
    expect(sortedKeys(receiver.accepted().map((r) => r.body))).toEqual(sortedKeys(published))
  })

  it('TLS: a server that requires a client certificate gets one from --http-tls-cert/--http-tls-key, and refuses a client without it', async () => {
    const receiver = new Receiver(undefined, {
      key: fs.readFileSync(pki.serverKey),
      cert: fs.readFileSync(pki.serverCert),
      ca: fs.readFileSync(pki.caFile),
      requestCert: true,
    })
    await receiver.start()
    const topic = topicName()
    const published = bodies(200)
    await fill(topic, 'nsq_to_http', published)

    const anonymous = spawnCli(
      ['to-http', topic, '--post', `${receiver.url}/in`, '--http-tls-ca', pki.caFile, '--nsqd-tcp-address', nsqd.tcpAddress, '--json'],
      {stdin: 'ignore'},
    )
    const anonymousStderr = stderrOf(anonymous)
    const anonymousDone = collect(anonymous, {timeoutMs: 60_000})
    await until(
      () => receiver.tlsErrors.length > 0 && anonymousStderr().includes(`${receiver.url}/in: no response`),
      30_000,
      () => `no refused handshake: ${anonymousStderr()}`,
    )
    anonymous.kill('SIGINT')
    const first = await anonymousDone
    expect(first.code, first.stderr).toBe(0)
    expect(receiver.requests).toHaveLength(0)
    expect(first.stderr).toContain(`${receiver.url}/in: no response`)
    expect(first.stderr).toContain('(if it asks for a client certificate: --http-tls-cert and --http-tls-key)')

    const withCert = spawnCli(
      [
        'to-http',
        topic,
        '--post',
        `${receiver.url}/in`,
        '--http-tls-ca',
        pki.caFile,
        '--http-tls-cert',
        pki.clientCert,
        '--http-tls-key',
        pki.clientKey,
        '--requeue-delay',
        '100ms',
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
      ],
      {stdin: 'ignore'},
    )
    const result = await runUntilDelivered(withCert, receiver, published.length, topic)
    await receiver.stop()
    expect(result.code, result.stderr).toBe(0)
    expect(sortedKeys(receiver.accepted().map((r) => r.body))).toEqual(sortedKeys(published))
  })

  it('--rate: the server sees about that many requests per second, no more', async () => {
    const topic = topicName()
    const published = bodies(80)
    await fill(topic, 'nsq_to_http', published)
    const receiver = new Receiver()
    await receiver.start()
    const child = spawnCli(['to-http', topic, '--post', `${receiver.url}/in`, '--rate', '20', '--nsqd-tcp-address', nsqd.tcpAddress], {
      stdin: 'ignore',
    })
    const result = await runUntilDelivered(child, receiver, published.length, topic)
    await receiver.stop()
    expect(result.code, result.stderr).toBe(0)
    const times = receiver.requests.map((r) => r.at).sort((a, b) => a - b)
    const spanS = ((times.at(-1) as number) - (times[0] as number)) / 1000
    const rate = (times.length - 1) / spanS
    // 79 intervals of 50 ms: 3.95 s. Not faster than asked, with slack for a receiver stalled by a
    // loaded machine (its clock bunches requests); unlimited it would be hundreds per second. The
    // lower bound is loose for the same reason.
    expect(rate).toBeLessThanOrEqual(20 * 1.25)
    expect(rate).toBeGreaterThan(20 * 0.3)
    // No second holds much more than 20 requests (slack for bunching, as above).
    const perSecond = new Map<number, number>()
    for (const t of times)
      perSecond.set(Math.floor((t - (times[0] as number)) / 1000), (perSecond.get(Math.floor((t - (times[0] as number)) / 1000)) ?? 0) + 1)
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(30)
  })

  it('--format json POSTs the tail envelope: id, timestamp, attempts, body (body_base64 when binary)', async () => {
    const topic = topicName()
    const published = bodies(300)
    const before = Date.now()
    await fill(topic, 'nsq_to_http', published)
    const receiver = new Receiver()
    await receiver.start()
    const child = spawnCli(['to-http', topic, '--post', `${receiver.url}/in`, '--format', 'json', '--nsqd-tcp-address', nsqd.tcpAddress], {
      stdin: 'ignore',
    })
    const result = await runUntilDelivered(child, receiver, published.length, topic)
    await receiver.stop()
    expect(result.code, result.stderr).toBe(0)
    const ids = new Set<string>()
    const got: Buffer[] = []
    for (const r of receiver.requests) {
      expect(r.headers['content-type']).toBe('application/json')
      const raw = JSON.parse(r.body.toString('utf8')) as Record<string, unknown>
      expect(raw).toMatchObject({topic, channel: 'nsq_to_http', attempts: 1})
      expect(raw.id).toMatch(/^[0-9a-f]{16}$/)
      ids.add(raw.id as string)
      expect(raw.timestamp as number).toBeGreaterThanOrEqual(before - 1000)
      expect(raw.timestamp as number).toBeLessThanOrEqual(Date.now())
      const envelope = decodeEnvelope(r.body.toString('utf8'))
      const binary = envelope.body.includes(0xff)
      expect('body_base64' in raw).toBe(binary)
      expect('body' in raw).toBe(!binary)
      got.push(envelope.body)
    }
    expect(ids.size).toBe(published.length)
    expect(sortedKeys(got)).toEqual(sortedKeys(published))
  })

  it('hostpool with one URL down: the other gets every message once, none lost, the refused URL noted', async () => {
    const down = new Receiver()
    await down.start()
    const downUrl = `${down.url}/in`
    await down.stop()
    const up = new Receiver()
    await up.start()
    const topic = topicName()
    const published = bodies(3000)
    await fill(topic, 'nsq_to_http', published)
    const child = spawnCli(
      ['to-http', topic, '--post', downUrl, '--post', `${up.url}/in`, '--nsqd-tcp-address', nsqd.tcpAddress, '--json'],
      {
        stdin: 'ignore',
      },
    )
    const result = await runUntilDelivered(child, up, published.length, topic)
    await up.stop()
    expect(result.code, result.stderr).toBe(0)
    expect(sortedKeys(up.requests.map((r) => r.body))).toEqual(sortedKeys(published))
    expect(result.stderr).toContain(`${downUrl}: connection refused`)
    const summary = JSON.parse(result.stdout) as {delivered: number; finished: number; requeued: number; by_class: Record<string, number>}
    expect(summary).toMatchObject({delivered: published.length, finished: published.length, requeued: 0})
    expect(summary.by_class['2xx']).toBe(published.length)
    // hostpool puts the failing URL last after its first refusal: a handful of attempts, not one per message.
    expect(summary.by_class.error).toBeGreaterThan(0)
    expect(summary.by_class.error).toBeLessThan(published.length / 10)
  })

  it('draws a live status line on a terminal (util-linux `script`): req/s, latency, in flight, outcomes by class', async () => {
    const topic = topicName()
    // More than the run can send at --rate 1000 in 8 s: it is still busy at every redraw.
    const published = bodies(10_000)
    await fill(topic, 'nsq_to_http', published)
    const receiver = new Receiver()
    await receiver.start()
    const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', TERM: 'xterm'}
    delete env.CI
    // `timeout -s INT` is the Ctrl-C; --preserve-status keeps to-http's own exit code.
    const command = ['timeout', '--preserve-status', '-s', 'INT', '8', process.execPath, CLI, 'to-http', topic]
      .concat(['--post', `${receiver.url}/in`, '--rate', '1000', '--nsqd-tcp-address', nsqd.tcpAddress])
      .map((arg) => `'${arg}'`)
      .join(' ')
    const child = spawnTracked('script', ['-qfec', command, '/dev/null'], {env})
    const result = await collect(child, {timeoutMs: 60_000})
    await receiver.stop()
    expect(result.code, result.stderr).toBe(0)
    const terminal = result.stdout.toString()
    // Each redraw starts with carriage return + erase-line.
    const draws = terminal
      .split('\r\u001B[K')
      .slice(1)
      .filter((d) => d.startsWith('to-http: ') && !d.startsWith('to-http: stopped'))
    const shape =
      /^to-http: \d+ req\/s · p50 [\d.]+ms p99 [\d.]+ms · in flight \d+ · \d+ delivered · 2xx \d+ 3xx 0 4xx 0 5xx 0 no response 0/
    expect(draws.some((d) => shape.test(d))).toBe(true)
    // Redrawn more than once, with a rate near --rate once running.
    const rates = draws.map((d) => Number(/^to-http: (\d+) req\/s/.exec(d)?.[1]))
    expect(rates.length, terminal).toBeGreaterThanOrEqual(2)
    expect(Math.max(...rates)).toBeGreaterThan(0)
    expect(Math.max(...rates)).toBeLessThanOrEqual(1100)
    expect(terminal).toMatch(/to-http: stopped: \d+ delivered/)
    expect(receiver.accepted().length).toBeGreaterThan(0)
  })
})
