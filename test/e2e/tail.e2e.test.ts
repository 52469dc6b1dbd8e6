import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {decodeEnvelope} from '../../src/tools/envelope.js'
import {CLI, collect, runCli, spawnCli} from '../support/cli.js'
import {nsqBin, startLookupd, startNsqd, type LookupdProcess, type NsqdProcess} from '../support/nsq.js'
import {multiset, splitLines} from '../support/official.js'
import {spawnTracked, stopChild} from '../support/processes.js'
import {channelBacklog, fillChannel} from '../support/channels.js'

let seq = 0
const topicName = (): string => `tail_e2e_${process.pid}_${++seq}`

const bodies = (count: number, prefix = 'm'): Buffer[] =>
  Array.from({length: count}, (_, i) => Buffer.from(`${prefix}-${i}-${'x'.repeat(60 + (i % 40))}`))

describe('nsq tail against real nsqd', () => {
  let nsqd: NsqdProcess
  let http: NsqdHttpClient
  const fill = (topic: string, channel: string, messages: readonly Buffer[]): Promise<void> =>
    fillChannel(http, topic, channel, messages, 10000)
  const left = (topic: string, channel: string): Promise<number> => channelBacklog(http, topic, channel)

  /** Polls until `left` equals `expected` (nsqd applies REQs and disconnects asynchronously); returns the last value. */
  async function settleLeft(topic: string, channel: string, expected: number): Promise<number> {
    let value = await left(topic, channel)
    for (let i = 0; i < 40 && value !== expected; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      value = await left(topic, channel)
    }
    return value
  }

  /** Reads a spawned CLI's stdout until `lines` lines arrived. */
  function untilLines(child: ReturnType<typeof spawnCli>, lines: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let seen = Buffer.alloc(0)
      const onData = (chunk: Buffer): void => {
        seen = Buffer.concat([seen, chunk])
        if (splitLines(seen).length >= lines) {
          child.stdout?.off('data', onData)
          resolve(seen)
        }
      }
      child.stdout?.on('data', onData)
      child.once('exit', (code) => reject(new Error(`exited ${code} before ${lines} lines`)))
    })
  }

  beforeAll(async () => {
    nsqd = await startNsqd({args: ['--mem-queue-size=100000']})
    http = new NsqdHttpClient(nsqd.httpAddress)
  })
  afterAll(async () => {
    await nsqd?.stop()
  })

  it('-n 5 on a durable channel holding 20 prints exactly 5 and leaves 15', async () => {
    const topic = topicName()
    const published = bodies(20)
    await fill(topic, 'durable', published)
    const result = await runCli(['tail', topic, '--channel', 'durable', '-n', '5', '--nsqd-tcp-address', nsqd.tcpAddress])
    expect(result.code, result.stderr).toBe(0)
    const printed = splitLines(result.stdout)
    expect(printed).toHaveLength(5)
    expect(new Set(multiset(printed)).size).toBe(5)
    for (const line of multiset(printed)) expect(multiset(published)).toContain(line)
    expect(result.stderr).toMatch(/warning: channel "durable" is not ephemeral/)
    expect(await settleLeft(topic, 'durable', 15)).toBe(15)
  })

  it('a reader that goes away after 3 lines (| head -3) stops it at once; the channel keeps all it did not write', async () => {
    const topic = topicName()
    const total = 50_000
    await fill(topic, 'keep', bodies(total))
    const started = Date.now()
    const child = spawnCli(['tail', topic, '--channel', 'keep', '--nsqd-tcp-address', nsqd.tcpAddress], {stdin: 'ignore'})
    const stderr: Buffer[] = []
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
    const head = await untilLines(child, 3)
    expect(splitLines(head).length).toBeGreaterThanOrEqual(3)
    child.stdout?.destroy() // what `head -3` does once it has its lines
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => void stopChild(child, 'SIGKILL'), 20_000)
      child.once('exit', (c) => {
        clearTimeout(timer)
        resolve(c)
      })
    })
    const elapsed = Date.now() - started
    const log = Buffer.concat(stderr).toString()
    expect(code, log).toBe(0)
    const match = /reader closed: (\d+) printed, (\d+) finished/.exec(log)
    expect(match, log).not.toBeNull()
    const printed = Number(match?.[1])
    expect(Number(match?.[2])).toBe(printed)
    expect(printed).toBeGreaterThanOrEqual(3)
    expect(printed).toBeLessThan(total / 2)
    expect(await settleLeft(topic, 'keep', total - printed)).toBe(total - printed)
    process.stderr.write(`tail | head: stopped after ${elapsed} ms, ${printed} of ${total} written before the pipe closed\n`)
  })

  it("| head -3 through a real pipe on a durable channel: nothing FIN'd that the reader did not read, the rest requeued", async () => {
    const size = 1000 // bytes per line (newline included): a 64 KiB pipe holds 65 of them
    const total = 2000
    /** Runs `nsq tail TOPIC -c durable | READER` through sh; returns the summary's numbers once the channel settled. */
    async function piped(reader: string): Promise<{printed: number; finished: number; stdout: Buffer}> {
      const topic = topicName()
      await fill(
        topic,
        'durable',
        Array.from({length: total}, (_, i) => Buffer.from(`${String(i).padStart(8, '0')}-${'y'.repeat(size - 10)}`)),
      )
      const child = spawnTracked(
        'sh',
        ['-c', `"$0" "$1" tail "$2" -c durable --nsqd-tcp-address "$3" | ${reader}`, process.execPath, CLI, topic, nsqd.tcpAddress],
        {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}},
      )
      const result = await collect(child, {timeoutMs: 30_000})
      expect(result.code, result.stderr).toBe(0)
      const match = /reader closed: (\d+) printed, (\d+) finished, (\d+) requeued/.exec(result.stderr)
      expect(match, result.stderr).not.toBeNull()
      const [printed, finished] = [Number(match?.[1]), Number(match?.[2])]
      expect(finished).toBe(printed)
      // Everything not FIN'd is back on the channel (depth + in flight + deferred, from /stats).
      expect(await settleLeft(topic, 'durable', total - finished)).toBe(total - finished)
      return {printed, finished, stdout: result.stdout}
    }
    const head = await piped('head -3')
    expect(splitLines(head.stdout).map(String)).toEqual([0, 1, 2].map((i) => `${String(i).padStart(8, '0')}-${'y'.repeat(size - 10)}`))
    // head reads 8 KiB or so and keeps 3 lines: at most that was FIN'd, never a pipe's worth.
    expect(head.printed * size).toBeLessThan(64 * 1024)
    // A reader that takes exactly 3000 bytes (3 lines) and leaves: a message is FIN'd only once
    // 64 KiB of later output entered the pipe, and the pipe holds no more, so at most those 3 are.
    // (FIN'd at the write callback, as before, it was every line the pipe took: 60 and more.)
    const exact = await piped('dd bs=3000 count=1 of=/dev/null status=none')
    expect(exact.printed).toBeLessThanOrEqual(3)
  })

  it('reads what the official to_nsq published, byte for byte', async () => {
    const topic = topicName()
    await http.createTopic(topic)
    await http.createChannel(topic, 'readback')
    const lines = [...bodies(300), Buffer.from('é ✓ 中文'), Buffer.from('tab\there'), Buffer.from([0xff, 0xfe, 0x41])]
    const toNsq = spawnTracked(nsqBin('to_nsq'), [`--topic=${topic}`, `--nsqd-tcp-address=${nsqd.tcpAddress}`], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const published = new Promise<number | null>((resolve) => toNsq.once('exit', resolve))
    toNsq.stdin?.end(Buffer.concat(lines.map((l) => Buffer.concat([l, Buffer.from('\n')]))))
    expect(await published).toBe(0)
    const result = await runCli([
      'tail',
      '--topic',
      topic,
      '--channel',
      'readback',
      '-n',
      String(lines.length),
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(multiset(splitLines(result.stdout))).toEqual(multiset(lines))
  })

  it('--format json prints one envelope per message; binary bodies come back exactly via body_base64', async () => {
    const topic = topicName()
    const published = [Buffer.from('plain text'), Buffer.from([0x00, 0xff, 0x80, 0x0a, 0x0d]), Buffer.from('{"json":"inside"}\n')]
    const before = Date.now()
    await fill(topic, 'json', published)
    // The topic after a repeatable flag: the flag takes one value, the topic stays positional.
    const result = await runCli(['tail', '-c', 'json', '-n', '3', '--format', 'json', '--nsqd-tcp-address', nsqd.tcpAddress, topic])
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.toString('utf8').split('\n').filter(Boolean)
    expect(lines).toHaveLength(3)
    const envelopes = lines.map((l) => decodeEnvelope(l))
    expect(multiset(envelopes.map((e) => e.body))).toEqual(multiset(published))
    for (const [i, envelope] of envelopes.entries()) {
      expect(envelope).toMatchObject({topic, channel: 'json', attempts: 1, nsqd: nsqd.tcpAddress})
      expect(envelope.id).toMatch(/^[0-9a-f]{16}$/)
      expect(envelope.timestamp).toBeGreaterThanOrEqual(before - 1000)
      expect(envelope.timestamp).toBeLessThanOrEqual(Date.now())
      const raw = JSON.parse(lines[i] as string) as Record<string, unknown>
      expect('body' in raw !== 'body_base64' in raw).toBe(true)
    }
    expect(lines.filter((l) => l.includes('"body_base64"'))).toHaveLength(1)
  })

  it('binary bodies survive tail --format json | to-nsq --input-format json', async () => {
    const source = topicName()
    const copy = topicName()
    const published = [
      Buffer.from([0x00, 0xff, 0x0a, 0x0d, 0x80]),
      Buffer.from('line\nwith newline'),
      Buffer.from('é ✓'),
      Buffer.alloc(300, 0xfe),
      Buffer.from('{"a":1}'),
    ]
    await fill(source, 'src', published)
    await http.createTopic(copy)
    await http.createChannel(copy, 'dst')
    const dump = await runCli([
      'tail',
      source,
      '-c',
      'src',
      '-n',
      String(published.length),
      '--format',
      'json',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
    ])
    expect(dump.code, dump.stderr).toBe(0)
    const replay = await runCli(['to-nsq', copy, '--input-format', 'json', '--nsqd-tcp-address', nsqd.tcpAddress], {input: dump.stdout})
    expect(replay.code, replay.stderr).toBe(0)
    const back = await runCli([
      'tail',
      copy,
      '-c',
      'dst',
      '-n',
      String(published.length),
      '--format',
      'json',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
    ])
    expect(back.code, back.stderr).toBe(0)
    const bodiesBack = back.stdout
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => decodeEnvelope(l).body)
    expect(multiset(bodiesBack)).toEqual(multiset(published))
  })

  it("Ctrl-C drains and exits 0: everything FIN'd was printed, the rest stays", async () => {
    const topic = topicName()
    const total = 30_000
    await fill(topic, 'sigint', bodies(total))
    const child = spawnCli(['tail', topic, '-c', 'sigint', '--nsqd-tcp-address', nsqd.tcpAddress], {stdin: 'ignore'})
    const first = await untilLines(child, 100)
    child.stdout?.pause() // a slow reader: stdout pushes back, messages stay in flight unprinted
    await new Promise((resolve) => setTimeout(resolve, 300))
    process.kill(child.pid as number, 'SIGINT')
    const exited = collect(child, {timeoutMs: 20_000})
    child.stdout?.resume()
    const result = await exited
    expect(result.code, result.stderr).toBe(0)
    const printed = splitLines(Buffer.concat([first, result.stdout])).length
    expect(printed).toBeGreaterThanOrEqual(100)
    expect(printed).toBeLessThan(total)
    expect(result.stderr).toMatch(new RegExp(`interrupted: ${printed} printed, ${printed} finished`))
    expect(await settleLeft(topic, 'sigint', total - printed)).toBe(total - printed)
  })

  it("Ctrl-C before -n N was reached drains and exits 130 (a finite job cut short); what it printed was FIN'd", async () => {
    const topic = topicName()
    await fill(topic, 'short', bodies(5))
    const child = spawnCli(['tail', topic, '-c', 'short', '-n', '100', '--nsqd-tcp-address', nsqd.tcpAddress], {stdin: 'ignore'})
    const first = await untilLines(child, 5)
    process.kill(child.pid as number, 'SIGINT')
    const result = await collect(child, {timeoutMs: 20_000})
    expect(result.code, result.stderr).toBe(130)
    expect(splitLines(Buffer.concat([first, result.stdout]))).toHaveLength(5)
    expect(result.stderr).toMatch(/interrupted: 5 printed, 5 finished/)
    expect(await settleLeft(topic, 'short', 0)).toBe(0)
  })

  it('a second Ctrl-C exits 130 at once, and nothing unprinted is lost', async () => {
    const topic = topicName()
    const total = 30_000
    await fill(topic, 'force', bodies(total))
    const child = spawnCli(['tail', topic, '-c', 'force', '--drain-timeout', '30s', '--nsqd-tcp-address', nsqd.tcpAddress], {
      stdin: 'ignore',
    })
    const first = await untilLines(child, 100)
    child.stdout?.pause() // stdout blocked: the drain cannot finish
    await new Promise((resolve) => setTimeout(resolve, 300))
    process.kill(child.pid as number, 'SIGINT')
    await new Promise((resolve) => setTimeout(resolve, 300))
    process.kill(child.pid as number, 'SIGINT')
    const exited = collect(child, {timeoutMs: 20_000})
    child.stdout?.resume()
    const result = await exited
    expect(result.code).toBe(130)
    expect(result.stderr).toMatch(/forced exit/)
    const printed = splitLines(Buffer.concat([first, result.stdout])).length
    // nsqd gives back what was in flight when the connection dropped. On a durable channel into a
    // pipe a message is FIN'd only once later output shows it was read (the unread window), so what
    // sat in the pipe at the forced exit is both read by us afterwards and given back: duplicates,
    // at most one window (--max-in-flight, 200). Nothing unprinted may be missing.
    const left = await settleLeft(topic, 'force', total - printed)
    expect(left).toBeGreaterThanOrEqual(total - printed)
    expect(left - (total - printed)).toBeLessThanOrEqual(200)
  })

  it('--peek prints N and leaves them all on the channel', async () => {
    const topic = topicName()
    await fill(topic, 'peek', bodies(10))
    const result = await runCli(['tail', topic, '-c', 'peek', '--peek', '-n', '3', '--nsqd-tcp-address', nsqd.tcpAddress])
    expect(result.code, result.stderr).toBe(0)
    expect(splitLines(result.stdout)).toHaveLength(3)
    expect(await settleLeft(topic, 'peek', 10)).toBe(10)
  })

  it('--exit-when-idle exits 0 once the backlog is printed', async () => {
    const topic = topicName()
    await fill(topic, 'idle', bodies(7))
    const result = await runCli(['tail', topic, '-c', 'idle', '--exit-when-idle', '700ms', '-0', '--nsqd-tcp-address', nsqd.tcpAddress], {
      timeoutMs: 20_000,
    })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.toString().split('\0').filter(Boolean).sort()).toEqual(bodies(7).map(String).sort())
    expect(result.stderr).toMatch(/idle for 700ms/)
    expect(await settleLeft(topic, 'idle', 0)).toBe(0)
  })

  it('several --topic: -n is exact over all of them, --print-topic tells them apart', async () => {
    const a = topicName()
    const b = topicName()
    await fill(a, 'multi', bodies(5, 'a'))
    await fill(b, 'multi', bodies(5, 'b'))
    const result = await runCli([
      'tail',
      '--topic',
      a,
      '--topic',
      b,
      '-c',
      'multi',
      '-n',
      '8',
      '--print-topic',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
    ])
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.toString().split('\n').filter(Boolean)
    expect(lines).toHaveLength(8)
    for (const line of lines) expect(line).toMatch(new RegExp(`^(${a} \\| a-|${b} \\| b-)`))
    let remaining = -1
    for (let i = 0; i < 40 && remaining !== 2; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100))
      remaining = (await left(a, 'multi')) + (await left(b, 'multi'))
    }
    expect(remaining).toBe(2)
  })

  it('the nsq_tail drop-in takes Go-style flags', async () => {
    const topic = topicName()
    const published = bodies(5)
    await fill(topic, 'dropin', published)
    const result = await runCli(
      [`-topic=${topic}`, '-channel=dropin', '-n=3', `-nsqd-tcp-address=${nsqd.tcpAddress}`, '-consumer-opt=max_attempts,10'],
      {bin: 'bin/nsq_tail.js'},
    )
    expect(result.code, result.stderr).toBe(0)
    const printed = splitLines(result.stdout)
    expect(printed).toHaveLength(3)
    for (const line of multiset(printed)) expect(multiset(published)).toContain(line)
    expect(result.stderr).toMatch(/ignoring -consumer-opt/)
    expect(await settleLeft(topic, 'dropin', 2)).toBe(2)
  })

  it('bad input: an invalid topic name is a usage error (2) with the rule', async () => {
    const result = await runCli(['tail', 'no spaces!', '--nsqd-tcp-address', nsqd.tcpAddress])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/topic name "no spaces!" may only contain/)
  })

  it('bad input: both address kinds, or none, is a usage error', async () => {
    const both = await runCli(['tail', 't', '--nsqd-tcp-address', nsqd.tcpAddress, '--lookupd-http-address', '127.0.0.1:1'])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/not both/)
    const none = await runCli(['tail', 't'], {env: {NSQ_NSQD_TCP_ADDRESS: '', NSQ_LOOKUPD_HTTP_ADDRESS: ''}})
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/--nsqd-tcp-address or --lookupd-http-address required/)
  })

  it('a refused port fails with 69 and a hint', async () => {
    const result = await runCli(['tail', 't', '--nsqd-tcp-address', '127.0.0.1:1'])
    expect(result.code).toBe(69)
    expect(result.stderr).toMatch(/127\.0\.0\.1:1/)
    expect(result.stderr).toMatch(/is nsqd \/ nsqlookupd running there/)
  })
})

