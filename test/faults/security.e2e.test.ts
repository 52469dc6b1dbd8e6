/**
 * Security through the built CLI against real nsqd v1.3.0: TLS verification is on by default
 * (wrong CA, wrong host name, expired certificate, no CA → refused, exit 69), `--tls-insecure`
 * bypasses it with a warning, mutual TLS, AUTH denied (exit 69), and secrets never shown in
 * stdout, stderr, `--json` output or the process's command line.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {collect, runCli, spawnCli, type CliResult} from '../support/cli.js'
import {makeTestPki, type TestPki} from '../support/certs.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'
import {readBack, waitFor} from '../support/read-back.js'

let seq = 0
const topic = (): string => `security_${process.pid}_${++seq}`
const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'security-'))
/** oclif wraps error lines with " ›   "; compare on one line. */
const flat = (text: string): string => text.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')

const ALLOWED_SECRET = 'let-me-in-7f3a9c2e'
const DENIED_SECRET = 'wrong-secret-b81d04aa'
/** Accepted by the auth server, but only for a topic nobody uses: PUB is refused with E_UNAUTHORIZED. */
const LIMITED_SECRET = 'one-topic-only-3e6f1a90'
const HTTP_AUTH = 'Bearer http-token-5c1e9d77'

function expectNoSecrets(result: Pick<CliResult, 'stdout' | 'stderr'>, secrets: readonly string[]): void {
  for (const secret of secrets) {
    expect(result.stdout.toString('utf8')).not.toContain(secret)
    expect(result.stderr).not.toContain(secret)
  }
}

/**
 * Runs the CLI with `input` on a stdin that stays open: a command that waited for the end of its
 * input would be killed at the 20 s timeout (and the result would show the signal).
 */
async function runWithStdinOpen(args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawnCli(args, {env})
  child.stdin?.on('error', () => undefined)
  child.stdin?.write(input)
  const result = await collect(child, {timeoutMs: 20_000})
  child.stdin?.destroy()
  return result
}

