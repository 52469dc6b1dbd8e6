/**
 * `nsq to-file --s3-bucket …` as a user runs it, against real nsqd and a real S3-compatible
 * server (versitygw) on loopback: published messages end up as objects with the right content,
 * including across an S3 outage (during which to-file stops writing and FIN'ing, so messages
 * wait in nsqd instead of filling the disk), and local files (and the folders they made) are gone
 * once uploaded. An unreachable store is told at start and at exit, with the files left.
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import type {ChildProcess} from 'node:child_process'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {collect, spawnCli} from '../support/cli.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'
import {startS3Server, type S3Server} from '../support/s3.js'
import {until as waitUntil} from '../support/wait.js'

let nsqd: NsqdProcess
let s3: S3Server
const dirs: string[] = []
const children: ChildProcess[] = []
let seq = 0

beforeAll(async () => {
  // A short msg-timeout, so what a kill -9 left in flight comes back within seconds.
  ;[nsqd, s3] = await Promise.all([startNsqd({args: ['--msg-timeout=5s']}), startS3Server()])
})

afterEach(async () => {
  s3.resume()
  for (const child of children.splice(0)) await stopChild(child, 'SIGKILL')
})

afterAll(async () => {
  await Promise.all([nsqd?.stop(), s3?.close()])
  for (const dir of dirs) fs.rmSync(dir, {recursive: true, force: true})
})

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'to-file-s3-e2e-'))
  dirs.push(dir)
  return dir
}

/** The revision ledger to-file keeps (hidden, in the work dir) for a topic when a sink is set: the one file left locally. */
const ledgerOf = (topic: string): string => `.${topic}.rev.json`

/** A key the uploader's never-overwrite rule made (`<name>-<sha16>.log`): a reused file name. */
const CONFLICT_KEY = /-[0-9a-f]{16}\.log(\.gz)?$/

/** Every folder below `dir` (relative paths). */
function foldersIn(dir: string): string[] {
  return fs
    .readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((e) => e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
}

/** stderr of a running child so far, with oclif's line wrapping undone. */
function liveStderr(child: ChildProcess): () => string {
  let text = ''
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
  return () => text
}

/** The UTC dates (`YYYY/MM/DD`) between two moments (a test may run across midnight). */
function utcDays(from: number, to: number): string[] {
  const days = new Set<string>()
  for (let t = from; t <= to + 86_400_000; t += 3_600_000)
    if (t <= to) days.add(new Date(t).toISOString().slice(0, 10).replaceAll('-', '/'))
  days.add(new Date(to).toISOString().slice(0, 10).replaceAll('-', '/'))
  return [...days]
}

/** Every file below `dir` (relative paths). */
function filesIn(dir: string): string[] {
  return fs
    .readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
}

async function publish(topic: string, from: number, count: number): Promise<string[]> {
  const bodies = Array.from({length: count}, (_, i) => `msg-${from + i}-${'p'.repeat((from + i) % 37)}`)
  const client = new NsqdHttpClient(nsqd.httpAddress)
  for (let i = 0; i < bodies.length; i += 500)
    await client.mpub(
      topic,
      bodies.slice(i, i + 500).map((b) => Buffer.from(b)),
    )
  return bodies
}

/** Lines of every object under `prefix`, with each object's metadata checked against its bytes. */
async function archivedLines(prefix: string): Promise<string[]> {
  const lines: string[] = []
  for (const key of await s3.keys(prefix)) {
    const body = await s3.get(key)
    const head = await s3.head(key)
    const objectLines = body.toString('utf8').split('\n').slice(0, -1)
    expect(head.Metadata?.sha256).toBe(createHash('sha256').update(body).digest('hex'))
    expect(Number(head.Metadata?.messages)).toBe(objectLines.length)
    lines.push(...objectLines)
  }
  return lines
}

const until = (what: string, ready: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<number> =>
  waitUntil(what, ready, {timeoutMs, everyMs: 100})

async function channelDepth(topic: string): Promise<number> {
  const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic})
  const channel = stats.topics.find((t) => t.topic_name === topic)?.channels.find((c) => c.channel_name === 'nsq_to_file')
  return channel?.depth ?? 0
}

