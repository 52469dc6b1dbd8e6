import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient, Producer} from '../../src/core/index.js'
import {encodeEnvelope} from '../../src/tools/envelope.js'
import {collect, runCli, spawnCli} from '../support/cli.js'
import {startLookupd, startNsqd, type LookupdProcess, type NsqdProcess} from '../support/nsq.js'
import {multiset, readWithNsqTail} from '../support/official.js'
import {readBack} from '../support/read-back.js'

let topicSeq = 0
const topic = (): string => `to_nsq_e2e_${process.pid}_${++topicSeq}`

function tempFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'to-nsq-e2e-')), name)
}

/** Deterministic lines of varied length and content: ASCII, UTF-8, tabs, NUL and bytes that are not UTF-8. */
function makeLines(count: number): Buffer[] {
  const extras = [Buffer.from('é ✓ 中文'), Buffer.from('\t tab'), Buffer.from([0x00, 0xff, 0xfe]), Buffer.from(' '), Buffer.from('\r')]
  return Array.from({length: count}, (_, i) =>
    Buffer.concat([Buffer.from(`line-${i}-${'x'.repeat((i * 7) % 90)}`), extras[i % extras.length] as Buffer]),
  )
}

async function topicCount(nsqd: NsqdProcess, name: string): Promise<number> {
  const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic: name})
  return stats.topics.find((t) => t.topic_name === name)?.message_count ?? 0
}

/** Reads `count` messages back (waiting up to 30 s for them), or, without a count, until none came for `idleMs`. */
async function readBodies(nsqd: NsqdProcess, name: string, count: number | undefined, idleMs = 3000): Promise<Buffer[]> {
  return readBack(nsqd.tcpAddress, name, 'readback', count, count === undefined ? idleMs : 30_000)
}

