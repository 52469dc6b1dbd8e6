/**
 * `nsq replay` end to end, as a user runs it, against real nsqd v1.3.0, the official nsq_to_file
 * and versitygw: archives written by `nsq to-file` (local and S3) and by nsq_to_file (with a torn
 * gzip tail) go back into topics; a time range reads only the files it overlaps; a kill -9 with
 * --checkpoint resumes with at most one in-flight window sent twice.
 */
import {createHash, randomBytes} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient, Producer} from '../../src/core/index.js'
import {decodeEnvelope, encodeEnvelope} from '../../src/tools/envelope.js'
import type {JsonOf} from '../../src/cli/json-case.js'
import type {ReplaySummary} from '../../src/tools/replay/summary.js'
import {collect, runCli, spawnCli} from '../support/cli.js'
import {nsqBin, startNsqd, type NsqdProcess} from '../support/nsq.js'
import {multiset, splitLines} from '../support/official.js'
import {spawnTracked, stopChild} from '../support/processes.js'
import {readBack} from '../support/read-back.js'
import {startS3Server, type S3Server} from '../support/s3.js'
import {channelState, tempDirs, waitFor} from './to-file-support.js'

let seq = 0
const topic = (what: string): string => `replay_${what}_${process.pid}_${++seq}`
const dirs = tempDirs('replay-e2e-')

let nsqd: NsqdProcess
let s3: S3Server

beforeAll(async () => {
  ;[nsqd, s3] = await Promise.all([startNsqd({args: ['--mem-queue-size=1000000']}), startS3Server()])
})
afterAll(async () => {
  await Promise.all([nsqd?.stop(), s3?.close()])
  dirs.cleanup()
})

/** `count` binary bodies of 1–300 random bytes (newlines, NUL and invalid UTF-8 included), every one distinct. */
function binaryBodies(count: number): Buffer[] {
  return Array.from({length: count}, (_, i) => Buffer.concat([Buffer.from(`${i}:`), randomBytes(1 + (i % 300))]))
}

async function publishAll(name: string, bodies: readonly Buffer[]): Promise<void> {
  const producer = new Producer({nsqd: [nsqd.tcpAddress]})
  await producer.connect()
  for (let i = 0; i < bodies.length; i += 1000) await producer.multiPublish(name, bodies.slice(i, i + 1000))
  await producer.close()
}

async function messageCount(name: string): Promise<number> {
  const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic: name})
  return stats.topics.find((t) => t.topic_name === name)?.message_count ?? 0
}

/** Runs `nsq to-file` on a channel until it has archived everything queued, then stops it (SIGTERM: files finished). */
async function archive(name: string, channel: string, extra: string[], env: Record<string, string> = {}): Promise<void> {
  const child = spawnCli(
    ['to-file', '--topic', name, '--channel', channel, '--nsqd-tcp-address', nsqd.tcpAddress, '--sync-interval', '200ms', ...extra],
    {stdin: 'ignore', env},
  )
  const done = collect(child, {timeoutMs: 180_000})
  await waitFor(
    `to-file ${channel} to drain`,
    async () => {
      const state = await channelState(nsqd.httpAddress, name, channel)
      return state.clients > 0 && state.depth === 0 && state.inFlight === 0 && state.received > 0
    },
    120_000,
  )
  child.kill('SIGTERM')
  const result = await done
  expect(result.stderr).not.toMatch(/Error/)
  expect(result.code).toBe(0)
}