async function inFlight(topic: string): Promise<number> {
  const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic})
  const channel = stats.topics.find((t) => t.topic_name === topic)?.channels.find((c) => c.channel_name === 'nsq_to_file')
  return channel?.in_flight_count ?? 0
}

/** nsqd holds nothing more for to-file: every message was delivered and FIN'd (synced to disk). */
async function handedOver(topic: string): Promise<boolean> {
  return (await channelDepth(topic)) === 0 && (await inFlight(topic)) === 0
}

function toFile(
  topic: string,
  outputDir: string,
  extra: string[] = [],
  bucket = s3.bucket,
  prefix = 'e2e/<TOPIC>/',
): {child: ChildProcess; result: ReturnType<typeof collect>} {
  const child = spawnCli(
    [
      'to-file',
      '--topic',
      topic,
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
      '--output-dir',
      outputDir,
      '--rotate-size',
      '2000',
      '--sync-interval',
      '200ms',
      '--s3-bucket',
      bucket,
      '--s3-endpoint',
      s3.endpoint,
      '--s3-force-path-style',
      '--s3-prefix',
      prefix,
      '--s3-timeout',
      '2s',
      ...extra,
    ],
    {env: s3.env(), stdin: 'ignore'},
  )
  children.push(child)
  return {child, result: collect(child, {timeoutMs: 240_000})}
}