describe('security (built CLI, real nsqd)', () => {
  let pki: TestPki
  let tlsNsqd: NsqdProcess
  let expiredNsqd: NsqdProcess
  let mtlsNsqd: NsqdProcess
  let authNsqd: NsqdProcess
  let authServer: http.Server
  const authCalls: string[] = []
  const httpAuthHeaders: string[] = []
  let headerServer: http.Server

  beforeAll(async () => {
    pki = makeTestPki()
    authServer = http.createServer((request, response) => {
      const secret = new URL(request.url ?? '/', 'http://x').searchParams.get('secret') ?? ''
      authCalls.push(secret)
      if (secret !== ALLOWED_SECRET && secret !== LIMITED_SECRET) {
        response.writeHead(403).end('{"message":"denied"}')
        return
      }
      const topicPattern = secret === LIMITED_SECRET ? '^no_such_topic$' : '.*'
      response.writeHead(200, {'content-type': 'application/json'}).end(
        JSON.stringify({
          ttl: 3600,
          identity: 'tester',
          identity_url: '',
          authorizations: [{permissions: ['subscribe', 'publish'], topic: topicPattern, channels: ['.*']}],
        }),
      )
    })
    await new Promise<void>((resolve) => authServer.listen(0, '127.0.0.1', resolve))
    const authPort = (authServer.address() as {port: number}).port
    const tls = (cert: string, key: string): string[] => [`--tls-cert=${cert}`, `--tls-key=${key}`, '--https-address=127.0.0.1:0']
    ;[tlsNsqd, expiredNsqd, mtlsNsqd, authNsqd] = await Promise.all([
      startNsqd({args: tls(pki.serverCert, pki.serverKey)}),
      startNsqd({args: tls(pki.expiredCert, pki.expiredKey)}),
      startNsqd({
        args: [
          ...tls(pki.serverCert, pki.serverKey),
          '--tls-client-auth-policy=require-verify',
          `--tls-root-ca-file=${pki.caFile}`,
          '--tls-required=tcp-https',
        ],
      }),
      startNsqd({args: [`--auth-http-address=127.0.0.1:${authPort}`]}),
    ])
  })
  afterAll(async () => {
    await Promise.all([tlsNsqd?.stop(), expiredNsqd?.stop(), mtlsNsqd?.stop(), authNsqd?.stop()])
    await new Promise((resolve) => authServer?.close(resolve))
    await new Promise((resolve) => headerServer?.close(resolve) ?? resolve(undefined))
  })

  describe('TLS verification is on by default: refused with a clear error, exit 69', () => {
    // [case, address (host name matters), CA file, expected reason]
    const cases: [string, () => string, () => string[], RegExp][] = [
      ['wrong CA', () => `localhost:${tlsNsqd.tcpPort}`, () => ['--tls-ca', pki.otherCaFile], /not signed by a trusted CA/],
      ['no CA given (system roots only)', () => `localhost:${tlsNsqd.tcpPort}`, () => [], /not signed by a trusted CA/],
      [
        'wrong host name (certificate is for localhost, dialled 127.0.0.1)',
        () => `127.0.0.1:${tlsNsqd.tcpPort}`,
        () => ['--tls-ca', pki.caFile],
        /does not name "127\.0\.0\.1"/,
      ],
      ['expired certificate', () => `localhost:${expiredNsqd.tcpPort}`, () => ['--tls-ca', pki.caFile], /expired/i],
    ]
    const commands: [string, (address: string, dir: string) => string[]][] = [
      ['to-nsq', (a) => ['to-nsq', topic(), '--nsqd-tcp-address', a]],
      ['tail', (a) => ['tail', topic(), '--nsqd-tcp-address', a]],
      ['to-file', (a, d) => ['to-file', '--topic', topic(), '--output-dir', d, '--nsqd-tcp-address', a]],
      ['bench pub', (a) => ['bench', 'pub', '-n', '5', '--no-cleanup', '--nsqd-tcp-address', a]],
    ]
    for (const [caseName, address, ca, reason] of cases) {
      it.each(commands)(`${caseName}: %s`, async (_command, args) => {
        const result = await runCli([...args(address(), tempDir()), '--tls', ...ca()], {input: 'secret payload\n', timeoutMs: 30_000})
        expect(result.code).toBe(69)
        const text = flat(result.stderr)
        expect(text).toMatch(/TLS handshake failed/)
        expect(text).toMatch(reason)
        expect(text).not.toMatch(/^\s+at .+:\d+:\d+/m)
      })
    }

    it('the right CA and host name work (to-nsq → tail)', async () => {
      const name = topic()
      const address = `localhost:${tlsNsqd.tcpPort}`
      const pub = await runCli(['to-nsq', name, '--nsqd-tcp-address', address, '--tls', '--tls-ca', pki.caFile], {
        input: 'over tls\n',
        timeoutMs: 30_000,
      })
      expect(pub.code).toBe(0)
      expect(pub.stderr).not.toMatch(/warning/i)
      const tail = await runCli(['tail', name, '-n', '1', '-c', 'check', '--nsqd-tcp-address', address, '--tls', '--tls-ca', pki.caFile], {
        timeoutMs: 30_000,
      })
      expect(tail.code).toBe(0)
      expect(tail.stdout.toString()).toBe('over tls\n')
    })

    it('--tls-insecure bypasses verification (wrong host name, no CA) with a warning on stderr', async () => {
      const name = topic()
      const address = `127.0.0.1:${tlsNsqd.tcpPort}`
      const pub = await runCli(['to-nsq', name, '--nsqd-tcp-address', address, '--tls', '--tls-insecure'], {
        input: 'insecure\n',
        timeoutMs: 30_000,
      })
      expect(pub.code).toBe(0)
      expect(pub.stderr).toMatch(/warning: --tls-insecure: nsqd's certificate is NOT verified/)
      const tail = await runCli(['tail', name, '-n', '1', '-c', 'check', '--nsqd-tcp-address', address, '--tls-insecure'], {
        timeoutMs: 30_000,
      })
      expect(tail.code).toBe(0)
      expect(tail.stderr).toMatch(/warning: --tls-insecure/)
      expect(tail.stdout.toString()).toBe('insecure\n')
    })
  })

  describe('mutual TLS (nsqd --tls-client-auth-policy=require-verify)', () => {
    it('works with --tls-cert/--tls-key', async () => {
      const name = topic()
      const address = `localhost:${mtlsNsqd.tcpPort}`
      const client = ['--tls', '--tls-ca', pki.caFile, '--tls-cert', pki.clientCert, '--tls-key', pki.clientKey]
      const pub = await runCli(['to-nsq', name, '--nsqd-tcp-address', address, ...client], {input: 'mutual\n', timeoutMs: 30_000})
      expect(pub.code, pub.stderr).toBe(0)
      const tail = await runCli(['tail', name, '-n', '1', '-c', 'check', '--nsqd-tcp-address', address, ...client], {timeoutMs: 30_000})
      expect(tail.code, tail.stderr).toBe(0)
      expect(tail.stdout.toString()).toBe('mutual\n')
    })

    it.each([
      ['to-nsq', (a: string) => ['to-nsq', topic(), '--nsqd-tcp-address', a]],
      ['tail', (a: string) => ['tail', topic(), '--nsqd-tcp-address', a]],
    ])('fails without a client certificate: %s → exit 69', async (_name, args) => {
      const result = await runCli([...args(`localhost:${mtlsNsqd.tcpPort}`), '--tls', '--tls-ca', pki.caFile], {
        input: 'x\n',
        timeoutMs: 30_000,
      })
      expect(result.code).toBe(69)
      expect(flat(result.stderr)).toMatch(/TLS|certificate|closed/i)
      expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+/m)
    })
  })

  describe('nsqd requires TLS (--tls-required) and the client did not ask for it', () => {
    it('tail → exit 69, nsqd\'s "TLS required" and a hint to add --tls', async () => {
      const result = await runCli(['tail', topic(), '--nsqd-tcp-address', `localhost:${mtlsNsqd.tcpPort}`], {timeoutMs: 30_000})
      expect(result.code).toBe(69)
      expect(flat(result.stderr)).toMatch(/TLS required/)
      expect(flat(result.stderr)).toMatch(/add --tls/)
    })

    it('to-nsq → stops at once without waiting for the end of stdin: exit 69, nsqd\'s "TLS required", the hint to add --tls, the summary; what was read is in --errors', async () => {
      const errors = path.join(tempDir(), 'errors.ndjson')
      const result = await runWithStdinOpen(
        ['to-nsq', topic(), '--nsqd-tcp-address', `localhost:${mtlsNsqd.tcpPort}`, '--errors', errors],
        'a\nb\npart',
      )
      expect(result.signal).toBeNull()
      expect(result.code).toBe(69)
      const text = flat(result.stderr)
      expect(text).toMatch(/refused publishing: E_INVALID .*\(TLS required\)/)
      expect(text).toMatch(/add --tls/)
      // The summary: 3 read (the unfinished "part" included), none published, 3 failed.
      expect(text).toMatch(
        /published 0 msgs .*; 3 read, 3 failed \(2 publish_failed, 1 incomplete\).*stopped early: nsqd refused publishing/,
      )
      const recorded = fs
        .readFileSync(errors, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as {record: number; reason: string; body: string; error: string})
      expect(recorded.map((r) => [r.record, r.reason, r.body]).sort()).toEqual([
        [1, 'publish_failed', 'a'],
        [2, 'publish_failed', 'b'],
        [3, 'incomplete', 'part'],
      ])
      for (const r of recorded.filter((x) => x.reason === 'publish_failed')) expect(r.error).toMatch(/TLS required/)
      expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+/m)
    })

    it('to-nsq --json → the summary on stdout says refused, with the counts; exit 69', async () => {
      const result = await runCli(['to-nsq', topic(), '--nsqd-tcp-address', `localhost:${mtlsNsqd.tcpPort}`, '--json'], {
        input: 'a\nb\n',
        timeoutMs: 30_000,
      })
      expect(result.code).toBe(69)
      const summary = JSON.parse(result.stdout.toString('utf8')) as {
        records: number
        published: number
        failed: number
        stopped_by: string
        refused?: {code: string; error: string; nsqd?: string}
      }
      expect(summary).toMatchObject({
        records: 2,
        published: 0,
        failed: 2,
        refused: {code: 'E_INVALID', nsqd: `localhost:${mtlsNsqd.tcpPort}`},
      })
      expect(summary.refused?.error).toMatch(/TLS required/)
      expect(flat(result.stderr)).toMatch(/add --tls/)
    })

    it('to-nsq round-robin over a refusing nsqd and one that takes plain publishes → the refusing one is left out, every record published to the other, exit 0', async () => {
      const name = topic()
      const lines = Array.from({length: 1000}, (_, i) => `rr-${i}`)
      // Paced over ~0.5 s in batches of 10: to-nsq starts publishing once one nsqd is connected, so
      // unpaced, a loaded machine could publish everything before the refusing one is even tried.
      const result = await runCli(
        [
          'to-nsq',
          name,
          '--nsqd-tcp-address',
          `localhost:${mtlsNsqd.tcpPort}`,
          '--nsqd-tcp-address',
          tlsNsqd.tcpAddress,
          '--batch-size',
          '10',
          '--rate',
          '2000',
          '--json',
        ],
        {input: lines.join('\n') + '\n', timeoutMs: 30_000},
      )
      expect(result.code, result.stderr).toBe(0)
      const summary = JSON.parse(result.stdout.toString('utf8')) as {
        records: number
        published: number
        failed: number
        refused_nsqd?: {nsqd: string; code: string}[]
      }
      expect(summary, result.stderr).toMatchObject({records: 1000, published: 1000, failed: 0})
      // Both connect (IDENTIFY needs no TLS); the round-robin reaches the refusing one and leaves it out.
      expect(summary.refused_nsqd, result.stderr).toEqual([
        {nsqd: `localhost:${mtlsNsqd.tcpPort}`, code: 'E_INVALID', error: expect.stringMatching(/TLS required/) as unknown},
      ])
      expect(flat(result.stderr)).toMatch(/refused publishing .*TLS required.*left out; going on with the other 1/)
      const got = (await readBack(tlsNsqd.tcpAddress, name, 'check', 1000)).map(String).sort()
      expect(got).toEqual([...lines].sort())
    })

    it('to-nsq --mode fanout with one refusing nsqd → stops: exit 69 naming that nsqd', async () => {
      const result = await runCli(
        [
          'to-nsq',
          topic(),
          '--mode',
          'fanout',
          '--nsqd-tcp-address',
          `localhost:${mtlsNsqd.tcpPort}`,
          '--nsqd-tcp-address',
          tlsNsqd.tcpAddress,
        ],
        {input: 'a\nb\n', timeoutMs: 30_000},
      )
      expect(result.code).toBe(69)
      expect(flat(result.stderr)).toMatch(new RegExp(`nsqd localhost:${mtlsNsqd.tcpPort} refused publishing: .*TLS required`))
      expect(flat(result.stderr)).toMatch(/2 read, 2 failed/)
    })
  })

  describe('a secret file that cannot be read → exit 2 naming the flag (and no secret)', () => {
    it.each([
      [
        'to-nsq --auth-secret-file',
        (): string[] => ['to-nsq', topic(), '--nsqd-tcp-address', authNsqd.tcpAddress, '--auth-secret-file', '/nonexistent/secret'],
        /--auth-secret-file \/nonexistent\/secret: ENOENT/,
      ],
      [
        'tail --auth-secret-file',
        (): string[] => ['tail', topic(), '--nsqd-tcp-address', authNsqd.tcpAddress, '--auth-secret-file', '/nonexistent/secret'],
        /--auth-secret-file \/nonexistent\/secret: ENOENT/,
      ],
      [
        'stat --http-auth-file',
        (): string[] => ['stat', '--once', '--nsqd-http-address', authNsqd.httpAddress, '--http-auth-file', '/nonexistent/h'],
        /--http-auth-file \/nonexistent\/h: ENOENT/,
      ],
    ])('%s', async (_name, args, message) => {
      const result = await runCli(args(), {input: 'x\n', timeoutMs: 30_000})
      expect(result.code).toBe(2)
      expect(flat(result.stderr)).toMatch(message)
    })
  })

  describe('AUTH (nsqd --auth-http-address)', () => {
    it('an allowed secret from NSQ_AUTH_SECRET publishes; one from --auth-secret-file reads', async () => {
      const name = topic()
      const pub = await runCli(['to-nsq', name, '--nsqd-tcp-address', authNsqd.tcpAddress], {
        input: 'authed\n',
        env: {NSQ_AUTH_SECRET: ALLOWED_SECRET},
        timeoutMs: 30_000,
      })
      expect(pub.code, pub.stderr).toBe(0)
      expect(authCalls).toContain(ALLOWED_SECRET)
      const file = path.join(tempDir(), 'secret')
      fs.writeFileSync(file, `${ALLOWED_SECRET}\n`, {mode: 0o600})
      const tail = await runCli(
        ['tail', name, '-n', '1', '-c', 'check', '--nsqd-tcp-address', authNsqd.tcpAddress, '--auth-secret-file', file],
        {timeoutMs: 30_000},
      )
      expect(tail.code, tail.stderr).toBe(0)
      expect(tail.stdout.toString()).toBe('authed\n')
      expectNoSecrets(pub, [ALLOWED_SECRET])
      expectNoSecrets(tail, [ALLOWED_SECRET])
    })

    const denied: [string, (dir: string) => string[]][] = [
      ['to-nsq', () => ['to-nsq', topic(), '--nsqd-tcp-address', authNsqd.tcpAddress]],
      ['tail', () => ['tail', topic(), '--nsqd-tcp-address', authNsqd.tcpAddress]],
      ['to-file', (d) => ['to-file', '--topic', topic(), '--output-dir', d, '--nsqd-tcp-address', authNsqd.tcpAddress]],
      ['bench pub', () => ['bench', 'pub', '-n', '5', '--no-cleanup', '--nsqd-tcp-address', authNsqd.tcpAddress]],
    ]
    it.each(denied)('a denied secret: %s → exit 69, a clear AUTH error, the secret not shown', async (_name, args) => {
      const result = await runCli(args(tempDir()), {input: 'x\n', env: {NSQ_AUTH_SECRET: DENIED_SECRET}, timeoutMs: 30_000})
      expect(result.code).toBe(69)
      expect(flat(result.stderr)).toMatch(/AUTH/)
      expectNoSecrets(result, [DENIED_SECRET])
    })

    it('a secret not permitted to publish on the topic: to-nsq stops at the first refusal (E_UNAUTHORIZED) without waiting for the end of stdin, summary, exit 69, secret not shown', async () => {
      const result = await runWithStdinOpen(['to-nsq', topic(), '--nsqd-tcp-address', authNsqd.tcpAddress], 'x\ny\n', {
        NSQ_AUTH_SECRET: LIMITED_SECRET,
      })
      expect(result.signal).toBeNull()
      expect(result.code).toBe(69)
      const text = flat(result.stderr)
      expect(text).toMatch(/refused publishing: E_UNAUTHORIZED/)
      expect(text).toMatch(/check the AUTH secret/)
      expect(text).toMatch(/published 0 msgs .*; 2 read, 2 failed/)
      expectNoSecrets(result, [LIMITED_SECRET])
    })

    it('no secret at all against an nsqd that requires one: to-nsq → exit 69 saying AUTH is required', async () => {
      const result = await runCli(['to-nsq', topic(), '--nsqd-tcp-address', authNsqd.tcpAddress], {input: 'x\n', timeoutMs: 30_000})
      expect(result.code).toBe(69)
      expect(flat(result.stderr)).toMatch(/AUTH/)
      expect(flat(result.stderr)).toMatch(/NSQ_AUTH_SECRET|--auth-secret-file/)
    })
  })

  describe('secrets are never shown', () => {
    it('to-nsq --json output, stderr and the command line hold none of NSQ_AUTH_SECRET / --auth-secret-file / NSQ_HTTP_AUTH', async () => {
      const name = topic()
      const file = path.join(tempDir(), 'secret')
      fs.writeFileSync(file, ALLOWED_SECRET, {mode: 0o600})
      const env = {NSQ_HTTP_AUTH: HTTP_AUTH}
      const fromFile = await runCli(
        [
          'to-nsq',
          name,
          '--json',
          '--auth-secret-file',
          file,
          '--nsqd-tcp-address',
          authNsqd.tcpAddress,
          '--nsqd-http-address',
          authNsqd.httpAddress,
        ],
        {input: 'a\nb\n', env, timeoutMs: 30_000},
      )
      expect(fromFile.code, fromFile.stderr).toBe(0)
      const summary = JSON.parse(fromFile.stdout.toString()) as Record<string, unknown>
      expect(summary.published).toBe(2)
      expectNoSecrets(fromFile, [ALLOWED_SECRET, HTTP_AUTH, 'http-token-5c1e9d77'])

      const fromEnv = await runCli(['to-nsq', name, '--json', '--nsqd-tcp-address', authNsqd.tcpAddress], {
        input: 'c\n',
        env: {...env, NSQ_AUTH_SECRET: ALLOWED_SECRET},
        timeoutMs: 30_000,
      })
      expect(fromEnv.code, fromEnv.stderr).toBe(0)
      expectNoSecrets(fromEnv, [ALLOWED_SECRET, 'http-token-5c1e9d77'])
      expect((await readBack(authNsqd.tcpAddress, name, 'check', 3, 3000, {authSecret: ALLOWED_SECRET})).map(String).sort()).toEqual([
        'a',
        'b',
        'c',
      ])
    })

    it('stat --json sends NSQ_HTTP_AUTH as the Authorization header and never prints it', async () => {
      headerServer = http.createServer((request, response) => {
        httpAuthHeaders.push(request.headers.authorization ?? '')
        response.writeHead(500).end('nope')
      })
      await new Promise<void>((resolve) => headerServer.listen(0, '127.0.0.1', resolve))
      const port = (headerServer.address() as {port: number}).port
      const result = await runCli(['stat', '--once', '--json', '--nsqd-http-address', `127.0.0.1:${port}`], {
        env: {NSQ_HTTP_AUTH: HTTP_AUTH},
        timeoutMs: 30_000,
      })
      expect(httpAuthHeaders).toContain(HTTP_AUTH)
      expect(result.stdout.length).toBeGreaterThan(0)
      expectNoSecrets(result, [HTTP_AUTH, 'http-token-5c1e9d77'])
    })

    it('--auth-secret on the command line works but warns that the process list shows it', async () => {
      const result = await runCli(['to-nsq', topic(), '--auth-secret', ALLOWED_SECRET, '--nsqd-tcp-address', authNsqd.tcpAddress], {
        input: 'x\n',
        timeoutMs: 30_000,
      })
      expect(result.code, result.stderr).toBe(0)
      expect(result.stderr).toMatch(
        /warning: --auth-secret on the command line is visible in the process list; prefer NSQ_AUTH_SECRET or --auth-secret-file/,
      )
      expectNoSecrets(result, [ALLOWED_SECRET])
    })

    it('a running tail and to-file show no secret in /proc/<pid>/cmdline (secrets from the environment or a file)', async () => {
      const file = path.join(tempDir(), 'secret')
      fs.writeFileSync(file, ALLOWED_SECRET, {mode: 0o600})
      const runs = [
        spawnCli(['tail', topic(), '--nsqd-tcp-address', authNsqd.tcpAddress, '--auth-secret-file', file], {
          env: {NSQ_HTTP_AUTH: HTTP_AUTH},
        }),
        spawnCli(['to-file', '--topic', topic(), '--output-dir', tempDir(), '--nsqd-tcp-address', authNsqd.tcpAddress], {
          env: {NSQ_AUTH_SECRET: ALLOWED_SECRET, NSQ_HTTP_AUTH: HTTP_AUTH},
        }),
      ]
      const done = runs.map((child) => collect(child, {timeoutMs: 60_000}))
      try {
        const before = authCalls.length
        // Both have authenticated (nsqd asked the auth server for each).
        await waitFor(() => authCalls.length >= before + 2, 20_000, 'both to authenticate')
        for (const child of runs) {
          expect(child.exitCode).toBeNull()
          const cmdline = fs.readFileSync(`/proc/${child.pid as number}/cmdline`, 'utf8')
          expect(cmdline).toContain(authNsqd.tcpAddress)
          expect(cmdline).not.toContain(ALLOWED_SECRET)
          expect(cmdline).not.toContain('http-token-5c1e9d77')
        }
      } finally {
        for (const child of runs) process.kill(child.pid as number, 'SIGTERM')
        const results = await Promise.all(done)
        await Promise.all(runs.map((child) => stopChild(child)))
        for (const result of results) {
          expect(result.code).toBe(0)
          expectNoSecrets(result, [ALLOWED_SECRET, 'http-token-5c1e9d77'])
        }
      }
    })
  })
})
