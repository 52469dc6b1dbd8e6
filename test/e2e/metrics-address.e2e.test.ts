/**
 * `--metrics-address` of the long-running commands, on the built CLI against real nsqd: the
 * endpoint serves text the official Python prometheus_client parser reads, with the counts of
 * what the run did (to-file: equal to its manifests' totals; tail: messages printed; to-nsq:
 * records published, equal to nsqd's count). prom-client is loaded only with the flag.
 */
import type {ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {spawnSync} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {CLI, collect, spawnCli} from '../support/cli.js'
import {skipIntegration, startNsqd, stopAllServices, type NsqdProcess} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'
import {samples, sampleValue, scrape, type Family} from '../support/prometheus.js'
import {until} from '../support/wait.js'
import {Receiver} from './to-http-receiver.js'

/** The address the command says it serves metrics on (its stderr line). */
async function metricsAddress(child: ChildProcess, stderr: () => string): Promise<string> {
  let address = ''
  await until(
    'the command says where it serves metrics',
    () => {
      const match = /serving Prometheus metrics on http:\/\/([^/]+)\/metrics/.exec(stderr())
      if (match !== null) address = match[1] as string
      return match !== null || child.exitCode !== null
    },
    {timeoutMs: 20_000},
  )
  if (address === '') throw new Error(`no metrics endpoint: ${stderr()}`)
  return address
}

function start(args: string[]): {child: ChildProcess; stderr: () => string; stdout: () => string} {
  const child = spawnCli(args)
  let stderr = ''
  let stdout = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  return {child, stderr: () => stderr, stdout: () => stdout}
}

/** A value that must be there. */
function value(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const v = sampleValue(families, name, labels)
  if (v === undefined) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`)
  return v
}

describe.skipIf(skipIntegration)('--metrics-address (built CLI, real nsqd)', () => {
  let nsqd: NsqdProcess
  const dirs: string[] = []
  beforeAll(async () => (nsqd = await startNsqd()))
  afterAll(async () => {
    await stopAllServices()
    for (const dir of dirs) fs.rmSync(dir, {recursive: true, force: true})
  })

  it('to-file: at the end of a run its counters equal the manifests’ totals', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-to-file-'))
    dirs.push(out)
    const http = new NsqdHttpClient(nsqd.httpAddress)
    await http.createTopic('archive')
    await http.createChannel('archive', 'files')
    const bodies = Array.from({length: 120}, (_, i) => Buffer.from(`archived message ${i} ${'x'.repeat(i % 17)}`))
    await http.mpub('archive', bodies.slice(0, 70))
    const run = start([
      'to-file',
      '--topic',
      'archive',
      '--channel',
      'files',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
      '--output-dir',
      out,
      '--rotate-size',
      '1KiB',
      '--metrics-address',
      '127.0.0.1:0',
    ])
    try {
      const address = await metricsAddress(run.child, run.stderr)
      await http.mpub('archive', bodies.slice(70))
      let last: Family[] = []
      await until(
        'every message archived and FIN’d',
        async () => {
          last = (await scrape(address)).families
          return sampleValue(last, 'nsq_toolkit_messages_finished_total', {topic: 'archive'}) === 120
        },
        {timeoutMs: 30_000},
      )
      // The scrape at the end, before the stop.
      const archivedMessages = value(last, 'nsq_toolkit_archived_messages_total', {topic: 'archive'})
      const archivedBytes = value(last, 'nsq_toolkit_archived_bytes_total', {topic: 'archive'})
      const filesBefore = value(last, 'nsq_toolkit_files_finished_total', {topic: 'archive'})
      expect(value(last, 'nsq_toolkit_messages_received_total', {topic: 'archive'})).toBe(120)
      expect(value(last, 'nsq_toolkit_messages_requeued_total', {topic: 'archive'})).toBe(0)
      expect(value(last, 'nsq_toolkit_messages_in_flight', {topic: 'archive'})).toBe(0)
      expect(value(last, 'nsq_toolkit_connections', {topic: 'archive'})).toBe(1)
      expect(value(last, 'nsq_toolkit_connections_lost_total', {topic: 'archive'})).toBe(0)
      // One fsync observed per sync counted, each a real duration.
      const syncs = value(last, 'nsq_toolkit_syncs_total', {topic: 'archive'})
      expect(syncs).toBeGreaterThan(0)
      expect(value(last, 'nsq_toolkit_fsync_duration_seconds_count', {topic: 'archive'})).toBe(syncs)
      expect(value(last, 'nsq_toolkit_fsync_duration_seconds_sum', {topic: 'archive'})).toBeGreaterThan(0)
      expect(value(last, 'nsq_toolkit_upload_backlog_files')).toBe(0)
      expect(samples(last, 'process_resident_memory_bytes').length).toBe(1)

      const done = collect(run.child)
      run.child.kill('SIGINT')
      expect((await done).code).toBe(0)
      const manifests = fs
        .readdirSync(out)
        .filter((n) => n.endsWith('.manifest.json'))
        .map((n) => JSON.parse(fs.readFileSync(path.join(out, n), 'utf8')) as {messages: number; bytes: number})
      expect(manifests.length).toBeGreaterThan(2)
      expect(archivedMessages).toBe(manifests.reduce((sum, m) => sum + m.messages, 0))
      expect(archivedBytes).toBe(manifests.reduce((sum, m) => sum + m.bytes, 0))
      // The file open at the scrape was finished by the stop.
      expect(filesBefore).toBe(manifests.length - 1)
      expect(archivedMessages).toBe(120)
    } finally {
      await stopChild(run.child)
    }
  })

  it('tail: its counters are the messages it printed and FIN’d', async () => {
    const http = new NsqdHttpClient(nsqd.httpAddress)
    await http.createTopic('tailed')
    const run = start(['tail', '--topic', 'tailed', '--nsqd-tcp-address', nsqd.tcpAddress, '--metrics-address', '0'])
    try {
      const address = await metricsAddress(run.child, run.stderr)
      expect(address).toMatch(/^127\.0\.0\.1:/)
      await until('tail subscribed', async () => ((await http.stats({topic: 'tailed'})).topics[0]?.channels.length ?? 0) === 1)
      await http.mpub(
        'tailed',
        ['a', 'b', 'c', 'd', 'e'].map((b) => Buffer.from(b)),
      )
      let last: Family[] = []
      await until('five finished', async () => {
        last = (await scrape(address)).families
        return sampleValue(last, 'nsq_toolkit_messages_finished_total', {topic: 'tailed'}) === 5
      })
      expect(run.stdout()).toBe('a\nb\nc\nd\ne\n')
      expect(value(last, 'nsq_toolkit_messages_received_total', {topic: 'tailed'})).toBe(5)
      expect(value(last, 'nsq_toolkit_messages_requeued_total', {topic: 'tailed'})).toBe(0)
      expect(value(last, 'nsq_toolkit_info', {command: 'tail'})).toBe(1)
      const done = collect(run.child)
      run.child.kill('SIGINT')
      expect((await done).code).toBe(0)
    } finally {
      await stopChild(run.child)
    }
  })

  it('to-nsq: published count and publish latency of N lines, equal to what nsqd holds', async () => {
    const run = start([
      'to-nsq',
      '--topic',
      'published',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
      '--batch-linger',
      '10ms',
      '--metrics-address',
      '127.0.0.1:0',
    ])
    try {
      const address = await metricsAddress(run.child, run.stderr)
      const lines = Array.from({length: 250}, (_, i) => `line ${i}\n`).join('')
      run.child.stdin?.write(lines)
      let last: Family[] = []
      await until('250 published', async () => {
        last = (await scrape(address)).families
        return sampleValue(last, 'nsq_toolkit_messages_published_total') === 250
      })
      const topic = (await new NsqdHttpClient(nsqd.httpAddress).stats({topic: 'published'})).topics[0]
      expect(topic?.message_count).toBe(250)
      expect(value(last, 'nsq_toolkit_published_bytes_total')).toBe(topic?.message_bytes)
      expect(value(last, 'nsq_toolkit_messages_publish_failed_total')).toBe(0)
      const batches = value(last, 'nsq_toolkit_publish_duration_seconds_count')
      expect(batches).toBeGreaterThanOrEqual(2) // 250 lines in batches of at most 200
      expect(value(last, 'nsq_toolkit_publish_duration_seconds_bucket', {le: '+Inf'})).toBe(batches)
      const done = collect(run.child)
      run.child.stdin?.end()
      const result = await done
      expect(result.code).toBe(0)
    } finally {
      await stopChild(run.child)
    }
  })

  it('relay: consumed and published counts and publish latency, equal to what the destination holds', async () => {
    const dest = await startNsqd()
    const http = new NsqdHttpClient(nsqd.httpAddress)
    await http.createTopic('relayed')
    await http.createChannel('relayed', 'copy')
    await http.mpub(
      'relayed',
      Array.from({length: 40}, (_, i) => Buffer.from(`relay ${i}`)),
    )
    const run = start([
      'relay',
      '--topic',
      'relayed',
      '--channel',
      'copy',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
      '--destination-nsqd-tcp-address',
      dest.tcpAddress,
      '--metrics-address',
      '127.0.0.1:0',
    ])
    try {
      const address = await metricsAddress(run.child, run.stderr)
      let last: Family[] = []
      await until('40 relayed and FIN’d', async () => {
        last = (await scrape(address)).families
        return sampleValue(last, 'nsq_toolkit_messages_finished_total', {topic: 'relayed'}) === 40
      })
      const copied = (await new NsqdHttpClient(dest.httpAddress).stats({topic: 'relayed'})).topics[0]
      expect(copied?.message_count).toBe(40)
      expect(value(last, 'nsq_toolkit_messages_published_total')).toBe(40)
      expect(value(last, 'nsq_toolkit_published_bytes_total')).toBe(copied?.message_bytes)
      expect(value(last, 'nsq_toolkit_messages_received_total', {topic: 'relayed'})).toBe(40)
      expect(value(last, 'nsq_toolkit_publish_duration_seconds_count')).toBeGreaterThanOrEqual(1)
      const done = collect(run.child)
      run.child.kill('SIGINT')
      expect((await done).code).toBe(0)
    } finally {
      await stopChild(run.child)
      await dest.stop()
    }
  })

  it('to-http: request latency by status, delivered and requeued counts', async () => {
    // The 3rd request is answered 503 (requeued, delivered again), every other 200.
    const receiver = new Receiver((_request, index) => ({status: index === 2 ? 503 : 200}))
    await receiver.start()
    const http = new NsqdHttpClient(nsqd.httpAddress)
    await http.createTopic('posted')
    await http.createChannel('posted', 'web')
    await http.mpub(
      'posted',
      Array.from({length: 10}, (_, i) => Buffer.from(`post ${i}`)),
    )
    const run = start([
      'to-http',
      'posted',
      '--channel',
      'web',
      '--post',
      `${receiver.url}/in`,
      '--requeue-delay',
      '0s',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
      '--metrics-address',
      '127.0.0.1:0',
    ])
    try {
      const address = await metricsAddress(run.child, run.stderr)
      let last: Family[] = []
      await until('10 delivered', async () => {
        last = (await scrape(address)).families
        return sampleValue(last, 'nsq_toolkit_messages_finished_total', {topic: 'posted'}) === 10
      })
      expect(value(last, 'nsq_toolkit_http_delivered_total')).toBe(10)
      expect(value(last, 'nsq_toolkit_http_request_duration_seconds_count', {status: '200'})).toBe(10)
      expect(value(last, 'nsq_toolkit_http_request_duration_seconds_count', {status: '503'})).toBe(1)
      expect(value(last, 'nsq_toolkit_messages_requeued_total', {topic: 'posted'})).toBe(1)
      expect(value(last, 'nsq_toolkit_messages_received_total', {topic: 'posted'})).toBe(11)
      expect(receiver.requests.length).toBe(11)
      const done = collect(run.child)
      run.child.kill('SIGINT')
      expect((await done).code).toBe(0)
    } finally {
      await stopChild(run.child)
      await receiver.stop()
    }
  })

  it('a bad --metrics-address is a usage error (exit 2) before anything is consumed', async () => {
    const run = start(['tail', '--topic', 'never', '--nsqd-tcp-address', nsqd.tcpAddress, '--metrics-address', 'not-a-port'])
    const result = await collect(run.child)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--metrics-address "not-a-port": the port must be a number/)
    expect((await new NsqdHttpClient(nsqd.httpAddress).stats({topic: 'never'})).topics).toEqual([])
  })

  it('prom-client is loaded only with --metrics-address', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-lazy-'))
    dirs.push(dir)
    fs.writeFileSync(
      path.join(dir, 'hooks.mjs'),
      `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (result.url.includes('/prom-client/')) process.stderr.write('PROM ' + result.url + '\\n')
  return result
}
`,
    )
    fs.writeFileSync(
      path.join(dir, 'register.mjs'),
      `import {register} from 'node:module'\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)})\n`,
    )
    const http = new NsqdHttpClient(nsqd.httpAddress)
    await http.mpub('lazy', [Buffer.from('1'), Buffer.from('2')])
    const loads = (extra: string[]): string[] => {
      const result = spawnSync(
        process.execPath,
        [
          '--import',
          pathToFileURL(path.join(dir, 'register.mjs')).href,
          CLI,
          'to-nsq',
          '--topic',
          'lazy',
          '--nsqd-tcp-address',
          nsqd.tcpAddress,
          ...extra,
        ],
        {input: 'one\n', encoding: 'utf8', timeout: 30_000, env: {...process.env, NO_COLOR: '1'}},
      )
      if (result.status !== 0) throw new Error(`to-nsq failed (${result.status ?? result.signal}): ${result.stderr}`)
      return result.stderr.split('\n').filter((l) => l.startsWith('PROM '))
    }
    expect(loads([])).toEqual([])
    expect(loads(['--metrics-address', '127.0.0.1:0']).length).toBeGreaterThan(0)
  })
})
