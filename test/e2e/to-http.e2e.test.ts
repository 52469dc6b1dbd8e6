import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {ChildProcess} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {decodeEnvelope} from '../../src/tools/envelope.js'
import {collect, spawnCli} from '../support/cli.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {Receiver, type Answer, type Received} from './to-http-receiver.js'

let seq = 0
const topicName = (): string => `to_http_e2e_${process.pid}_${++seq}`
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'to-http-e2e-'))

/** Distinct bodies; every third one binary (NUL, 0xff, newlines, not UTF-8). */
function bodies(count: number): Buffer[] {
  return Array.from({length: count}, (_, i) => {
    const text = Buffer.from(`m-${i}-${'x'.repeat(i % 50)}`)
    return i % 3 === 0 ? Buffer.concat([text, Buffer.from([0, 0xff, 0x0a, 0xfe, 0x25, 0x20, 0x2b, i % 256])]) : text
  })
}

const key = (body: Buffer): string => body.toString('base64')

/** Polls `check` every 100 ms until true; fails after `ms` with `what`. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('nsq to-http against real nsqd and a real HTTP server', () => {
  let nsqd: NsqdProcess
  let api: NsqdHttpClient

  async function fill(topic: string, channel: string, messages: readonly Buffer[]): Promise<void> {
    await api.createTopic(topic)
    await api.createChannel(topic, channel)
    for (let i = 0; i < messages.length; i += 5000) await api.mpub(topic, messages.slice(i, i + 5000))
  }

  /** depth + in flight + deferred of the channel. */
  async function left(topic: string, channel: string): Promise<number> {
    const stats = await api.stats({topic, channel})
    const c = stats.topics.find((t) => t.topic_name === topic)?.channels.find((ch) => ch.channel_name === channel)
    if (c === undefined) throw new Error(`no channel ${topic}/${channel}`)
    return c.depth + c.in_flight_count + c.deferred_count
  }

  /** Ctrl-C, then the exit code and the --json summary. */
  async function interrupt(child: ChildProcess): Promise<{code: number | null; summary: Record<string, unknown>; stderr: string}> {
    const done = collect(child, {timeoutMs: 60_000})
    child.kill('SIGINT')
    const result = await done
    const text = result.stdout.toString('utf8')
    let summary: Record<string, unknown> = {}
    try {
      summary = JSON.parse(text) as Record<string, unknown>
    } catch {
      throw new Error(`no JSON summary: ${text} / ${result.stderr}`)
    }
    return {code: result.code, summary, stderr: result.stderr}
  }

  beforeAll(async () => {
    nsqd = await startNsqd({args: ['--mem-queue-size=200000', '--max-req-timeout=1h']})
    api = new NsqdHttpClient(nsqd.httpAddress)
  })
  afterAll(async () => {
    await nsqd?.stop()
  })

  it('POST: 50,000 messages, binary bodies included, arrive exactly once as published, with the given headers and content type', async () => {
    const topic = topicName()
    const published = bodies(50_000)
    await fill(topic, 'nsq_to_http', published)
    const receiver = new Receiver()
    await receiver.start()
    const child = spawnCli(
      [
        'to-http', topic, '--post', `${receiver.url}/in?src=nsq`, '--content-type', 'application/x-test',
        '--header', 'X-Test: yes', '--header', 'User-Agent: custom-agent', '--n', '100',
        '--nsqd-tcp-address', nsqd.tcpAddress, '--json',
      ],
      {stdin: 'ignore'},
    )
    try {
      await until(() => receiver.requests.length >= published.length, 120_000, () => `${receiver.requests.length} requests`)
      await until(async () => (await left(topic, 'nsq_to_http')) === 0, 30_000, () => 'channel not empty')
    } finally {
      var {code, summary} = await interrupt(child)
    }
    await receiver.stop()
    expect(code).toBe(0)
    expect(receiver.requests).toHaveLength(published.length)
    expect(new Set(receiver.requests.map((r) => key(r.body)))).toEqual(new Set(published.map(key)))
    for (const r of receiver.requests) {
      expect(r.method).toBe('POST')
      expect(r.url).toBe('/in?src=nsq')
      expect(r.headers['content-type']).toBe('application/x-test')
      expect(r.headers['x-test']).toBe('yes')
      expect(r.headers['user-agent']).toBe('custom-agent')
    }
    expect(summary.delivered).toBe(published.length)
    expect(summary.finished).toBe(published.length)
    expect(summary.rejected).toBe(0)
  }, 240_000)

  it('GET: 50,000 messages arrive URL-escaped in the template; a literal %20 stays %20; tokens filled', async () => {
    const topic = topicName()
    const published = bodies(50_000)
    await fill(topic, 'nsq_to_http', published)
    const receiver = new Receiver()
    await receiver.start()
    const child = spawnCli(
      ['to-http', topic, '--get', `${receiver.url}/a%20b?v=%s&t=%t&a=%a&i=%i&pct=100%%`, '--header', 'X-Test: get',
        '--nsqd-tcp-address', nsqd.tcpAddress, '--json'],
      {stdin: 'ignore'},
    )
    try {
      await until(() => receiver.requests.length >= published.length, 120_000, () => `${receiver.requests.length} requests`)
      await until(async () => (await left(topic, 'nsq_to_http')) === 0, 30_000, () => 'channel not empty')
    } finally {
      var {code, summary} = await interrupt(child)
    }
    await receiver.stop()
    expect(code).toBe(0)
    expect(receiver.requests).toHaveLength(published.length)
    expect(new Set(receiver.requests.map((r) => key(r.body)))).toEqual(new Set(published.map(key)))
    for (const r of receiver.requests) {
      expect(r.method).toBe('GET')
      expect(r.url).toMatch(new RegExp(`^/a%20b\\?v=[^&]*&t=${topic}&a=1&i=[0-9a-f]{16}&pct=100%$`))
      expect(r.headers['x-test']).toBe('get')
      expect(r.headers['content-type']).toBeUndefined()
    }
    expect(summary.delivered).toBe(published.length)
  }, 240_000)
})