describe('nsq to-file with S3 upload (real nsqd, versitygw)', () => {
  it('uploads every published message, deletes local files once uploaded, and exits 0 on SIGTERM', async () => {
    const topic = `to_file_s3_${process.pid}_${++seq}`
    const dir = tempDir()
    const {child, result} = toFile(topic, dir)
    const published = await publish(topic, 0, 1000)
    const prefix = `e2e/${topic}/`
    await until(
      'nsqd to hand over every message, and most to be in S3',
      async () => (await handedOver(topic)) && (await archivedLines(prefix)).length >= published.length - 200,
    )
    await stopChild(child, 'SIGTERM', 60_000)
    const {code, stderr} = await result
    expect(code, stderr).toBe(0)
    const lines = await archivedLines(prefix)
    expect(lines.sort()).toEqual([...published].sort())
    for (const key of await s3.keys(prefix))
      expect(key).toMatch(new RegExp(`^${prefix}${topic}\\.[^/]+-\\d{6}\\.\\d{4}-\\d{2}-\\d{2}_\\d{2}\\.log$`))
    expect(filesIn(dir)).toEqual([ledgerOf(topic)])
  })

  it('uploads gzip archives (one member per sync) as application/gzip objects that decompress to every message', async () => {
    const topic = `to_file_s3_${process.pid}_${++seq}`
    const dir = tempDir()
    const prefix = `e2e/${topic}/`
    const {child, result} = toFile(topic, dir, ['--gzip', '--format', 'json'])
    const published = await publish(topic, 0, 800)
    const bodiesIn = async (): Promise<string[]> => {
      const bodies: string[] = []
      for (const key of await s3.keys(prefix)) {
        const object = await s3.get(key)
        const text = zlib.gunzipSync(object).toString('utf8')
        for (const line of text.split('\n').slice(0, -1)) bodies.push((JSON.parse(line) as {body: string}).body)
      }
      return bodies
    }
    await until(
      'nsqd to hand over every message, and most to be in S3',
      async () => (await handedOver(topic)) && (await bodiesIn()).length >= published.length - 200,
    )
    await stopChild(child, 'SIGTERM', 60_000)
    const {code, stderr} = await result
    expect(code, stderr).toBe(0)
    expect((await bodiesIn()).sort(), stderr).toEqual([...published].sort())
    for (const key of await s3.keys(prefix)) {
      expect(key).toMatch(/\.log\.gz$/)
      const head = await s3.head(key)
      expect(head.ContentType).toBe('application/gzip')
      expect(head.Metadata).toMatchObject({gzip: 'true', format: 'json', topic})
      expect(head.Metadata?.sha256).toBe(
        createHash('sha256')
          .update(await s3.get(key))
          .digest('hex'),
      )
    }
    expect(filesIn(dir)).toEqual([ledgerOf(topic)])
  }, 180_000)

  it("loses nothing across an S3 outage, holding messages unFIN'd (so they wait in nsqd) while the spool is full, and drains when S3 returns", async () => {
    const topic = `to_file_s3_${process.pid}_${++seq}`
    const dir = tempDir()
    const prefix = `e2e/${topic}/`
    const {child, result} = toFile(topic, dir, ['--s3-spool-max-files', '3', '--max-in-flight', '50'])
    const first = await publish(topic, 0, 300)
    await until('the first messages in S3', async () => (await archivedLines(prefix)).length >= 200)

    await s3.stop()
    const second = await publish(topic, 300, 3000)
    // ~25 files' worth of messages: with the spool bound of 3 files, to-file stops taking
    // messages instead of writing them all to disk, so they wait in nsqd.
    await until('the channel to back up in nsqd', async () => (await channelDepth(topic)) > 1000, 60_000)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const local = filesIn(dir).filter((f) => f.endsWith('.log'))
    expect(local.length).toBeLessThanOrEqual(6)
    expect(await channelDepth(topic)).toBeGreaterThan(1000)

    await s3.start()
    const published = [...first, ...second]
    await until(
      'nsqd to hand over every message, and most to be in S3',
      async () => (await handedOver(topic)) && (await archivedLines(prefix)).length >= published.length - 200,
      120_000,
    )
    await stopChild(child, 'SIGTERM', 60_000)
    const {code, stderr} = await result
    expect(code, stderr).toBe(0)
    expect(stderr).toMatch(/s3: .*retrying/)
    expect((await archivedLines(prefix)).sort()).toEqual(published.sort())
    expect(filesIn(dir)).toEqual([ledgerOf(topic)])
  }, 180_000)

  it('exits 2 at start with a hint when the bucket does not exist', async () => {
    const dir = tempDir()
    const {result} = toFile(`to_file_s3_${process.pid}_${++seq}`, dir, [], 'no-such-bucket')
    const {code, stderr} = await result
    expect(code).toBe(2)
    expect(stderr).toMatch(/bucket "no-such-bucket" does not exist/)
  })

  it('a restart within the hour continues above the revisions already uploaded: no name reused, no conflict key, every message once', async () => {
    const topic = `to_file_s3_${process.pid}_${++seq}`
    const dir = tempDir()
    const prefix = `e2e/${topic}/`
    const published: string[] = []
    const keysOfRun: string[][] = []
    for (let run = 0; run < 2; run++) {
      const {child, result} = toFile(topic, dir)
      published.push(...(await publish(topic, run * 400, 400)))
      await until(
        'nsqd to hand over every message, and most to be in S3',
        async () => (await handedOver(topic)) && (await archivedLines(prefix)).length >= published.length - 200,
      )
      await stopChild(child, 'SIGTERM', 60_000)
      const {code, stderr} = await result
      expect(code, stderr).toBe(0)
      // Everything is uploaded at exit (the drain), so the files are gone locally before the restart.
      expect(filesIn(dir), stderr).toEqual([ledgerOf(topic)])
      const before = new Set(keysOfRun.flat())
      keysOfRun.push((await s3.keys(prefix)).filter((key) => !before.has(key)))
    }
    const keys = keysOfRun.flat()
    expect(keys.filter((key) => CONFLICT_KEY.test(key))).toEqual([])
    // Plain, rotate-size 2000: each run wrote several files; the second run's names (same hour
    // unless the hour turned between the runs) are new ones, not the first run's revisions again.
    const revOf = (key: string): {dated: string; rev: number} => {
      const match = /^(.*)-(\d{6})(\..*)$/.exec(key.slice(prefix.length))
      expect(match, key).not.toBeNull()
      return {dated: `${match?.[1]}<REV>${match?.[3]}`, rev: Number(match?.[2])}
    }
    const first = keysOfRun[0]?.map(revOf) ?? []
    const second = keysOfRun[1]?.map(revOf) ?? []
    expect(first.length).toBeGreaterThan(1)
    expect(second.length).toBeGreaterThan(1)
    for (const later of second) {
      const earlier = first.filter((f) => f.dated === later.dated).map((f) => f.rev)
      if (earlier.length > 0) expect(later.rev).toBeGreaterThan(Math.max(...earlier))
    }
    // SIGTERM drains: every message exactly once.
    expect((await archivedLines(prefix)).sort()).toEqual([...published].sort())
  }, 180_000)

  it('exits 2 at start, before any S3 call, when --filename-format has no <REV> (names must never be reused)', async () => {
    const dir = tempDir()
    const child = spawnCli(
      [
        'to-file',
        '--topic',
        't',
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
        '--output-dir',
        dir,
        '--filename-format',
        '<TOPIC>.<DATETIME>.log',
        '--s3-bucket',
        s3.bucket,
        '--s3-endpoint',
        'http://127.0.0.1:9',
        '--s3-force-path-style',
      ],
      {env: s3.env(), stdin: 'ignore'},
    )
    children.push(child)
    const {code, stderr} = await collect(child, {timeoutMs: 60_000})
    expect(code).toBe(2)
    expect(stderr).toContain('missing <REV> in --filename-format when --s3-bucket is set')
    expect(filesIn(dir)).toEqual([])
  })

  it('uploads after a restart what a kill -9 left pending', async () => {
    const topic = `to_file_s3_${process.pid}_${++seq}`
    const dir = tempDir()
    const prefix = `e2e/${topic}/`
    await s3.stop()
    const {child: first} = toFile(topic, dir)
    const published = await publish(topic, 0, 600)
    await until(
      'finished files waiting locally',
      () => filesIn(dir).filter((f) => path.basename(f).startsWith('.') && f.endsWith('.manifest.json')).length >= 2,
    )
    await stopChild(first, 'SIGKILL')
    await s3.start()
    const {child: second, result} = toFile(topic, dir)
    // What was in flight at the kill comes back after nsqd's msg-timeout; once nsqd holds nothing
    // more for the channel, the rest is in to-file's open file, which is finished when it stops.
    await until(
      'nsqd to hand over every message, and most to be in S3',
      async () => (await handedOver(topic)) && new Set(await archivedLines(prefix)).size >= published.length - 200,
      120_000,
    )
    await stopChild(second, 'SIGTERM', 60_000)
    const {code, stderr} = await result
    expect(code, stderr).toBe(0)
    const lines = await archivedLines(prefix)
    // At-least-once: what was not FIN'd at the kill comes again; nothing is missing.
    expect(new Set(lines)).toEqual(new Set(published))
    // Every object is under the topic's prefix, including a file repaired at start (which comes
    // without its topic); the restarted run continued above the revisions of the first (its
    // ledger), so no name was reused and no object needed a -<sha16> conflict key.
    for (const key of await s3.keys(prefix)) expect(key).toMatch(new RegExp(`^${prefix}${topic}\\.`))
    expect((await s3.keys(prefix)).filter((key) => CONFLICT_KEY.test(key))).toEqual([])
    expect(await s3.keys(`e2e//`)).toEqual([])
    expect(filesIn(dir)).toEqual([ledgerOf(topic)])
  }, 180_000)

  it('date folders in the bucket with --s3-datetime-format, file names as nsq_to_file names them', async () => {
    const topic = `to_file_s3_${process.pid}_${++seq}`
    const dir = tempDir()
    const started = Date.now()
    // The README's example: dated folders in the bucket; --datetime-format (the file names) untouched.
    const {child, result} = toFile(topic, dir, ['--gzip', '--s3-datetime-format', '%Y/%m/%d'], s3.bucket, 'nsq/<TOPIC>/<DATETIME>/')
    const published = await publish(topic, 0, 300)
    const prefix = `nsq/${topic}/`
    const gunzipped = async (): Promise<string[]> => {
      const lines: string[] = []
      for (const key of await s3.keys(prefix))
        lines.push(
          ...zlib
            .gunzipSync(await s3.get(key))
            .toString('utf8')
            .split('\n')
            .slice(0, -1),
        )
      return lines
    }
    await until(
      'nsqd to hand over every message, and most to be in S3',
      async () => (await handedOver(topic)) && (await gunzipped()).length >= 100,
    )
    await stopChild(child, 'SIGTERM', 60_000)
    const {code, stderr} = await result
    expect(code, stderr).toBe(0)
    const keys = await s3.keys(prefix)
    expect(keys.length).toBeGreaterThan(1)
    const days = utcDays(started, Date.now())
      .map((d) => d.replaceAll('/', '\\/'))
      .join('|')
    // nsq/<topic>/2026/12/01/<topic>.<host>-000000.2026-12-01_23.log.gz: one date in the key, the usual name after it.
    for (const key of keys)
      expect(key).toMatch(new RegExp(`^${prefix}(${days})/${topic}\\.[^/]+-\\d{6}\\.\\d{4}-\\d{2}-\\d{2}_\\d{2}\\.log\\.gz$`))
    const lines: string[] = []
    for (const key of keys)
      lines.push(
        ...zlib
          .gunzipSync(await s3.get(key))
          .toString('utf8')
          .split('\n')
          .slice(0, -1),
      )
    expect(lines.sort()).toEqual([...published].sort())
    expect(filesIn(dir)).toEqual([ledgerOf(topic)])
    expect(foldersIn(dir)).toEqual([])
  }, 120_000)

  it('a --datetime-format with folders (nsq_to_file style): the folders emptied by uploads are removed, the output dir kept', async () => {
    const topic = `to_file_s3_${process.pid}_${++seq}`
    const dir = tempDir()
    const {child, result} = toFile(topic, dir, ['--datetime-format', '%Y/%m/%d'], s3.bucket, 'nsq/<TOPIC>/')
    const published = await publish(topic, 0, 300)
    const prefix = `nsq/${topic}/`
    await until(
      'nsqd to hand over every message, and most to be in S3',
      async () => (await handedOver(topic)) && (await archivedLines(prefix)).length >= 100,
    )
    await stopChild(child, 'SIGTERM', 60_000)
    const {code, stderr} = await result
    expect(code, stderr).toBe(0)
    // Local names are <topic>.<host>-000000.2026/12/01.log: two folder levels, mirrored in the key.
    const keys = await s3.keys(prefix)
    for (const key of keys) expect(key).toMatch(new RegExp(`^${prefix}${topic}\\.[^/]+-\\d{6}\\.\\d{4}/\\d{2}/\\d{2}\\.log$`))
    expect((await archivedLines(prefix)).sort()).toEqual([...published].sort())
    expect(filesIn(dir)).toEqual([ledgerOf(topic)])
    expect(foldersIn(dir)).toEqual([])
    expect(fs.existsSync(dir)).toBe(true)
  }, 120_000)

  it('an unreachable store: said at start and while waiting at exit; exit 69 with the files left, which the next start uploads', async () => {
    const topic = `to_file_s3_${process.pid}_${++seq}`
    const dir = tempDir()
    const prefix = `e2e/${topic}/`
    await s3.stop()
    const {child, result} = toFile(topic, dir, ['--s3-drain-timeout', '2s'])
    const stderrSoFar = liveStderr(child)
    await until('the unreachable store to be reported', () => stderrSoFar().includes('s3: the store is unreachable'), 30_000)
    const published = await publish(topic, 0, 300)
    await until(
      'nsqd to hand over every message, and files to wait locally',
      async () => (await handedOver(topic)) && filesIn(dir).some((f) => f.endsWith('.manifest.json')),
    )
    child.kill('SIGINT')
    const {code, stderr} = await result
    const message = stderr.replaceAll(/\s*\n ›\s*/g, ' ')
    expect(code, stderr).toBe(69)
    const left = filesIn(dir).filter((f) => f.endsWith('.log') && !path.basename(f).startsWith('.'))
    expect(left.length).toBeGreaterThan(1)
    const files = `${left.length} files`
    expect(message).toContain(`s3: the store is unreachable (${s3.endpoint}: `)
    expect(message).toMatch(new RegExp(`s3: uploading ${files} \\(.+\\) before exit, for up to 2s; the last attempt failed: `))
    expect(message).toMatch(new RegExp(`s3: ${files} \\(.+\\) left in ${dir} to upload on the next start \\(the store is failing: `))
    expect(await channelDepth(topic)).toBe(0)

    await s3.start()
    const again = toFile(topic, dir)
    await until('the files left to be uploaded', async () => (await archivedLines(prefix)).length === published.length)
    await stopChild(again.child, 'SIGTERM', 60_000)
    const second = await again.result
    expect(second.code, second.stderr).toBe(0)
    expect((await archivedLines(prefix)).sort()).toEqual([...published].sort())
    expect(filesIn(dir)).toEqual([ledgerOf(topic)])
  }, 180_000)
})