function errorLines(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('nsq to-nsq against real nsqd', () => {
  let nsqd: NsqdProcess

  beforeAll(async () => {
    nsqd = await startNsqd({args: ['--mem-queue-size=200000']})
  })
  afterAll(async () => {
    await nsqd?.stop()
  })

  it('100,000 lines piped in are read back by the official nsq_tail identically (multiset), last line without newline included', async () => {
    const name = topic()
    const lines = makeLines(100_000)
    const input = Buffer.concat([Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])).subarray(0, -1)])
    expect(input.at(-1)).not.toBe(0x0a)
    const result = await runCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress], {input, timeoutMs: 120_000})
    expect(result.stderr).toMatch(/published 100,000 msgs/)
    expect(result.code).toBe(0)
    const read = await readWithNsqTail(nsqd.tcpAddress, name, 100_000, [], 120_000)
    expect(multiset(read)).toEqual(multiset(lines))
  }, 240_000)

  it('--json returns the summary object, and empty lines are skipped as the official app does', async () => {
    const name = topic()
    const result = await runCli(['to-nsq', '--topic', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--json'], {input: 'a\n\nbb\n\n\nccc\n'})
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout.toString('utf8')) as Record<string, unknown>
    expect(summary).toMatchObject({
      topic: name,
      mode: 'round-robin',
      nsqd: [nsqd.tcpAddress],
      dry_run: false,
      records: 6,
      accepted: 3,
      published: 3,
      bytes: 6,
      failed: 0,
      failures: {oversize: 0, empty: 0, invalid_envelope: 0, publish_failed: 0, incomplete: 0},
      skipped_empty: 3,
      stopped_by: 'eof',
    })
    expect(typeof summary.elapsed_ms).toBe('number')
    // Every field name, at every depth, in snake_case (as stat and bench print theirs).
    const keys = (value: unknown): string[] =>
      value === null || typeof value !== 'object'
        ? []
        : Array.isArray(value)
          ? value.flatMap(keys)
          : Object.entries(value).flatMap(([key, item]) => [key, ...keys(item)])
    const names = keys(summary)
    expect(names.length).toBeGreaterThan(10)
    for (const key of names) expect(key).toMatch(/^[a-z][a-z0-9_]*$/)
    expect(typeof summary.rate).toBe('number')
    expect(await topicCount(nsqd, name)).toBe(3)
  })

  it('--tee echoes the records to stdout; -n stops after N; -0 splits on NUL', async () => {
    const name = topic()
    const tee = await runCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--tee', '-0', '-n', '3'], {
      input: Buffer.from('a\nb\0c\0d\0e\0'),
    })
    expect(tee.code).toBe(0)
    expect(tee.stdout.toString('latin1')).toBe('a\nb\0c\0d\0')
    expect(tee.stderr).toMatch(/stopped at --count/)
    expect((await readBodies(nsqd, name, 3)).map((b) => b.toString())).toEqual(['a\nb', 'c', 'd'])
  })

  it('--defer publishes each record as a DPUB: nsqd holds them deferred', async () => {
    const name = topic()
    const http = new NsqdHttpClient(nsqd.httpAddress)
    await http.createTopic(name)
    await http.createChannel(name, 'waiting')
    const result = await runCli(
      ['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--nsqd-http-address', nsqd.httpAddress, '--defer', '1h'],
      {input: 'a\nb\nc\nd\n'},
    )
    expect(result.code).toBe(0)
    const stats = await http.stats({topic: name, channel: 'waiting'})
    expect(stats.topics[0]?.channels[0]?.deferred_count).toBe(4)
    const tooLong = await runCli(
      ['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--nsqd-http-address', nsqd.httpAddress, '--defer', '2h'],
      {input: 'a\n'},
    )
    expect(tooLong.code).toBe(2)
    expect(tooLong.stderr).toMatch(/--defer 2h0m0s|--defer 2h.*max-req-timeout/)
  })

  it('Ctrl-C stops reading stdin, waits for every answer, prints the summary and exits 130', async () => {
    const name = topic()
    const child = spawnCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress])
    child.stdin?.write('one\ntwo\nthree\n')
    const deadline = Date.now() + 10_000
    while ((await topicCount(nsqd, name)) < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    child.kill('SIGINT')
    const result = await collect(child, {timeoutMs: 15_000})
    expect(result.code).toBe(130)
    expect(result.stderr).toMatch(/published 3 msgs.*interrupted before end of input/)
    expect(await topicCount(nsqd, name)).toBe(3)
  })

  it('--rate limits messages per second overall', async () => {
    const name = topic()
    const started = performance.now()
    const result = await runCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--rate', '20'], {
      input: Array.from({length: 21}, (_, i) => `r${i}`).join('\n'),
    })
    const seconds = (performance.now() - started) / 1000
    expect(result.code).toBe(0)
    // 21 messages at 20/s: the last may leave no earlier than 1 s after the first.
    expect(seconds).toBeGreaterThanOrEqual(1)
    expect(await topicCount(nsqd, name)).toBe(21)
  })

  it('reads stdin only as fast as nsqd accepts: with nsqd stopped (SIGSTOP) the input is not slurped into memory', async () => {
    const name = topic()
    const child = spawnCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--json'])
    const stdin = child.stdin as NodeJS.WritableStream
    stdin.write('first\n')
    const deadline = Date.now() + 10_000
    while ((await topicCount(nsqd, name)) < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    nsqd.pause()
    let accepted = 0
    try {
      const line = Buffer.from(`${'p'.repeat(99)}\n`)
      const block = Buffer.concat(Array.from({length: 10_000}, () => line))
      // Write 1 MB blocks while the pipe takes them; stop when it has not drained for 2 s.
      for (let i = 0; i < 200; i++) {
        accepted += block.length
        if (!stdin.write(block)) {
          const drained = await Promise.race([
            new Promise<boolean>((resolve) => stdin.once('drain', () => resolve(true))),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
          ])
          if (!drained) break
        }
      }
      expect(accepted).toBeLessThan(50 * 1_000_000)
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8')
      expect(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024).toBeLessThan(200)
    } finally {
      nsqd.resume()
    }
    stdin.end()
    const result = await collect(child, {timeoutMs: 60_000})
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout.toString('utf8')) as {published: number}
    expect(summary.published).toBe(1 + accepted / 100)
    expect(await topicCount(nsqd, name)).toBe(summary.published)
  }, 90_000)

  it('--input-format json replays envelopes losslessly, binary bodies and newlines included', async () => {
    const name = topic()
    const bodies = [
      Buffer.from('plain'),
      Buffer.from('multi\nline\n'),
      Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x80]),
      Buffer.from('ünïcödé'),
      Buffer.alloc(300, 0xc3),
    ]
    const input = bodies
      .map((body, i) =>
        encodeEnvelope({
          topic: 'orig',
          channel: 'c',
          id: `0000000000000${i}aa`,
          timestamp: 1_700_000_000_000 + i,
          attempts: 1,
          nsqd: 'x:4150',
          body,
        }),
      )
      .join('\n')
    const result = await runCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--input-format', 'json'], {input})
    expect(result.code).toBe(0)
    expect(multiset(await readBodies(nsqd, name, bodies.length))).toEqual(multiset(bodies))
  })

  it('bad input gives a clear error and exit code', async () => {
    const name = topic()
    const invalid = await runCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--input-format', 'json'], {
      input: '{"body":"ok"}\n{"bod":"typo"}\n{"body":"never read"}\n',
    })
    expect(invalid.code).toBe(3)
    expect(invalid.stderr).toMatch(/stopped at record 2: invalid envelope: envelope needs exactly one of "body" and "body_base64"/)
    expect(invalid.stderr).toMatch(/--on-invalid skip/)
    expect(await topicCount(nsqd, name)).toBe(1)

    const noTopic = await runCli(['to-nsq', '--nsqd-tcp-address', nsqd.tcpAddress], {input: 'a\n'})
    expect(noTopic.code).toBe(2)
    expect(noTopic.stderr).toMatch(/a topic is required/)
    const badTopic = await runCli(['to-nsq', 'no spaces!', '--nsqd-tcp-address', nsqd.tcpAddress], {input: 'a\n'})
    expect(badTopic.code).toBe(2)
    expect(badTopic.stderr).toMatch(/topic name/)
    const noAddress = await runCli(['to-nsq', name], {input: 'a\n', env: {NSQ_NSQD_TCP_ADDRESS: '', NSQ_LOOKUPD_HTTP_ADDRESS: ''}})
    expect(noAddress.code).toBe(2)
    expect(noAddress.stderr).toMatch(/--nsqd-tcp-address or --lookupd-http-address required/)
    const badDelimiter = await runCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--delimiter', ''], {input: 'a\n'})
    expect(badDelimiter.code).toBe(2)
    const unreachable = await runCli(['to-nsq', name, '--nsqd-tcp-address', '127.0.0.1:1'], {input: 'a\n'})
    expect(unreachable.code).toBe(69)
    expect(unreachable.stderr).toMatch(/connection refused/)
    // A connection it never had is not "lost … (reconnecting)".
    expect(unreachable.stderr).not.toMatch(/lost 127\.0\.0\.1:1/)
    const oneDown = await runCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--nsqd-tcp-address', '127.0.0.1:1'], {
      input: 'a\nb\n',
    })
    expect(oneDown.code, oneDown.stderr).toBe(0)
    expect(oneDown.stderr).toMatch(/cannot connect to 127\.0\.0\.1:1: .*connection refused.* \(retrying\)/)
    expect(oneDown.stderr).not.toMatch(/lost 127\.0\.0\.1:1/)
  })
})

