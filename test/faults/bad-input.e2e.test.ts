/**
 * The bad-input catalogue: every command, run as a user runs it (the built CLI), against real
 * nsqd v1.3.0, given bad names, hosts that do not resolve, refused ports, oversize and non-UTF-8
 * input, and output it cannot write. Each case must give a clear message, the README's exit code
 * (2 usage, 3 partial, 69 unreachable, 1 runtime) and lose nothing it accepted.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {collect, runCli, spawnCli, type CliResult} from '../support/cli.js'
import {startLookupd, startNsqd, type LookupdProcess, type NsqdProcess} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'
import {readBack, waitFor} from '../support/read-back.js'
import {canMountTmpfs, mountTmpfs} from '../support/tmpfs.js'

let seq = 0
const topic = (): string => `bad_input_${process.pid}_${++seq}`
const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'))
const tmpfsOk = canMountTmpfs()

/** No Node stack trace ever reaches the user. */
function expectNoStackTrace(result: CliResult): void {
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  expect(result.stderr).not.toMatch(/node:internal|Unhandled/)
}

/** What the .log files in `dir` hold, concatenated. */
function readLogs(dir: string): string {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('')
}

async function publish(nsqd: NsqdProcess, name: string, bodies: readonly string[]): Promise<void> {
  const response = await fetch(`http://${nsqd.httpAddress}/mpub?topic=${name}`, {method: 'POST', body: bodies.join('\n')})
  expect(response.status).toBe(200)
}

