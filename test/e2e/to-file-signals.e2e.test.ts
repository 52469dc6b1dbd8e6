/**
 * `nsq to-file` as a user runs it: SIGTERM drains (exit 0, nothing lost, nothing duplicated,
 * including a stop in the middle of a backlog); SIGHUP rotates; --format json writes replayable
 * envelopes with a manifest; --json prints the summary; usage errors exit 2.
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {decodeEnvelope} from '../../src/tools/envelope.js'
import {collect, runCli, spawnCli} from '../support/cli.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'
import {archiveContent, archiveLines, archiveNames, bodies, channelState, counts, publish, tempDirs, waitFor} from './to-file-support.js'

let nsqd: NsqdProcess
const dirs = tempDirs('to-file-signals-')

beforeAll(async () => {
  nsqd = await startNsqd()
})

afterAll(async () => {
  await nsqd?.stop()
  dirs.cleanup()
})

/** oclif wraps long error lines (with a ' ›' margin); join them back. */
const flat = (text: string): string => text.replace(/\s*\n\s*›?\s*/g, ' ')

async function prepare(topic: string): Promise<void> {
  const http = new NsqdHttpClient(nsqd.httpAddress)
  await http.createTopic(topic)
  await http.createChannel(topic, 'nsq_to_file')
}

/** The channel got `total` messages (a publish reaches channels asynchronously) and all were FIN'd. */
const drained = (topic: string, total: number) => async (): Promise<boolean> => {
  const state = await channelState(nsqd.httpAddress, topic, 'nsq_to_file')
  return state.received >= total && state.depth === 0 && state.inFlight === 0
}