describe('nsq to-nsq size limits and the errors file', () => {
  let small: NsqdProcess

  beforeAll(async () => {
    small = await startNsqd({args: ['--max-msg-size=64', '--max-body-size=400']})
  })
  afterAll(async () => {
    await small?.stop()
  })

  const input = ['ok-1', 'x'.repeat(65), 'ok-2', 'y'.repeat(64), `${'z'.repeat(100)}\u00ff`, 'ok-3'].join('\n')

  it('reads the limits from nsqd (--on-oversize skip): oversize lines go to the errors file with their line numbers, the rest is published', async () => {
    const name = topic()
    const errors = tempFile('errors.ndjson')
    const result = await runCli(
      [
        'to-nsq',
        name,
        '--nsqd-tcp-address',
        small.tcpAddress,
        '--nsqd-http-address',
        small.httpAddress,
        '--on-oversize',
        'skip',
        '--errors',
        errors,
        '--json',
      ],
      {input},
    )
    expect(result.code).toBe(3)
    const summary = JSON.parse(result.stdout.toString('utf8')) as Record<string, unknown>
    expect(summary).toMatchObject({
      published: 4,
      failed: 2,
      failures: {oversize: 2},
      limits: {max_message_bytes: 64, max_body_bytes: 400, source: 'nsqd'},
    })
    const lines = errorLines(errors)
    expect(lines.map((l) => [l.record, l.reason])).toEqual([
      [2, 'oversize'],
      [5, 'oversize'],
    ])
    expect(lines[0]?.body).toBe('x'.repeat(65))
    expect(lines[1]?.body).toBe(`${'z'.repeat(100)}\u00ff`)
    expect((await readBodies(small, name, 4)).map((b) => b.toString()).sort()).toEqual(['ok-1', 'ok-2', 'ok-3', 'y'.repeat(64)])
  })

  it('--on-oversize fail (the default) stops at the first oversize line: what came before is published, exit 3', async () => {
    const name = topic()
    const errors = tempFile('errors.ndjson')
    const result = await runCli(
      ['to-nsq', name, '--nsqd-tcp-address', small.tcpAddress, '--nsqd-http-address', small.httpAddress, '--errors', errors],
      {input},
    )
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/stopped at record 2: 65 bytes > max message size 64/)
    expect(errorLines(errors).map((l) => l.record)).toEqual([2])
    expect(await topicCount(small, name)).toBe(1)
  })

  it('without a reachable HTTP API the flags set the limits; nsqd itself refuses what they let through, and that is recorded too', async () => {
    const name = topic()
    const errors = tempFile('errors.ndjson')
    const result = await runCli(
      [
        'to-nsq',
        name,
        '--nsqd-tcp-address',
        small.tcpAddress,
        '--nsqd-http-address',
        '127.0.0.1:1',
        '--max-message-bytes',
        '80',
        '--on-oversize',
        'skip',
        '--errors',
        errors,
        '--batch-size',
        '1',
        '--json',
      ],
      {input},
    )
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/could not read limits from nsqd's HTTP API .*using --max-message-bytes/)
    const summary = JSON.parse(result.stdout.toString('utf8')) as Record<string, unknown>
    expect(summary).toMatchObject({
      limits: {max_message_bytes: 80, source: 'flags'},
      failures: {oversize: 1, publish_failed: 1},
      published: 4,
    })
    const lines = errorLines(errors)
    expect(lines.map((l) => [l.record, l.reason])).toEqual(
      expect.arrayContaining([
        [2, 'publish_failed'],
        [5, 'oversize'],
      ]),
    )
    expect(String(lines.find((l) => l.record === 2)?.error)).toMatch(/E_BAD_MESSAGE/)
  })
})