/** What `nsq tail --format json` prints for `count` messages, as body bytes. */
async function tailBodies(name: string, count: number): Promise<Buffer[]> {
  const result = await runCli(
    ['tail', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--channel', 'check', '--format', 'json', '-n', String(count)],
    {
      timeoutMs: 120_000,
    },
  )
  expect(result.code).toBe(0)
  return splitLines(result.stdout).map((line) => decodeEnvelope(line.toString('utf8')).body)
}

function summaryOf(stdout: Buffer): JsonOf<ReplaySummary> {
  return JSON.parse(stdout.toString('utf8')) as JsonOf<ReplaySummary>
}

describe('nsq replay (real nsqd, official nsq_to_file, versitygw)', () => {
  const ROUND_TRIP = 50_000
  let source: string
  let bodies: Buffer[]

  beforeAll(async () => {
    source = topic('source')
    bodies = binaryBodies(ROUND_TRIP)
    const http = new NsqdHttpClient(nsqd.httpAddress)
    await http.createTopic(source)
    // Two archivers on two channels: both get every message.
    await http.createChannel(source, 'local')
    await http.createChannel(source, 's3')
    await publishAll(source, bodies)
  }, 120_000)

  it('round trip: 50,000 binary bodies → to-file --format json --gzip (rotated) → replay → tail --format json, byte for byte', async () => {
    const out = dirs.make()
    await archive(source, 'local', ['--output-dir', out, '--format', 'json', '--gzip', '--rotate-size', '2MB'])
    const files = fs.readdirSync(out).filter((f) => !f.startsWith('.'))
    expect(files.length).toBeGreaterThanOrEqual(3)
    const target = topic('roundtrip')
    const result = await runCli(['replay', target, out, '--nsqd-tcp-address', nsqd.tcpAddress, '--verify', '--json'], {timeoutMs: 180_000})
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const summary = summaryOf(result.stdout)
    expect(summary).toMatchObject({topic: target, published: ROUND_TRIP, failed: 0, stopped_by: 'eof'})
    expect(summary.files).toMatchObject({found: files.length, selected: files.length, read: files.length, bad: [], torn: []})
    expect(await messageCount(target)).toBe(ROUND_TRIP)
    expect(multiset(await tailBodies(target, ROUND_TRIP))).toEqual(multiset(bodies))
  }, 400_000)

  it('the same through S3: to-file uploads to versitygw, replay lists the bucket and publishes every body', async () => {
    const out = dirs.make()
    const prefix = `replay-e2e/${source}/`
    await archive(
      source,
      's3',
      [
        '--output-dir',
        out,
        '--format',
        'json',
        '--gzip',
        '--rotate-size',
        '2MB',
        '--s3-bucket',
        s3.bucket,
        '--s3-endpoint',
        s3.endpoint,
        '--s3-force-path-style',
        '--s3-prefix',
        prefix,
      ],
      s3.env(),
    )
    await waitFor('every upload', () => fs.readdirSync(out).filter((f) => !f.startsWith('.')).length === 0, 60_000)
    const keys = await s3.keys(prefix)
    expect(keys.length).toBeGreaterThanOrEqual(3)
    const target = topic('s3')
    const result = await runCli(
      [
        'replay',
        target,
        '--s3-bucket',
        s3.bucket,
        '--s3-prefix',
        prefix,
        '--s3-endpoint',
        s3.endpoint,
        '--s3-force-path-style',
        '--verify',
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
        '--json',
      ],
      {timeoutMs: 180_000, env: s3.env()},
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const summary = summaryOf(result.stdout)
    expect(summary.files).toMatchObject({found: keys.length, read: keys.length, bad: []})
    expect(summary.published).toBe(ROUND_TRIP)
    expect(multiset(await tailBodies(target, ROUND_TRIP))).toEqual(multiset(bodies))
  }, 400_000)
})

describe('an archive of the official nsq_to_file --gzip with a truncated last member', () => {
  it('replays every whole record and reports the tear', async () => {
    const name = topic('official')
    const out = dirs.make()
    const http = new NsqdHttpClient(nsqd.httpAddress)
    await http.createTopic(name)
    await http.createChannel(name, 'nsq_to_file')
    const child = spawnTracked(nsqBin('nsq_to_file'), [
      `--nsqd-tcp-address=${nsqd.tcpAddress}`,
      `--topic=${name}`,
      `--output-dir=${out}`,
      '--gzip',
      '--sync-interval=300ms',
    ])
    const batches = [0, 1, 2].map((b) => Array.from({length: 3000}, (_, i) => Buffer.from(`batch${b}-${i}-${'q'.repeat(i % 50)}`)))
    for (const batch of batches) {
      await http.mpub(name, batch)
      await waitFor(
        'nsq_to_file to sync',
        async () =>
          (await channelState(nsqd.httpAddress, name, 'nsq_to_file')).inFlight === 0 &&
          (await channelState(nsqd.httpAddress, name, 'nsq_to_file')).depth === 0,
      )
      await new Promise((resolve) => setTimeout(resolve, 700))
    }
    await stopChild(child, 'SIGTERM')
    const [file] = fs.readdirSync(out)
    expect(file).toMatch(/\.gz$/)
    const full = path.join(out, file as string)
    const whole = fs.readFileSync(full)
    // Independent check of what is there: several members, all of the 9,000 records.
    expect(splitLines(zlib.gunzipSync(whole)).length).toBe(9000)
    const cut = whole.subarray(0, whole.length - 200)
    fs.writeFileSync(full, cut)
    // What a lenient decoder recovers from the cut file: the whole lines are the records to expect.
    const recovered = zlib.gunzipSync(cut, {finishFlush: zlib.constants.Z_SYNC_FLUSH})
    const lastNewline = recovered.lastIndexOf(0x0a)
    const expected = splitLines(recovered.subarray(0, lastNewline + 1))
    expect(expected.length).toBeGreaterThanOrEqual(6000)
    expect(expected.length).toBeLessThan(9000)

    const target = topic('official_replay')
    const errors = path.join(dirs.make(), 'errors.ndjson')
    const result = await runCli(['replay', target, full, '--nsqd-tcp-address', nsqd.tcpAddress, '--errors', errors, '--json'], {
      timeoutMs: 60_000,
    })
    const summary = summaryOf(result.stdout)
    expect(result.stderr).toMatch(/gzip torn after/)
    expect(summary.files.torn).toHaveLength(1)
    expect(summary.files.torn[0]?.file).toBe(full)
    expect(summary.published).toBe(expected.length)
    const cutLine = recovered.subarray(lastNewline + 1)
    if (cutLine.length > 0) {
      expect(result.code).toBe(3)
      expect(summary.failures.incomplete).toBe(1)
      const [line] = fs.readFileSync(errors, 'utf8').split('\n')
      expect(JSON.parse(line as string)).toMatchObject({file: full, reason: 'incomplete', body: cutLine.toString('utf8')})
    } else expect(result.code).toBe(0)
    expect(multiset(await readBack(nsqd.tcpAddress, target, 'check', expected.length, 30_000))).toEqual(multiset(expected))
  }, 120_000)
})

/** An hourly archive made with past timestamps: envelopes with timestamps inside each file's hour, a manifest beside most. */
function writeHourlyArchive(
  dir: string,
  startMs: number,
  hours: number,
  perHour: number,
): {timestamps: number[]; bodies: Buffer[]; files: string[]} {
  const timestamps: number[] = []
  const bodies: Buffer[] = []
  const files: string[] = []
  for (let h = 0; h < hours; h++) {
    const hourStart = startMs + h * 3_600_000
    const stamp = new Date(hourStart).toISOString().slice(0, 13).replace('T', '_')
    const name = `past.host-${String(h).padStart(6, '0')}.${stamp}.log.gz`
    const lines: string[] = []
    for (let i = 0; i < perHour; i++) {
      const ts = hourStart + Math.floor((i * 3_600_000) / perHour)
      const body = Buffer.from(`h${h}-${i}`)
      timestamps.push(ts)
      bodies.push(body)
      lines.push(
        encodeEnvelope({
          topic: 'past',
          channel: 'c',
          id: i.toString(16).padStart(16, '0'),
          timestamp: ts,
          attempts: 1,
          nsqd: 'x:4150',
          body,
        }),
      )
    }
    const data = zlib.gzipSync(Buffer.from(`${lines.join('\n')}\n`))
    const file = path.join(dir, name)
    fs.writeFileSync(file, data)
    files.push(file)
    // Every other file has no manifest: its name's datetime decides.
    if (h % 2 === 0) {
      const manifest = {
        messages: perHour,
        bytes: data.length,
        firstTimestamp: new Date(hourStart).toISOString().replace('Z', '000000Z'),
        lastTimestamp: new Date(timestamps.at(-1) as number).toISOString().replace('Z', '000000Z'),
        sha256: createHash('sha256').update(data).digest('hex'),
        format: 'json',
        gzip: true,
        topic: 'past',
      }
      fs.writeFileSync(path.join(dir, `.${name}.manifest.json`), JSON.stringify(manifest))
    }
  }
  return {timestamps, bodies, files}
}

describe('a time range over a multi-hour archive', () => {
  it('reads only the files that overlap it and publishes exactly the records in range', async () => {
    const dir = dirs.make()
    const start = Date.UTC(2023, 0, 10, 0, 0, 0)
    const {timestamps, bodies, files} = writeHourlyArchive(dir, start, 8, 2000)
    const since = start + 2.5 * 3_600_000
    const until = start + 5.25 * 3_600_000
    const expected = bodies.filter((_, i) => (timestamps[i] as number) >= since && (timestamps[i] as number) < until)
    const target = topic('range')
    const args = [
      'replay',
      target,
      path.join(dir, '*.gz'),
      '--since',
      new Date(since).toISOString(),
      '--until',
      new Date(until).toISOString(),
      '--datetime-utc',
    ]
    const dry = await runCli([...args, '--dry-run', '--json'])
    expect(dry.code).toBe(0)
    expect(summaryOf(dry.stdout)).toMatchObject({dry_run: true, accepted: expected.length, published: 0})
    expect(await messageCount(target)).toBe(0)

    const result = await runCli([...args, '--nsqd-tcp-address', nsqd.tcpAddress, '--json'])
    expect(result.code).toBe(0)
    const summary = summaryOf(result.stdout)
    // Hours 2, 3, 4 and 5 overlap [02:30, 05:15); the other four files are not read at all.
    const overlapping = files.slice(2, 6)
    expect(summary.files).toMatchObject({found: 8, selected: 4, skipped: 4, read: 4})
    expect(summary.bytes.read).toBe(overlapping.reduce((sum, f) => sum + fs.statSync(f).size, 0))
    expect(summary.records).toBe(4 * 2000)
    expect(summary.published).toBe(expected.length)
    expect(summary.out_of_range).toBe(4 * 2000 - expected.length)
    const read = await readBack(nsqd.tcpAddress, target, 'check', expected.length, 30_000)
    expect(multiset(read)).toEqual(multiset(expected))
    // Nothing beyond them.
    expect(await messageCount(target)).toBe(expected.length)
  }, 120_000)
})

describe('kill -9 during a replay with --checkpoint', () => {
  it('the same command continues: every record in the topic, duplicates at most the printed window', async () => {
    const dir = dirs.make()
    const TOTAL = 200_000
    const lines = Array.from({length: TOTAL}, (_, i) => `rec-${i}-${'k'.repeat(i % 60)}`)
    for (let f = 0; f < 4; f++) {
      const part = lines.slice(f * 50_000, (f + 1) * 50_000)
      fs.writeFileSync(path.join(dir, `part-${f}.log`), `${part.join('\n')}\n`)
    }
    const checkpoint = path.join(dirs.make(), 'replay.ckpt')
    const target = topic('crash')
    const args = ['replay', target, dir, '--nsqd-tcp-address', nsqd.tcpAddress, '--checkpoint', checkpoint, '--rate', '40000']
    const first = spawnCli(args, {stdin: 'ignore'})
    const firstDone = collect(first, {timeoutMs: 120_000})
    await waitFor('part of the replay', async () => (await messageCount(target)) >= 70_000, 60_000, 20)
    first.kill('SIGKILL')
    const killed = await firstDone
    expect(killed.signal).toBe('SIGKILL')
    const before = await messageCount(target)
    expect(before).toBeLessThan(TOTAL)
    expect(fs.existsSync(checkpoint)).toBe(true)

    const second = await runCli([...args.filter((a, i) => a !== '--rate' && args[i - 1] !== '--rate'), '--json'], {timeoutMs: 120_000})
    expect(second.code).toBe(0)
    const summary = summaryOf(second.stdout)
    expect(summary.checkpoint).toMatchObject({path: checkpoint, resumed: true})
    const window = summary.checkpoint?.max_duplicates ?? 0
    expect(window).toBe(16 * 200)
    expect(summary.resumed_records).toBeGreaterThan(0)
    const duplicates = before + summary.published - TOTAL
    process.stderr.write(
      `kill -9 after ${before} messages; resumed past ${summary.resumed_records} records; ${duplicates} duplicates (window ${window})\n`,
    )
    expect(duplicates).toBeGreaterThanOrEqual(0)
    expect(duplicates).toBeLessThanOrEqual(window)
    const read = await readBack(nsqd.tcpAddress, target, 'check', undefined, 3000)
    expect(read.length).toBe(TOTAL + duplicates)
    expect(new Set(read.map((b) => b.toString()))).toEqual(new Set(lines))

    // Run a third time: everything is done, nothing is sent.
    const third = await runCli([...args, '--json'], {timeoutMs: 60_000})
    expect(summaryOf(third.stdout)).toMatchObject({published: 0, files: {resumed: 4, read: 0}})
  }, 240_000)
})

describe('usage', () => {
  it('stdin (-) works, and bad arguments are usage errors', async () => {
    const target = topic('stdin')
    const input = zlib.gzipSync(Buffer.from('one\ntwo\nthree'))
    const result = await runCli(['replay', target, '-', '--nsqd-tcp-address', nsqd.tcpAddress], {input})
    expect(result.code).toBe(0)
    expect((await readBack(nsqd.tcpAddress, target, 'check', 3, 10_000)).map(String)).toEqual(['one', 'two', 'three'])
    const missing = await runCli(['replay', target, path.join(os.tmpdir(), 'no-such-archive-here'), '--nsqd-tcp-address', nsqd.tcpAddress])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/no such file or folder/)
    const badTime = await runCli(['replay', target, '-', '--since', 'last tuesday', '--dry-run'], {input: 'x\n'})
    expect(badTime.code).toBe(2)
    expect(badTime.stderr).toMatch(/--since/)
  }, 60_000)
})