describe('bad-input catalogue (built CLI, real nsqd)', () => {
  let nsqd: NsqdProcess
  let lookupd: LookupdProcess
  /** Registered with lookupd under a name that does not resolve. */
  let hidden: NsqdProcess

  beforeAll(async () => {
    lookupd = await startLookupd()
    ;[nsqd, hidden] = await Promise.all([
      startNsqd({args: ['--max-msg-size=1024', '--msg-timeout=3s']}),
      startNsqd({lookupd: [lookupd], args: ['--broadcast-address=nosuchhost.invalid']}),
    ])
  })
  afterAll(async () => {
    await Promise.all([nsqd?.stop(), hidden?.stop(), lookupd?.stop()])
  })

  describe('invalid topic and channel names → exit 2 before anything starts', () => {
    const cases: [string, (address: string, dir: string) => string[]][] = [
      ['tail: topic', (a) => ['tail', 'bad*topic', '--nsqd-tcp-address', a]],
      ['tail: channel', (a) => ['tail', 'ok', '-c', 'bad*chan', '--nsqd-tcp-address', a]],
      ['to-nsq: topic', (a) => ['to-nsq', 'bad*topic', '--nsqd-tcp-address', a]],
      ['to-file: topic', (a, d) => ['to-file', '--topic', 'bad*topic', '--output-dir', d, '--nsqd-tcp-address', a]],
      ['to-file: channel', (a, d) => ['to-file', '--topic', 'ok', '-c', 'bad*chan', '--output-dir', d, '--nsqd-tcp-address', a]],
      ['to-file: topic too long', (a, d) => ['to-file', '--topic', 'x'.repeat(65), '--output-dir', d, '--nsqd-tcp-address', a]],
      ['bench pub: topic', (a) => ['bench', 'pub', '-t', 'bad*topic', '-n', '5', '--nsqd-tcp-address', a]],
      ['bench sub: topic', (a) => ['bench', 'sub', '-t', 'bad*topic', '-n', '5', '--nsqd-tcp-address', a]],
      ['bench pubsub: channel', (a) => ['bench', 'pubsub', '-t', 'ok', '--channel', 'bad chan', '-n', '5', '--nsqd-tcp-address', a]],
    ]
    it.each(cases)('%s', async (_name, args) => {
      const result = await runCli(args(nsqd.tcpAddress, tempDir()), {input: 'x\n', timeoutMs: 20_000})
      expect(result.code).toBe(2)
      expect(result.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toMatch(
        /(topic|channel) name ".*" (may only contain letters, digits|is \d+ characters; the limit is 64)/,
      )
      expectNoStackTrace(result)
    })
  })

  describe("liveness flags below nsqd's 1 s floor → exit 2 naming the flag, before connecting", () => {
    const cases: [string, (address: string, dir: string) => string[], RegExp][] = [
      [
        'tail --heartbeat-interval 500ms',
        (a) => ['tail', 'ok', '--heartbeat-interval', '500ms', '--nsqd-tcp-address', a],
        /--heartbeat-interval 500ms: must be at least 1s/,
      ],
      [
        'to-file --lookupd-poll-interval 0',
        (a, d) => ['to-file', '--topic', 'ok', '--output-dir', d, '--lookupd-poll-interval', '0', '--nsqd-tcp-address', a],
        /--lookupd-poll-interval 0: must be at least 1s/,
      ],
      ['to-nsq NSQ_HEARTBEAT_INTERVAL=soon', (a) => ['to-nsq', 'ok', '--nsqd-tcp-address', a], /invalid duration "soon"/],
    ]
    it.each(cases)('%s', async (name, args, message) => {
      const env = name.includes('NSQ_HEARTBEAT_INTERVAL') ? {NSQ_HEARTBEAT_INTERVAL: 'soon'} : {}
      const result = await runCli(args(nsqd.tcpAddress, tempDir()), {input: 'x\n', timeoutMs: 20_000, env})
      expect(result.code).toBe(2)
      expect(result.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toMatch(message)
      expectNoStackTrace(result)
    })
  })

  describe('a host name that does not resolve → exit 69 with the --broadcast-address / --address-map hint', () => {
    const bad = 'nosuchhost.invalid:4150'
    const cases: [string, (dir: string) => string[]][] = [
      ['tail', () => ['tail', 'ok', '--nsqd-tcp-address', bad]],
      ['to-nsq', () => ['to-nsq', 'ok', '--nsqd-tcp-address', bad]],
      ['to-file', (d) => ['to-file', '--topic', 'ok', '--output-dir', d, '--nsqd-tcp-address', bad]],
      ['bench pub', () => ['bench', 'pub', '-n', '5', '--nsqd-tcp-address', bad]],
      ['bench sub', () => ['bench', 'sub', '-n', '5', '--nsqd-tcp-address', bad]],
      ['stat', () => ['stat', '--once', '--nsqd-http-address', 'nosuchhost.invalid:4151']],
    ]
    it.each(cases)('%s', async (_name, args) => {
      const result = await runCli(args(tempDir()), {input: 'x\n', timeoutMs: 30_000})
      expect(result.code).toBe(69)
      expect(result.stderr).toContain('nosuchhost.invalid')
      expect(result.stderr).toMatch(/does not resolve/)
      expect(result.stderr).toContain("nsqd's --broadcast-address")
      expect(result.stderr).toContain('--address-map')
      expectNoStackTrace(result)
    })
  })

  describe('a refused port → exit 69, "connection refused"', () => {
    const refused = '127.0.0.1:1'
    const cases: [string, (dir: string) => string[]][] = [
      ['tail', () => ['tail', 'ok', '--nsqd-tcp-address', refused]],
      ['tail via lookupd', () => ['tail', 'ok', '--lookupd-http-address', refused]],
      ['to-nsq', () => ['to-nsq', 'ok', '--nsqd-tcp-address', refused]],
      ['to-nsq via lookupd', () => ['to-nsq', 'ok', '--lookupd-http-address', refused]],
      ['to-file', (d) => ['to-file', '--topic', 'ok', '--output-dir', d, '--nsqd-tcp-address', refused]],
      ['bench pub', () => ['bench', 'pub', '-n', '5', '--nsqd-tcp-address', refused]],
      ['bench sub', () => ['bench', 'sub', '-n', '5', '--nsqd-tcp-address', refused]],
      ['stat (nsqd)', () => ['stat', '--once', '--nsqd-http-address', refused]],
      ['stat (lookupd)', () => ['stat', '--once', '--lookupd-http-address', refused]],
    ]
    it.each(cases)('%s', async (_name, args) => {
      const result = await runCli(args(tempDir()), {input: 'x\n', timeoutMs: 30_000})
      expect(result.code).toBe(69)
      expect(result.stderr).toMatch(/connection refused/i)
      expect(result.stderr).toContain('127.0.0.1:1')
      expectNoStackTrace(result)
    })
  })

  describe('--topic-pattern with a lookupd that refuses: keeps polling and says so (it used to exit 13 in silence)', () => {
    it.each([
      ['tail', (): string[] => ['tail', '--topic-pattern', '^x', '--lookupd-http-address', '127.0.0.1:1', '--topic-refresh', '1s']],
      [
        'to-file',
        (): string[] => [
          'to-file',
          '--topic-pattern',
          '^x',
          '--output-dir',
          tempDir(),
          '--lookupd-http-address',
          '127.0.0.1:1',
          '--topic-refresh',
          '1s',
        ],
      ],
    ])('%s', async (_name, args) => {
      const child = spawnCli(args())
      const done = collect(child, {timeoutMs: 30_000})
      let stderr = ''
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      await waitFor(
        () => (stderr.match(/lookupd 127\.0\.0\.1:1: connection refused/g) ?? []).length >= 2,
        20_000,
        'two lookupd rounds reported',
      )
      expect(child.exitCode).toBeNull()
      process.kill(child.pid as number, 'SIGTERM')
      const result = await done
      expect(result.code).toBe(0)
    })
  })

  describe('lookupd reports an nsqd whose --broadcast-address does not resolve', () => {
    const map = (): string => `nosuchhost.invalid=127.0.0.1:${hidden.tcpPort}`

    it('to-nsq: exit 69 with the hint; --address-map makes it publish', async () => {
      const name = topic()
      await fetch(`http://${hidden.httpAddress}/topic/create?topic=${name}`, {method: 'POST'})
      await waitFor(
        async () => (await fetch(`http://${lookupd.httpAddress}/lookup?topic=${name}`)).status === 200,
        10_000,
        'lookupd to know the topic',
      )
      const failed = await runCli(['to-nsq', name, '--lookupd-http-address', lookupd.httpAddress], {input: 'one\n', timeoutMs: 30_000})
      expect(failed.code).toBe(69)
      expect(failed.stderr).toContain(`nosuchhost.invalid:${hidden.tcpPort}`)
      expect(failed.stderr).toContain("nsqd's --broadcast-address")
      expect(failed.stderr).toContain('--address-map')
      expectNoStackTrace(failed)

      const mapped = await runCli(['to-nsq', name, '--lookupd-http-address', lookupd.httpAddress, '--address-map', map()], {
        input: 'one\ntwo\n',
        timeoutMs: 30_000,
      })
      expect(mapped.code).toBe(0)
      expect((await readBack(hidden.tcpAddress, name, 'check', 2)).map(String).sort()).toEqual(['one', 'two'])
    })

    it('tail: says why it cannot connect (and keeps trying); --address-map makes it read', async () => {
      const name = topic()
      await fetch(`http://${hidden.httpAddress}/pub?topic=${name}`, {method: 'POST', body: 'hello'})
      await waitFor(
        async () => (await fetch(`http://${lookupd.httpAddress}/lookup?topic=${name}`)).status === 200,
        10_000,
        'lookupd to know the topic',
      )
      const child = spawnCli(['tail', name, '-n', '1', '--lookupd-http-address', lookupd.httpAddress])
      let stderr = ''
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      try {
        await waitFor(() => /cannot connect to nosuchhost\.invalid/.test(stderr), 20_000, 'the connect error on stderr')
        expect(stderr).toContain("nsqd's --broadcast-address")
        expect(stderr).toContain('--address-map')
        expect(child.exitCode).toBeNull()
      } finally {
        await stopChild(child, 'SIGINT')
      }
      const mapped = await runCli(['tail', name, '-n', '1', '--lookupd-http-address', lookupd.httpAddress, '--address-map', map()], {
        timeoutMs: 30_000,
      })
      expect(mapped.code).toBe(0)
      expect(mapped.stdout.toString()).toBe('hello\n')
    })

    it('to-file: says why it cannot connect; --address-map makes it archive', async () => {
      const name = topic()
      await fetch(`http://${hidden.httpAddress}/pub?topic=${name}`, {method: 'POST', body: 'archived'})
      await waitFor(
        async () => (await fetch(`http://${lookupd.httpAddress}/lookup?topic=${name}`)).status === 200,
        10_000,
        'lookupd to know the topic',
      )
      const dir = tempDir()
      const child = spawnCli(['to-file', '--topic', name, '--output-dir', dir, '--lookupd-http-address', lookupd.httpAddress])
      let stderr = ''
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      try {
        await waitFor(() => /cannot connect to nosuchhost\.invalid/.test(stderr), 20_000, 'the connect error on stderr')
        expect(stderr).toContain('--address-map')
      } finally {
        await stopChild(child, 'SIGTERM')
      }
      const mapped = spawnCli([
        'to-file',
        '--topic',
        name,
        '--output-dir',
        dir,
        '--lookupd-http-address',
        lookupd.httpAddress,
        '--address-map',
        map(),
        '--sync-interval',
        '200ms',
      ])
      const done = collect(mapped)
      await waitFor(() => readLogs(dir) === 'archived\n', 20_000, 'to-file to write the message')
      process.kill(mapped.pid as number, 'SIGTERM')
      const result = await done
      expect(result.code).toBe(0)
      const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log'))
      expect(logs.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('')).toBe('archived\n')
    })

    it('stat: the node is shown down with the hint; --address-map (HOST:TCP_PORT=ADDR:TCP_PORT, as tail and to-nsq take it) makes it up', async () => {
      const down = await runCli(['stat', '--once', '--json', '--lookupd-http-address', lookupd.httpAddress], {timeoutMs: 30_000})
      const downJson = JSON.parse(down.stdout.toString()) as {nodes: {address: string; status: string; error?: string}[]}
      const node = downJson.nodes.find((n) => n.address.startsWith('nosuchhost.invalid'))
      expect(node?.status).toBe('down')
      expect(node?.error).toContain("nsqd's --broadcast-address")
      expect(node?.error).toContain('--address-map')
      const up = await runCli(
        [
          'stat',
          '--once',
          '--json',
          '--lookupd-http-address',
          lookupd.httpAddress,
          '--address-map',
          `nosuchhost.invalid:${hidden.tcpPort}=${hidden.tcpAddress}`,
        ],
        {timeoutMs: 30_000},
      )
      expect(up.code).toBe(0)
      const upJson = JSON.parse(up.stdout.toString()) as {nodes: {address: string; status: string}[]}
      expect(upJson.nodes.map((n) => [n.address, n.status])).toEqual([[hidden.httpAddress, 'up']])
    })

    /**
     * One meaning everywhere: each form of --address-map, through each command, dials the hidden
     * nsqd at its real TCP address (127.0.0.1:tcp_port) and HTTP address (127.0.0.1:http_port).
     * The broadcast address does not resolve, so working at all means the map was applied; to-nsq
     * and stat also print the address they dialled.
     */
    describe.each([
      ['HOST=ADDR', (): string => 'nosuchhost.invalid=127.0.0.1'],
      ['HOST=ADDR:PORT', (): string => `nosuchhost.invalid=127.0.0.1:${hidden.tcpPort}`],
      ['HOST:PORT=ADDR:PORT', (): string => `nosuchhost.invalid:${hidden.tcpPort}=127.0.0.1:${hidden.tcpPort}`],
    ])('--address-map %s: the same dial target in every command', (_form, entry) => {
      /** A topic on the hidden nsqd, known to lookupd, holding `bodies`. */
      async function hiddenTopic(bodies: readonly string[]): Promise<string> {
        const name = topic()
        if (bodies.length === 0) await fetch(`http://${hidden.httpAddress}/topic/create?topic=${name}`, {method: 'POST'})
        else await publish(hidden, name, bodies)
        await waitFor(
          async () => (await fetch(`http://${lookupd.httpAddress}/lookup?topic=${name}`)).status === 200,
          10_000,
          'lookupd to know the topic',
        )
        return name
      }

      it('tail', async () => {
        const name = await hiddenTopic(['tailed'])
        const result = await runCli(['tail', name, '-n', '1', '--lookupd-http-address', lookupd.httpAddress, '--address-map', entry()], {
          timeoutMs: 30_000,
        })
        expect(result.code).toBe(0)
        expect(result.stdout.toString()).toBe('tailed\n')
      })

      it('to-file', async () => {
        const name = await hiddenTopic(['archived'])
        const dir = tempDir()
        const child = spawnCli([
          'to-file',
          '--topic',
          name,
          '--output-dir',
          dir,
          '--lookupd-http-address',
          lookupd.httpAddress,
          '--address-map',
          entry(),
          '--sync-interval',
          '200ms',
        ])
        const done = collect(child)
        await waitFor(() => readLogs(dir) === 'archived\n', 20_000, 'to-file to write the message')
        process.kill(child.pid as number, 'SIGTERM')
        const result = await done
        expect(result.code).toBe(0)
        expect(readLogs(dir)).toBe('archived\n')
      })

      it('to-nsq', async () => {
        const name = await hiddenTopic([])
        const result = await runCli(['to-nsq', name, '--json', '--lookupd-http-address', lookupd.httpAddress, '--address-map', entry()], {
          input: 'one\ntwo\n',
          timeoutMs: 30_000,
        })
        expect(result.code).toBe(0)
        const summary = JSON.parse(result.stdout.toString()) as {nsqd: string[]; published: number; limits: {source: string}}
        expect(summary.nsqd).toEqual([hidden.tcpAddress])
        // nsqd's limits were read from the HTTP address the same entry gives.
        expect(summary.limits.source).toBe('nsqd')
        expect(summary.published).toBe(2)
        expect((await readBack(hidden.tcpAddress, name, 'check', 2)).map(String).sort()).toEqual(['one', 'two'])
      })

      it('stat', async () => {
        const result = await runCli(['stat', '--once', '--json', '--lookupd-http-address', lookupd.httpAddress, '--address-map', entry()], {
          timeoutMs: 30_000,
        })
        expect(result.code).toBe(0)
        const json = JSON.parse(result.stdout.toString()) as {nodes: {address: string; status: string}[]}
        expect(json.nodes.map((n) => [n.address, n.status])).toEqual([[hidden.httpAddress, 'up']])
      })
    })
  })

  describe('bench: --size over nsqd\'s --max-msg-size (1024) → exit 1, not a "successful" empty run', () => {
    it.each([
      ['pub', (): string[] => ['bench', 'pub', '--size', '2000', '-n', '10']],
      ['pubsub', (): string[] => ['bench', 'pubsub', '--size', '2000', '-n', '10']],
    ])('%s', async (_name, args) => {
      const result = await runCli([...args(), '--nsqd-tcp-address', nsqd.tcpAddress], {timeoutMs: 30_000})
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('E_BAD_MESSAGE')
      expect(result.stderr).toMatch(/error: no message got through \(\d+ errors\)/)
      expectNoStackTrace(result)
    })
  })

  describe('to-nsq input', () => {
    it('an oversize line (nsqd --max-msg-size=1024): stops there by default, exit 3; --on-oversize skip records it and goes on', async () => {
      const input = `ok1\n${'z'.repeat(2000)}\nok2\n`
      const name = topic()
      const stop = await runCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress, '--nsqd-http-address', nsqd.httpAddress], {
        input,
        timeoutMs: 30_000,
      })
      expect(stop.code).toBe(3)
      expect(stop.stderr).toMatch(/record 2.*2000 bytes > max message size 1024/)
      expect(stop.stderr).toContain('--on-oversize skip')
      expect((await readBack(nsqd.tcpAddress, name, 'check', undefined, 1500)).map(String)).toEqual(['ok1'])

      const skipName = topic()
      const errors = path.join(tempDir(), 'errors.ndjson')
      const skip = await runCli(
        [
          'to-nsq',
          skipName,
          '--nsqd-tcp-address',
          nsqd.tcpAddress,
          '--nsqd-http-address',
          nsqd.httpAddress,
          '--on-oversize',
          'skip',
          '--errors',
          errors,
        ],
        {input, timeoutMs: 30_000},
      )
      expect(skip.code).toBe(3)
      expect((await readBack(nsqd.tcpAddress, skipName, 'check', 2)).map(String).sort()).toEqual(['ok1', 'ok2'])
      const rows = fs
        .readFileSync(errors, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as {record: number; reason: string; body: string})
      expect(rows).toEqual([expect.objectContaining({record: 2, reason: 'oversize', body: 'z'.repeat(2000)})])
    })

    it('non-UTF-8 input: raw mode publishes the bytes intact', async () => {
      const records = [Buffer.from([0xff, 0xfe, 0x00, 0x80]), Buffer.from([0xe9, 0x74, 0xe9]), Buffer.from([0xc3, 0x28, 0xa0, 0xa1])]
      const name = topic()
      const result = await runCli(['to-nsq', name, '--nsqd-tcp-address', nsqd.tcpAddress], {
        input: Buffer.concat(records.flatMap((r) => [r, Buffer.from('\n')])),
        timeoutMs: 30_000,
      })
      expect(result.code).toBe(0)
      const got = await readBack(nsqd.tcpAddress, name, 'check', 3)
      expect(got.map((b) => b.toString('hex')).sort()).toEqual(records.map((b) => b.toString('hex')).sort())
    })

    it('--input-format json: bad envelopes (incl. non-UTF-8 lines) go to the errors file, byte-exact; the good ones are published; exit 3', async () => {
      const badBytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d])
      const input = Buffer.concat([
        Buffer.from('{"body":"good"}\n'),
        badBytes,
        Buffer.from('\n'),
        Buffer.from('{"body":1}\n'),
        Buffer.from('{"body_base64":"/w=="}\n'),
        Buffer.from('not json\n'),
      ])
      const name = topic()
      const errors = path.join(tempDir(), 'errors.ndjson')
      const result = await runCli(
        ['to-nsq', name, '--input-format', 'json', '--on-invalid', 'skip', '--errors', errors, '--nsqd-tcp-address', nsqd.tcpAddress],
        {input, timeoutMs: 30_000},
      )
      expect(result.code).toBe(3)
      expect(result.stderr).toMatch(/3 failed \(3 invalid_envelope\)/)
      const got = await readBack(nsqd.tcpAddress, name, 'check', 2)
      expect(got.map((b) => b.toString('hex')).sort()).toEqual([Buffer.from('good').toString('hex'), 'ff'].sort())
      const rows = fs
        .readFileSync(errors, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as {record: number; reason: string; body?: string; body_base64?: string})
      expect(rows.map((r) => [r.record, r.reason])).toEqual([
        [2, 'invalid_envelope'],
        [3, 'invalid_envelope'],
        [5, 'invalid_envelope'],
      ])
      expect(Buffer.from(rows[0]?.body_base64 ?? '', 'base64').equals(badBytes)).toBe(true)
      expect(rows[2]?.body).toBe('not json')
    })

    it('--errors in a directory that does not exist → exit 2 naming the flag, nothing published', async () => {
      const name = topic()
      const result = await runCli(
        ['to-nsq', name, '--errors', path.join(tempDir(), 'no', 'such', 'errors.ndjson'), '--nsqd-tcp-address', nsqd.tcpAddress],
        {input: 'a\n', timeoutMs: 30_000},
      )
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(/--errors .*ENOENT/)
      expect(await readBack(nsqd.tcpAddress, name, 'check', undefined, 1000)).toEqual([])
    })

    it.skipIf(!tmpfsOk)('--errors in a read-only directory (read-only tmpfs) → exit 2 naming the flag', async () => {
      const ro = mountTmpfs('64k', true)
      try {
        const result = await runCli(
          ['to-nsq', topic(), '--errors', path.join(ro?.dir ?? '', 'errors.ndjson'), '--nsqd-tcp-address', nsqd.tcpAddress],
          {input: 'a\n', timeoutMs: 30_000},
        )
        expect(result.code).toBe(2)
        expect(result.stderr).toMatch(/--errors .*EROFS/)
      } finally {
        ro?.unmount()
      }
    })

    /** Record numbers from ranges like `3-5, 9`. */
    const expandRanges = (text: string): number[] =>
      text
        .split(', ')
        .filter((p) => p !== '')
        .flatMap((part) => {
          const [first, last = first] = part.split('-').map(Number) as [number, number?]
          return Array.from({length: last - first + 1}, (_, i) => first + i)
        })
    /** 300 json-input lines: odd ones valid envelopes (published), even ones invalid and ~5 KB (for the errors file). */
    const mixed = (): {input: string; valid: Map<number, string>} => {
      const valid = new Map<number, string>()
      const lines = Array.from({length: 300}, (_, i) => {
        const n = i + 1
        if (n % 2 === 1) {
          valid.set(n, `ok-${n}`)
          return JSON.stringify({body: `ok-${n}`})
        }
        return `{bad ${n} ${'y'.repeat(5000)}`
      })
      return {input: lines.join('\n') + '\n', valid}
    }
    interface Summary {
      records: number
      published: number
      failed: number
      stopped_by: string
      failures: {invalid_envelope: number}
      unrecorded?: {count: number; records: string; code: string}
    }

    it.skipIf(!tmpfsOk)(
      'the errors file on a full disk (64 KiB tmpfs) → stops reading, waits for what is in flight, prints the summary, names the file, ENOSPC and every record neither published nor recorded; exit 1; nothing lost silently',
      async () => {
        const full = mountTmpfs('64k')
        try {
          const name = topic()
          const errors = path.join(full?.dir ?? '', 'errors.ndjson')
          const {input, valid} = mixed()
          const result = await runCli(
            ['to-nsq', name, '--input-format', 'json', '--on-invalid', 'skip', '--errors', errors, '--nsqd-tcp-address', nsqd.tcpAddress],
            {input, timeoutMs: 30_000},
          )
          expect(result.code).toBe(1)
          expectNoStackTrace(result)
          const flat = result.stderr.replace(/\s+/g, ' ')
          // The usual summary, then the error naming the file, the code and the records.
          const summary =
            /published (\d+) msgs .*?; (\d+) read, (\d+) failed \((\d+) invalid_envelope(?:, \d+ incomplete)?\); (\d+) of them not in the errors file; stopped early: the errors file failed/.exec(
              flat,
            )
          expect(summary, result.stderr).not.toBeNull()
          const [published, read, failed, , unrecordedCount] = (summary ?? []).slice(1).map(Number) as [
            number,
            number,
            number,
            number,
            number,
          ]
          expect(flat).toContain(`Error: errors file ${errors} (--errors): ENOSPC`)
          const named = /(\d+) record\(s\) neither published nor recorded: ([\d, -]+)/.exec(flat)
          expect(named, result.stderr).not.toBeNull()
          const unrecorded = expandRanges((named?.[2] ?? '').trim())
          expect(Number(named?.[1])).toBe(unrecordedCount)
          expect(unrecorded).toHaveLength(unrecordedCount)
          // It stopped reading: not all 300 lines were taken.
          expect(read).toBeLessThan(300)
          expect(unrecordedCount).toBeGreaterThan(0)
          // The counts add up: every record read is published, in the errors file, or named as unrecorded.
          const recorded = fs
            .readFileSync(errors, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => (JSON.parse(l) as {record: number}).record)
          expect(published + failed).toBe(read)
          expect(recorded.length + unrecordedCount).toBe(failed)
          const got = (await readBack(nsqd.tcpAddress, name, 'check', published)).map(String)
          expect(got).toHaveLength(published)
          const publishedNumbers = got.map((body) => Number(body.slice(3)))
          for (const n of publishedNumbers) expect(valid.get(n)).toBe(`ok-${n}`)
          expect([...publishedNumbers, ...recorded, ...unrecorded].sort((x, y) => x - y)).toEqual(
            Array.from({length: read}, (_, i) => i + 1),
          )
        } finally {
          full?.unmount()
        }
      },
    )

    it.skipIf(!tmpfsOk)('the same with --json: the summary on stdout has the counts and the unrecorded records; exit 1', async () => {
      const full = mountTmpfs('64k')
      try {
        const errors = path.join(full?.dir ?? '', 'errors.ndjson')
        const result = await runCli(
          [
            'to-nsq',
            topic(),
            '--input-format',
            'json',
            '--on-invalid',
            'skip',
            '--errors',
            errors,
            '--json',
            '--nsqd-tcp-address',
            nsqd.tcpAddress,
          ],
          {input: mixed().input, timeoutMs: 30_000},
        )
        expect(result.code).toBe(1)
        const summary = JSON.parse(result.stdout.toString('utf8')) as Summary
        expect(summary.stopped_by).toBe('errors-file')
        expect(summary.unrecorded?.code).toBe('ENOSPC')
        const recorded = fs
          .readFileSync(errors, 'utf8')
          .split('\n')
          .filter((l) => l !== '').length
        expect(summary.published + summary.failed).toBe(summary.records)
        expect(recorded + (summary.unrecorded?.count ?? 0)).toBe(summary.failed)
        expect(expandRanges(summary.unrecorded?.records ?? '')).toHaveLength(summary.unrecorded?.count ?? -1)
        expect(result.stderr).toContain(`Error: errors file ${errors} (--errors): ENOSPC`)
      } finally {
        full?.unmount()
      }
    })
  })

  describe('to-file output', () => {
    /** stderr with oclif's line wrapping (`\n ›   `) undone. */
    const unwrapped = (stderr: string): string => stderr.replaceAll(/\s*\n ›\s*/g, ' ').replaceAll(/\s+/g, ' ')
    /** Nobody subscribed to `name`: no channel was made, and its `count` messages still wait in the topic. */
    const expectUntouched = async (name: string, count: number): Promise<void> => {
      const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic: name})
      const found = stats.topics.find((t) => t.topic_name === name)
      expect(found?.channels.map((c) => c.channel_name)).toEqual([])
      expect(found?.depth).toBe(count)
    }

    it('a missing output dir is created', async () => {
      const name = topic()
      await publish(nsqd, name, ['m1', 'm2'])
      const dir = path.join(tempDir(), 'not', 'yet')
      const child = spawnCli([
        'to-file',
        '--topic',
        name,
        '--output-dir',
        dir,
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
        '--sync-interval',
        '200ms',
      ])
      const done = collect(child)
      await waitFor(() => fs.existsSync(dir) && readLogs(dir) === 'm1\nm2\n', 20_000, 'to-file to write both messages')
      process.kill(child.pid as number, 'SIGTERM')
      expect((await done).code).toBe(0)
      const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log'))
      expect(logs.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('')).toBe('m1\nm2\n')
    })

    it('an output dir under a regular file → exit 2 at start naming the file; nothing consumed', async () => {
      const name = topic()
      await publish(nsqd, name, ['a', 'b', 'c'])
      const file = path.join(tempDir(), 'plain-file')
      fs.writeFileSync(file, '')
      const result = await runCli(
        ['to-file', '--topic', name, '--output-dir', path.join(file, 'out'), '--nsqd-tcp-address', nsqd.tcpAddress],
        {timeoutMs: 30_000},
      )
      // Checked at start (issue 18): a usage error, before any message is taken.
      expect(result.code).toBe(2)
      expect(unwrapped(result.stderr)).toContain(
        `--output-dir ${path.join(file, 'out')}: cannot use it as a folder: ${file}: is a file, not a folder`,
      )
      expectNoStackTrace(result)
      await expectUntouched(name, 3)
    })

    it.skipIf(!tmpfsOk)('a read-only output dir (read-only tmpfs) → exit 2 at start with EROFS; nothing consumed', async () => {
      const ro = mountTmpfs('64k', true)
      try {
        const name = topic()
        await publish(nsqd, name, ['a', 'b'])
        const result = await runCli(['to-file', '--topic', name, '--output-dir', ro?.dir ?? '', '--nsqd-tcp-address', nsqd.tcpAddress], {
          timeoutMs: 30_000,
        })
        expect(result.code).toBe(2)
        expect(unwrapped(result.stderr)).toContain(`--output-dir ${ro?.dir ?? ''}: cannot write files in it: read-only filesystem (EROFS)`)
        expectNoStackTrace(result)
        await expectUntouched(name, 2)
      } finally {
        ro?.unmount()
      }
    })

    it.skipIf(!tmpfsOk)(
      'a full disk (256 KiB tmpfs) → exit 1 with ENOSPC at once; every message not durably on disk is still in nsqd',
      async () => {
        const full = mountTmpfs('256k')
        // Its own nsqd with a 10 s msg-timeout: a to-file that does not end by itself within 8 s
        // (it used to wait for a redelivery or the next sync tick) is killed and fails the test.
        const own = await startNsqd({args: ['--msg-timeout=10s']})
        try {
          const name = topic()
          const bodies = Array.from({length: 400}, (_, i) => `msg-${i}-${'x'.repeat(1000)}`)
          await publish(own, name, bodies)
          const result = await runCli(['to-file', '--topic', name, '--output-dir', full?.dir ?? '', '--nsqd-tcp-address', own.tcpAddress], {
            timeoutMs: 8000,
          })
          expect(result.signal).toBeNull()
          expect(result.code).toBe(1)
          expect(result.stderr).toMatch(/ENOSPC: no space left on device/)
          expectNoStackTrace(result)
          const onDisk = new Set(
            fs
              .readdirSync(full?.dir ?? '')
              .filter((f) => f.endsWith('.log'))
              .flatMap((f) => fs.readFileSync(path.join(full?.dir ?? '', f), 'utf8').split('\n')),
          )
          // What was in flight comes back after the msg-timeout.
          const inNsqd = new Set((await readBack(own.tcpAddress, name, 'nsq_to_file', undefined, 15_000)).map(String))
          const lost = bodies.filter((b) => !onDisk.has(b) && !inNsqd.has(b))
          expect(lost).toEqual([])
          expect(inNsqd.size).toBeGreaterThan(0)
        } finally {
          await own.stop()
          full?.unmount()
        }
      },
    )
  })
})