describe('nsq to-nsq over several nsqd', () => {
  let lookupd: LookupdProcess
  let a: NsqdProcess
  let b: NsqdProcess

  beforeAll(async () => {
    lookupd = await startLookupd()
    ;[a, b] = await Promise.all([
      startNsqd({lookupd: [lookupd], args: ['--mem-queue-size=0']}),
      startNsqd({lookupd: [lookupd], args: ['--mem-queue-size=0']}),
    ])
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), lookupd?.stop()])
  })

  it('--mode round-robin spreads the messages over both nsqd', async () => {
    const name = topic()
    const lines = makeLines(20_000)
    const result = await runCli(
      ['to-nsq', name, '--nsqd-tcp-address', a.tcpAddress, '--nsqd-tcp-address', b.tcpAddress, '--mode', 'round-robin'],
      {input: Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])), timeoutMs: 60_000},
    )
    expect(result.code).toBe(0)
    const [onA, onB] = await Promise.all([topicCount(a, name), topicCount(b, name)])
    expect(onA + onB).toBe(20_000)
    expect(onA).toBeGreaterThan(2000)
    expect(onB).toBeGreaterThan(2000)
  })

  it('--lookupd-http-address finds the nsqd (and their limits) through nsqlookupd', async () => {
    const name = topic()
    await new NsqdHttpClient(b.httpAddress).createTopic(name)
    // Wait until lookupd knows the topic is on b only.
    const deadline = Date.now() + 10_000
    for (;;) {
      const response = await fetch(`http://${lookupd.httpAddress}/lookup?topic=${name}`)
      if (response.ok || Date.now() > deadline) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const result = await runCli(['to-nsq', name, '--lookupd-http-address', lookupd.httpAddress, '--json'], {input: 'x\ny\nz\n'})
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout.toString('utf8'))).toMatchObject({nsqd: [b.tcpAddress], published: 3, limits: {source: 'nsqd'}})
    expect(await topicCount(b, name)).toBe(3)
    expect(await topicCount(a, name)).toBe(0)
  })

  it('the drop-in to_nsq takes Go-style flags and, like the official app, sends every line to every nsqd', async () => {
    const name = topic()
    const result = await runCli(
      [
        `-topic=${name}`,
        `-nsqd-tcp-address=${a.tcpAddress}`,
        '--nsqd-tcp-address',
        b.tcpAddress,
        '-rate=0',
        '-producer-opt=max_in_flight,1',
      ],
      {input: 'one\ntwo\nthree', bin: 'bin/to_nsq.js'},
    )
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/ignoring -producer-opt/)
    expect((await readBodies(a, name, 3)).map((x) => x.toString()).sort()).toEqual(['one', 'three', 'two'])
    expect((await readBodies(b, name, 3)).map((x) => x.toString()).sort()).toEqual(['one', 'three', 'two'])
  })

  it('round-robin with one nsqd killed (kill -9) mid-stream loses nothing: every line is in a topic or in the errors file', async () => {
    const name = topic()
    const total = 40_000
    const lines = Array.from({length: total}, (_, i) => `kill-test-${i}`)
    const errors = tempFile('errors.ndjson')
    const child = spawnCli([
      'to-nsq',
      name,
      '--nsqd-tcp-address',
      a.tcpAddress,
      '--nsqd-tcp-address',
      b.tcpAddress,
      '--rate',
      '6000',
      '--errors',
      errors,
      '--json',
    ])
    child.stdin?.on('error', () => undefined)
    child.stdin?.end(`${lines.join('\n')}\n`)
    // Kill b once it has stored a good part of its share (and nsqd has synced its queue metadata).
    const deadline = Date.now() + 20_000
    while ((await topicCount(b, name)) < 4000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    await new Promise((resolve) => setTimeout(resolve, 2500))
    expect(child.exitCode).toBeNull()
    await b.kill()
    const result = await collect(child, {timeoutMs: 60_000})
    expect([0, 3]).toContain(result.code)
    const summary = JSON.parse(result.stdout.toString('utf8')) as {published: number; failed: number}
    expect(summary.published + summary.failed).toBe(total)
    expect(summary.published).toBeGreaterThan(total / 2)

    await b.restart()
    const [fromA, fromB] = await Promise.all([readBodies(a, name, undefined), readBodies(b, name, undefined)])
    const found = new Set([...fromA, ...fromB].map((x) => x.toString()))
    for (const line of errorLines(errors)) found.add(String(line.body))
    const missing = lines.filter((line) => !found.has(line))
    expect(missing).toEqual([])
    expect(fromB.length).toBeGreaterThan(0)
  }, 120_000)
  it('fanout with one nsqd killed (kill -9) mid-stream: every line reaches the live nsqd, and is in the dead one or in the errors file under its address', async () => {
    const name = topic()
    const total = 40_000
    const lines = Array.from({length: total}, (_, i) => `fanout-${i}`)
    const errors = tempFile('errors.ndjson')
    const child = spawnCli([
      'to-nsq',
      name,
      '--mode',
      'fanout',
      '--nsqd-tcp-address',
      a.tcpAddress,
      '--nsqd-tcp-address',
      b.tcpAddress,
      '--rate',
      '8000',
      '--errors',
      errors,
      '--json',
    ])
    child.stdin?.on('error', () => undefined)
    child.stdin?.end(`${lines.join('\n')}\n`)
    const deadline = Date.now() + 20_000
    while ((await topicCount(b, name)) < 4000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    await new Promise((resolve) => setTimeout(resolve, 2200))
    expect(child.exitCode).toBeNull()
    await b.kill()
    const result = await collect(child, {timeoutMs: 60_000})
    expect(result.code).toBe(3)
    const summary = JSON.parse(result.stdout.toString('utf8')) as {published: number; failed: number}
    expect(summary.published + summary.failed).toBe(total)
    expect(summary.failed).toBeGreaterThan(0)
    await b.restart()
    const [fromA, fromB] = await Promise.all([readBodies(a, name, undefined), readBodies(b, name, undefined)])
    expect(new Set(fromA.map((x) => x.toString()))).toEqual(new Set(lines))
    const onB = new Set(fromB.map((x) => x.toString()))
    const failed = errorLines(errors)
    for (const line of failed) expect(line).toMatchObject({reason: 'publish_failed', nsqd: b.tcpAddress})
    for (const line of failed) onB.add(String(line.body))
    expect(lines.filter((line) => !onB.has(line))).toEqual([])
  }, 120_000)
})