describe('to-file signals and output', () => {
  it('SIGTERM in the middle of a backlog drains: exit 0, then a restart finishes; 0 lost, 0 duplicated', async () => {
    const topic = 'sigterm'
    await prepare(topic)
    const published = bodies('t', 0, 60_000)
    await publish(nsqd.httpAddress, topic, published)
    const out = dirs.make()
    const args = ['to-file', topic, '--nsqd-tcp-address', nsqd.tcpAddress, '--output-dir', out, '--rotate-size', '200000', '--json']
    const first = spawnCli(args, {stdin: 'ignore'})
    const firstDone = collect(first, {timeoutMs: 60_000})
    await waitFor('some messages archived', () => archiveLines(out).length > 0 || fs.readdirSync(out).length > 1, 30_000, 20)
    await stopChild(first, 'SIGTERM', 30_000)
    const firstResult = await firstDone
    expect(firstResult.code, firstResult.stderr).toBe(0)
    const summary = JSON.parse(firstResult.stdout.toString()) as {messages: number; files_finished: number}
    const afterFirst = archiveLines(out)
    expect(summary.messages).toBe(afterFirst.length)
    expect(afterFirst.length).toBeLessThan(published.length) // really stopped mid-backlog
    // Nothing it took is still in flight: what it did not archive went back to nsqd.
    const state = await channelState(nsqd.httpAddress, topic, 'nsq_to_file')
    expect(state.inFlight).toBe(0)
    expect(state.depth).toBe(published.length - afterFirst.length)

    const second = spawnCli(args, {stdin: 'ignore'})
    const secondDone = collect(second, {timeoutMs: 60_000})
    await waitFor('the rest archived', drained(topic, published.length), 60_000, 100)
    await stopChild(second, 'SIGTERM', 30_000)
    expect((await secondDone).code).toBe(0)
    const lines = archiveLines(out)
    const repeated = [...counts(lines)].filter(([, n]) => n > 1)
    expect(repeated).toEqual([])
    expect(lines.sort()).toEqual([...published].sort())
    // Hidden in the output dir: only each file's manifest (no sidecar left).
    expect(
      fs
        .readdirSync(out)
        .filter((n) => n.startsWith('.'))
        .sort(),
    ).toEqual(
      archiveNames(out)
        .map((n) => `.${n}.manifest.json`)
        .sort(),
    )
    // The restart appended to the last file (plain files open O_APPEND, as nsq_to_file's): its
    // manifest was rewritten for the whole file.
    for (const name of archiveNames(out)) {
      const data = fs.readFileSync(path.join(out, name))
      const manifest = JSON.parse(fs.readFileSync(path.join(out, `.${name}.manifest.json`), 'utf8')) as {
        messages: number
        bytes: number
        sha256: string
      }
      expect(manifest, name).toMatchObject({
        messages: data.toString().split('\n').length - 1,
        bytes: data.length,
        sha256: createHash('sha256').update(data).digest('hex'),
      })
    }
  }, 120_000)

  it('SIGHUP closes the current file; the next messages go to the next revision', async () => {
    const topic = 'sighup'
    await prepare(topic)
    const out = dirs.make()
    const work = dirs.make()
    const child = spawnCli(
      [
        'to-file',
        '--topic',
        topic,
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
        '--output-dir',
        out,
        '--work-dir',
        work,
        '--gzip',
        '--host-identifier',
        'h',
      ],
      {stdin: 'ignore'},
    )
    const done = collect(child, {timeoutMs: 60_000})
    try {
      await waitFor('subscribed', async () => (await channelState(nsqd.httpAddress, topic, 'nsq_to_file')).clients > 0, 30_000)
      await publish(nsqd.httpAddress, topic, bodies('a', 0, 100))
      await waitFor('first batch synced', drained(topic, 100), 30_000)
      expect(archiveNames(out)).toEqual([]) // still in progress, in the work dir
      process.kill(child.pid as number, 'SIGHUP')
      await waitFor('first file finished', () => archiveNames(out).length === 1, 30_000)
      await publish(nsqd.httpAddress, topic, bodies('b', 0, 100))
      await waitFor('second batch synced', drained(topic, 200), 30_000)
      await stopChild(child, 'SIGTERM', 30_000)
    } finally {
      await stopChild(child, 'SIGKILL')
    }
    expect((await done).code).toBe(0)
    const names = archiveNames(out)
    expect(names).toHaveLength(2)
    expect(names[0]).toMatch(/^sighup\.h-000000\..*\.log\.gz$/)
    expect(names[1]).toMatch(/^sighup\.h-000001\..*\.log\.gz$/)
    expect(archiveContent(path.join(out, names[0] as string)).toString()).toBe(`${bodies('a', 0, 100).join('\n')}\n`)
    expect(archiveContent(path.join(out, names[1] as string)).toString()).toBe(`${bodies('b', 0, 100).join('\n')}\n`)
    expect(fs.readdirSync(work)).toEqual([])
  }, 90_000)

  it('--format json writes tail envelopes; the manifest describes the file', async () => {
    const topic = 'jsonfmt'
    await prepare(topic)
    const out = dirs.make()
    const sent = [...bodies('j', 0, 50), 'with "quotes" and ünïcödé']
    const before = Date.now()
    await publish(nsqd.httpAddress, topic, sent)
    await new NsqdHttpClient(nsqd.httpAddress).pub(topic, Buffer.from([0xff, 0x00, 0x0a, 0x01]))
    const child = spawnCli(['to-file', topic, '--nsqd-tcp-address', nsqd.tcpAddress, '--output-dir', out, '--format', 'json', '--gzip'], {
      stdin: 'ignore',
    })
    const done = collect(child, {timeoutMs: 60_000})
    await waitFor('archived', drained(topic, sent.length + 1), 30_000)
    await stopChild(child, 'SIGTERM', 30_000)
    expect((await done).code).toBe(0)
    const [name] = archiveNames(out)
    const file = path.join(out, name as string)
    const envelopes = archiveContent(file)
      .toString()
      .trimEnd()
      .split('\n')
      .map((line) => decodeEnvelope(line))
    expect(envelopes.map((e) => e.body.toString('latin1'))).toEqual([
      ...sent.map((s) => Buffer.from(s).toString('latin1')),
      Buffer.from([0xff, 0x00, 0x0a, 0x01]).toString('latin1'),
    ])
    expect(envelopes.every((e) => e.topic === topic && e.channel === 'nsq_to_file' && e.id?.length === 16 && e.attempts === 1)).toBe(true)
    const manifest = JSON.parse(fs.readFileSync(path.join(path.dirname(file), `.${path.basename(file)}.manifest.json`), 'utf8')) as {
      messages: number
      firstTimestamp: string
      lastTimestamp: string
      format: string
      gzip: boolean
    }
    expect(manifest).toMatchObject({messages: sent.length + 1, format: 'json', gzip: true})
    expect(Date.parse(manifest.firstTimestamp)).toBeGreaterThanOrEqual(before - 1000)
    expect(Date.parse(manifest.lastTimestamp)).toBeGreaterThanOrEqual(Date.parse(manifest.firstTimestamp))
    expect(Date.parse(manifest.lastTimestamp)).toBeLessThanOrEqual(Date.now())
  }, 60_000)

  it('one message, one file: singular words, and each size says what it is (on disk gzip vs lines uncompressed)', async () => {
    const topic = 'single'
    await prepare(topic)
    const out = dirs.make()
    const body = 'x'.repeat(999) // 1,000 bytes with the newline; gzip makes it far smaller
    await publish(nsqd.httpAddress, topic, [body])
    const child = spawnCli(['to-file', topic, '--nsqd-tcp-address', nsqd.tcpAddress, '--output-dir', out, '--gzip'], {stdin: 'ignore'})
    const done = collect(child, {timeoutMs: 60_000})
    await waitFor('archived', drained(topic, 1), 30_000)
    await stopChild(child, 'SIGTERM', 30_000)
    const result = await done
    expect(result.code, result.stderr).toBe(0)
    const [name] = archiveNames(out)
    const stored = fs.statSync(path.join(out, name as string)).size
    expect(stored).toBeLessThan(1000)
    expect(result.stderr).toContain(`finished ${name}: 1 message, ${stored} B on disk (gzip)`)
    expect(result.stderr).toContain('to-file: 1 message (1000 B of lines, uncompressed) in 1 file')
    expect(result.stderr).not.toMatch(/\b1 (messages|files|msgs|topics)\b/)
  }, 60_000)

  it("rejects bad flag combinations with exit 2 and nsq_to_file's messages", async () => {
    const noRev = await runCli([
      'to-file',
      't',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
      '--gzip',
      '--filename-format',
      '<TOPIC>.log',
      '--output-dir',
      dirs.make(),
    ])
    expect(noRev.code).toBe(2)
    expect(flat(noRev.stderr)).toContain('missing <REV> in --filename-format when gzip, rotation, or work dir enabled')
    const noTopic = await runCli(['to-file', '--nsqd-tcp-address', nsqd.tcpAddress])
    expect(noTopic.code).toBe(2)
    expect(flat(noTopic.stderr)).toContain('--topic or --topic-pattern required')
    const level = await runCli(['to-file', 't', '--nsqd-tcp-address', nsqd.tcpAddress, '--gzip-level', '10'])
    expect(level.code).toBe(2)
  })
})