describe('nsq tail --topic-pattern with nsqlookupd', () => {
  let lookupd: LookupdProcess
  let nsqd: NsqdProcess

  beforeAll(async () => {
    lookupd = await startLookupd()
    nsqd = await startNsqd({lookupd: [lookupd]})
  })
  afterAll(async () => {
    await nsqd?.stop()
    await lookupd?.stop()
  })

  /** nsqd registers topics with lookupd asynchronously: wait until lookupd lists them all. */
  async function lookupdKnows(...topics: string[]): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const listed = (await (await fetch(`http://${lookupd.httpAddress}/topics`)).json()) as {topics: string[]}
      if (topics.every((t) => listed.topics.includes(t))) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`lookupd never listed ${topics.join(', ')}`)
  }

  it('finds the nsqd carrying a topic through --lookupd-http-address', async () => {
    const http = new NsqdHttpClient(nsqd.httpAddress)
    const topic = `viaLookupd${process.pid}`
    await http.createTopic(topic)
    await http.createChannel(topic, 'lookup')
    const published = bodies(6, 'l')
    await http.mpub(topic, published)
    await lookupdKnows(topic)
    const result = await runCli(['tail', topic, '-c', 'lookup', '-n', '6', '--lookupd-http-address', lookupd.httpAddress], {
      timeoutMs: 30_000,
    })
    expect(result.code, result.stderr).toBe(0)
    expect(multiset(splitLines(result.stdout))).toEqual(multiset(published))
  })

  it('reads every matching topic lookupd knows, and none of the others', async () => {
    const http = new NsqdHttpClient(nsqd.httpAddress)
    const prefix = `pat${process.pid}`
    for (const [topic, tag] of [
      [`${prefix}_a`, 'a'],
      [`${prefix}_b`, 'b'],
      [`other${process.pid}`, 'o'],
    ] as const) {
      await http.createTopic(topic)
      await http.createChannel(topic, 'pattern')
      await http.mpub(topic, bodies(2, tag))
    }
    await lookupdKnows(`${prefix}_a`, `${prefix}_b`, `other${process.pid}`)
    const result = await runCli(
      [
        'tail',
        '--topic-pattern',
        `^${prefix}_`,
        '-c',
        'pattern',
        '-n',
        '4',
        '--print-topic',
        '--lookupd-http-address',
        lookupd.httpAddress,
      ],
      {timeoutMs: 30_000},
    )
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.toString().split('\n').filter(Boolean).sort()
    expect(lines.map((l) => l.split(' | ')[0])).toEqual([`${prefix}_a`, `${prefix}_a`, `${prefix}_b`, `${prefix}_b`])
  })
})