describe('nsq tail --format json | nsq to-nsq --input-format json', () => {
  let nsqd: NsqdProcess

  beforeAll(async () => {
    nsqd = await startNsqd()
  })
  afterAll(async () => {
    await nsqd?.stop()
  })

  it('copies a topic through a real pipe with binary bodies intact', async () => {
    const from = topic()
    const to = topic()
    const bodies = [
      Buffer.from('text'),
      Buffer.from('two\nlines'),
      Buffer.from([0x00]),
      Buffer.from([0xff, 0xfe, 0xfd, 0x0a, 0x00, 0x80]),
      Buffer.from('ünïcödé ✓'),
      Buffer.from('{"body":"json-looking"}'),
      ...Array.from({length: 200}, (_, i) => Buffer.from([i, 255 - i, 0x0a, i])),
    ]
    const producer = new Producer({nsqd: [nsqd.tcpAddress]})
    await producer.multiPublish(from, bodies)
    await producer.close()
    const tail = spawnCli(
      ['tail', from, '-n', String(bodies.length), '--format', 'json', '--channel', 'copy', '--nsqd-tcp-address', nsqd.tcpAddress],
      {stdin: 'ignore'},
    )
    const toNsq = spawnCli(['to-nsq', to, '--input-format', 'json', '--nsqd-tcp-address', nsqd.tcpAddress, '--json'])
    tail.stdout?.pipe(toNsq.stdin as NodeJS.WritableStream)
    const [tailResult, toNsqResult] = await Promise.all([collect(tail, {timeoutMs: 30_000}), collect(toNsq, {timeoutMs: 30_000})])
    expect(tailResult.code).toBe(0)
    expect(toNsqResult.code).toBe(0)
    expect(JSON.parse(toNsqResult.stdout.toString('utf8'))).toMatchObject({published: bodies.length, failed: 0})
    expect(multiset(await readBodies(nsqd, to, bodies.length))).toEqual(multiset(bodies))
  })
})
