/**
 * Issue 17, contexts, through the built CLI against real nsqd / nsqlookupd: a context supplies
 * every connection setting (each seen both in `nsq context show` and in what a real command did
 * with it: TLS with a client certificate, AUTH, compression, the address map, lookupd and HTTP
 * Authorization); flags and env override it; a 0644 context file is refused; no secret is ever
 * printed; two contexts on two clusters each get their own messages. Each test has its own
 * XDG_CONFIG_HOME.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {collect, runCli, spawnCli, type CliOptions, type CliResult} from '../support/cli.js'
import {makeTestPki, type TestPki} from '../support/certs.js'
import {startLookupd, startNsqd, type LookupdProcess, type NsqdProcess} from '../support/nsq.js'
import {collectOutput, stopChild} from '../support/processes.js'
import {waitFor} from '../support/read-back.js'

/** oclif wraps error lines with " ›   "; compare on one line. */
const flat = (text: string): string => text.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')
let seq = 0
const topic = (): string => `ctx_${process.pid}_${++seq}`

/** Recognisable secrets: none may ever appear in anything the CLI prints. */
const FILE_SECRET = 'file-secret-9d1f3a7c55'
const ENV_SECRET = 'env-secret-4b8e2c19aa'
const HTTP_FILE_TOKEN = 'Bearer http-file-token-6a2d91'
const HTTP_ENV_TOKEN = 'Bearer http-env-token-0c7b35'
const SECRETS = [FILE_SECRET, ENV_SECRET, HTTP_FILE_TOKEN, HTTP_ENV_TOKEN, 'http-file-token-6a2d91', 'http-env-token-0c7b35']

function expectNoSecrets(result: Pick<CliResult, 'stdout' | 'stderr'>): void {
  for (const secret of SECRETS) {
    expect(result.stdout.toString('utf8')).not.toContain(secret)
    expect(result.stderr).not.toContain(secret)
  }
}

let xdg: string
/** The CLI with this test's XDG_CONFIG_HOME (and no NSQ_* from the runner's environment). */
function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runCli(args, {timeoutMs: 30_000, ...options, env: {...cleanEnv(), XDG_CONFIG_HOME: xdg, ...options.env}})
}
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('NSQ_'))
      .map((k) => [k, undefined]),
  )
}
async function add(name: string, args: string[]): Promise<void> {
  const result = await cli(['context', 'add', name, ...args])
  expect(result.code, result.stderr).toBe(0)
}
async function publish(nsqd: NsqdProcess, name: string, bodies: string[]): Promise<void> {
  for (const body of bodies) {
    const response = await fetch(`http://${nsqd.httpAddress}/pub?topic=${name}`, {method: 'POST', body})
    expect(response.status).toBe(200)
  }
}

/** An HTTP proxy that records each request's Authorization header and forwards it to `target`. */
async function recordingProxy(target: () => string): Promise<{server: http.Server; address: string; seen: string[]}> {
  const seen: string[] = []
  const server = http.createServer((request, response) => {
    seen.push(request.headers.authorization ?? '')
    const upstream = http.request(
      `http://${target()}${request.url ?? '/'}`,
      {method: request.method, headers: {...request.headers, host: target()}},
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    upstream.on('error', () => response.writeHead(502).end())
    request.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {server, address: `127.0.0.1:${(server.address() as {port: number}).port}`, seen}
}

beforeEach(() => {
  xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-xdg-'))
})

describe('a context supplies every connection setting (real nsqd with mutual TLS, AUTH, lookupd behind a broadcast name)', () => {
  let pki: TestPki
  let lookupd: LookupdProcess
  let nsqd: NsqdProcess
  let authServer: http.Server
  const authCalls: string[] = []
  let lookupdProxy: Awaited<ReturnType<typeof recordingProxy>>
  let nsqdHttpProxy: Awaited<ReturnType<typeof recordingProxy>>
  let files: {secret: string; httpAuth: string}

  beforeAll(async () => {
    pki = makeTestPki()
    authServer = http.createServer((request, response) => {
      const secret = new URL(request.url ?? '/', 'http://x').searchParams.get('secret') ?? ''
      authCalls.push(secret)
      if (secret !== FILE_SECRET && secret !== ENV_SECRET) {
        response.writeHead(403).end('{"message":"denied"}')
        return
      }
      response.writeHead(200, {'content-type': 'application/json'}).end(
        JSON.stringify({
          ttl: 3600,
          identity: 'tester',
          identity_url: '',
          authorizations: [{permissions: ['subscribe', 'publish'], topic: '.*', channels: ['.*']}],
        }),
      )
    })
    await new Promise<void>((resolve) => authServer.listen(0, '127.0.0.1', resolve))
    lookupd = await startLookupd()
    nsqd = await startNsqd({
      lookupd: [lookupd],
      args: [
        `--tls-cert=${pki.serverCert}`,
        `--tls-key=${pki.serverKey}`,
        '--https-address=127.0.0.1:0',
        '--tls-client-auth-policy=require-verify',
        `--tls-root-ca-file=${pki.caFile}`,
        '--tls-required=tcp-https',
        `--auth-http-address=127.0.0.1:${(authServer.address() as {port: number}).port}`,
        // lookupd hands out a name nobody can dial: only the context's --address-map reaches it.
        '--broadcast-address=ctx-node.invalid',
      ],
    })
    lookupdProxy = await recordingProxy(() => lookupd.httpAddress)
    nsqdHttpProxy = await recordingProxy(() => nsqd.httpAddress)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-secrets-'))
    files = {secret: path.join(dir, 'secret'), httpAuth: path.join(dir, 'http-auth')}
    fs.writeFileSync(files.secret, `${FILE_SECRET}\n`, {mode: 0o600})
    fs.writeFileSync(files.httpAuth, `${HTTP_FILE_TOKEN}\n`, {mode: 0o600})
  })
  afterAll(async () => {
    await Promise.all([nsqd?.stop(), lookupd?.stop()])
    for (const server of [authServer, lookupdProxy?.server, nsqdHttpProxy?.server])
      await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)))
  })

  /** The nsqd /stats entry of the one client reading `name`. */
  async function clientOf(name: string): Promise<Record<string, unknown>> {
    const stats = (await (await fetch(`http://${nsqd.httpAddress}/stats?format=json&topic=${name}`)).json()) as {
      topics: {channels: {clients: Record<string, unknown>[]}[]}[]
    }
    const client = stats.topics[0]?.channels[0]?.clients[0]
    expect(client).toBeDefined()
    return client as Record<string, unknown>
  }

  /** Runs `tail` until it printed `expected`, reads its connection from nsqd's /stats, then stops it (Ctrl-C). */
  async function tailAndInspect(args: string[], expected: string, env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
    const child = spawnCli(args, {env: {...cleanEnv(), XDG_CONFIG_HOME: xdg, ...env}, stdin: 'ignore'})
    const output = collectOutput(child)
    try {
      await output.until((text) => text.includes(expected), 30_000, 'tail')
      return await clientOf(args[1] as string)
    } finally {
      const done = collect(child)
      await stopChild(child, 'SIGINT')
      const result = await done
      expectNoSecrets({stdout: Buffer.from(output.text()), stderr: result.stderr})
    }
  }

  it('lookupd + address map + mutual TLS (CA, cert, key, min version) + AUTH secret file + HTTP auth file + snappy: show lists each from the context, tail works off it', async () => {
    await add('full', [
      '--lookupd-http-address',
      lookupdProxy.address,
      '--address-map',
      'ctx-node.invalid=localhost',
      '--tls',
      '--tls-ca',
      pki.caFile,
      '--tls-cert',
      pki.clientCert,
      '--tls-key',
      pki.clientKey,
      '--tls-min-version',
      'TLSv1.3',
      '--auth-secret-file',
      files.secret,
      '--http-auth-file',
      files.httpAuth,
      '--compression',
      'snappy',
      '--description',
      'everything',
    ])
    const show = await cli(['context', 'show', 'full', '--json'])
    expect(show.code, show.stderr).toBe(0)
    const fromContext = {source: 'context', context: 'full'}
    expect(JSON.parse(show.stdout.toString()).settings).toEqual({
      lookupd_http_address: {value: [lookupdProxy.address], ...fromContext},
      address_map: {value: ['ctx-node.invalid=localhost'], ...fromContext},
      tls: {value: true, ...fromContext},
      tls_ca: {value: pki.caFile, ...fromContext},
      tls_cert: {value: pki.clientCert, ...fromContext},
      tls_key: {value: pki.clientKey, ...fromContext},
      tls_min_version: {value: 'TLSv1.3', ...fromContext},
      auth_secret_file: {value: files.secret, ...fromContext},
      http_auth_file: {value: files.httpAuth, ...fromContext},
      compression: {value: 'snappy', ...fromContext},
      deflate_level: {value: 6, source: 'default'},
    })
    expectNoSecrets(show)

    const name = topic()
    await publish(nsqd, name, ['through the context'])
    const before = {auth: authCalls.length, lookupd: lookupdProxy.seen.length}
    const client = await tailAndInspect(['tail', name, '--context', 'full'], 'through the context\n')
    // TLS 1.3 with our client certificate, snappy, AUTH'd: every TCP setting reached the connection.
    expect(client).toMatchObject({tls: true, tls_version: 'TLS1.3', snappy: true, deflate: false, authed: true})
    expect(authCalls.slice(before.auth)).toContain(FILE_SECRET)
    // lookupd was asked through the context's address, with the context's Authorization header.
    expect(lookupdProxy.seen.length).toBeGreaterThan(before.lookupd)
    expect(lookupdProxy.seen.slice(before.lookupd).every((h) => h === HTTP_FILE_TOKEN)).toBe(true)
  })

  it('nsqd address + --tls-insecure + AUTH secret from an env var + deflate level: show and tail', async () => {
    await add('direct', [
      // 127.0.0.1 is not the name in the certificate: only --tls-insecure lets this through.
      '--nsqd-tcp-address',
      `127.0.0.1:${nsqd.tcpPort}`,
      '--tls-insecure',
      '--tls-cert',
      pki.clientCert,
      '--tls-key',
      pki.clientKey,
      '--auth-secret-env',
      'CTX_TEST_SECRET',
      '--compression',
      'deflate',
      '--deflate-level',
      '3',
    ])
    const env = {CTX_TEST_SECRET: ENV_SECRET}
    const show = await cli(['context', 'show', 'direct', '--json'], {env})
    expect(show.code, show.stderr).toBe(0)
    const settings = JSON.parse(show.stdout.toString()).settings as Record<string, unknown>
    expect(settings).toMatchObject({
      nsqd_tcp_address: {value: [`127.0.0.1:${nsqd.tcpPort}`], source: 'context', context: 'direct'},
      tls_insecure: {value: true, source: 'context'},
      auth_secret: {value: '********', source: 'context', env: 'CTX_TEST_SECRET'},
      compression: {value: 'deflate', source: 'context'},
      deflate_level: {value: 3, source: 'context'},
    })
    expectNoSecrets(show)

    const name = topic()
    await publish(nsqd, name, ['insecure but authed'])
    const before = authCalls.length
    const client = await tailAndInspect(['tail', name, '--context', 'direct'], 'insecure but authed\n', env)
    expect(client).toMatchObject({tls: true, deflate: true, snappy: false, authed: true})
    expect(authCalls.slice(before)).toContain(ENV_SECRET)
  })

  it('nsqd HTTP address + HTTP auth from an env var: stat reads through them', async () => {
    const name = topic()
    await publish(nsqd, name, ['x'])
    await add('web', ['--nsqd-http-address', nsqdHttpProxy.address, '--http-auth-env', 'CTX_TEST_HTTP'])
    const env = {CTX_TEST_HTTP: HTTP_ENV_TOKEN}
    const show = await cli(['context', 'show', '--context', 'web', '--json'], {env})
    expect(JSON.parse(show.stdout.toString())).toMatchObject({
      context: {name: 'web', from: 'flag'},
      settings: {
        nsqd_http_address: {value: [nsqdHttpProxy.address], source: 'context'},
        http_auth: {value: '********', source: 'context', env: 'CTX_TEST_HTTP'},
      },
    })
    const before = nsqdHttpProxy.seen.length
    const stat = await cli(['stat', '--once', '--json', '--context', 'web'], {env})
    expect(stat.code, stat.stderr).toBe(0)
    expect(stat.stdout.toString()).toContain(name)
    expect(nsqdHttpProxy.seen.slice(before)).toContain(HTTP_ENV_TOKEN)
    expectNoSecrets(show)
    expectNoSecrets(stat)
  })

  it('no secret is ever printed: show, list (text and --json), and every error path', async () => {
    await add('full', [
      '--nsqd-tcp-address',
      `localhost:${nsqd.tcpPort}`,
      '--auth-secret-file',
      files.secret,
      '--http-auth-file',
      files.httpAuth,
    ])
    await add('envref', [
      '--nsqd-tcp-address',
      `localhost:${nsqd.tcpPort}`,
      '--auth-secret-env',
      'CTX_TEST_SECRET',
      '--http-auth-env',
      'CTX_TEST_HTTP',
    ])
    const env = {CTX_TEST_SECRET: ENV_SECRET, CTX_TEST_HTTP: HTTP_ENV_TOKEN, NSQ_HTTP_AUTH: HTTP_ENV_TOKEN}
    const runs: CliResult[] = []
    const run = async (args: string[], runEnv: NodeJS.ProcessEnv = env): Promise<CliResult> => {
      const result = await cli(args, {env: runEnv})
      runs.push(result)
      return result
    }
    for (const args of [
      ['context', 'show', 'full'],
      ['context', 'show', 'full', '--json'],
      ['context', 'show', 'envref'],
      ['context', 'show', 'envref', '--json'],
      ['context', 'show', 'envref', '--auth-secret', FILE_SECRET],
      ['context', 'list'],
      ['context', 'list', '--json'],
    ])
      expect((await run(args)).code).toBe(0)
    // Secrets given where a context would store them: refused, without repeating them.
    const refused = await run(['context', 'add', 'bad', '--auth-secret', FILE_SECRET])
    expect(refused.code).toBe(2)
    expect(flat(refused.stderr)).toMatch(/never stores a secret/)
    const notAName = await run(['context', 'add', 'bad', '--auth-secret-env', HTTP_ENV_TOKEN])
    expect(notAName.code).toBe(2)
    expect(flat(notAName.stderr)).toMatch(/NAME of an environment variable/)
    // A referenced variable that is not set: the error names the variable.
    const unset = await run(['tail', topic(), '-n', '1', '--context', 'envref'], {})
    expect(unset.code).toBe(2)
    expect(flat(unset.stderr)).toMatch(/CTX_TEST_SECRET, which is not set/)
    // The same with --json: the error object holds no secret either.
    expect((await run(['context', 'show', 'nope', '--json'])).code).toBe(2)
    // A refused (0644) file, by show, list and a command.
    fs.chmodSync(path.join(xdg, 'nsq-toolkit', 'contexts', 'full.json'), 0o644)
    for (const args of [
      ['context', 'show', 'full', '--json'],
      ['context', 'list', '--json'],
      ['tail', topic(), '--context', 'full'],
    ])
      expect((await run(args)).code).toBe(2)
    // A real AUTH failure (denied by the auth server) through a context: exit 69, no secret.
    fs.writeFileSync(files.secret + '.denied', 'denied-secret-value\n', {mode: 0o600})
    await add('denied', [
      '--nsqd-tcp-address',
      `localhost:${nsqd.tcpPort}`,
      '--tls-ca',
      pki.caFile,
      '--tls-cert',
      pki.clientCert,
      '--tls-key',
      pki.clientKey,
      '--auth-secret-env',
      'CTX_TEST_SECRET',
    ])
    const denied = await run(['tail', topic(), '--context', 'denied'], {CTX_TEST_SECRET: `${ENV_SECRET}-wrong`})
    expect(denied.code).toBe(69)
    expect(flat(denied.stderr)).toMatch(/connection settings came from context "denied" \(nsq context show denied lists them\)/)
    for (const result of runs) expectNoSecrets(result)
    for (const result of runs) expect(result.stdout.toString() + result.stderr).not.toContain(`${ENV_SECRET}-wrong`)
    // Nor is one stored: the context files hold references only.
    for (const file of fs.readdirSync(path.join(xdg, 'nsq-toolkit', 'contexts')))
      for (const secret of SECRETS) expect(fs.readFileSync(path.join(xdg, 'nsq-toolkit', 'contexts', file), 'utf8')).not.toContain(secret)
  })
})

describe('two contexts, two clusters', () => {
  let nsqdA: NsqdProcess
  let lookupdB: LookupdProcess
  let nsqdB: NsqdProcess

  beforeAll(async () => {
    lookupdB = await startLookupd()
    ;[nsqdA, nsqdB] = await Promise.all([startNsqd(), startNsqd({lookupd: [lookupdB]})])
  })
  afterAll(async () => {
    await Promise.all([nsqdA?.stop(), nsqdB?.stop(), lookupdB?.stop()])
  })

  /** A fresh topic with different messages on each cluster (registered with lookupd B). */
  async function seed(): Promise<string> {
    const name = topic()
    await publish(nsqdA, name, ['a1', 'a2'])
    await publish(nsqdB, name, ['b1', 'b2'])
    await waitFor(
      async () =>
        ((await (await fetch(`http://${lookupdB.httpAddress}/lookup?topic=${name}`)).json()) as {producers?: unknown[]}).producers
          ?.length === 1,
      10_000,
      'lookupd B lists the topic',
    )
    return name
  }
  async function contexts(): Promise<void> {
    await add('a', ['--nsqd-tcp-address', nsqdA.tcpAddress, '--description', 'cluster A'])
    await add('b', ['--lookupd-http-address', lookupdB.httpAddress, '--description', 'cluster B'])
  }
  async function tail(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const result = await cli(['tail', name, '-n', '2', ...args], {env})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).not.toMatch(/not both/)
    return result.stdout.toString()
  }

  it('tail --context a / --context b each read their own cluster; NSQ_CONTEXT and the current context too', async () => {
    await contexts()
    let name = await seed()
    expect(await tail(name, ['--context', 'a'])).toBe('a1\na2\n')
    expect(await tail(name, ['--context', 'b'])).toBe('b1\nb2\n')
    name = await seed()
    expect(await tail(name, [], {NSQ_CONTEXT: 'b'})).toBe('b1\nb2\n')
    const use = await cli(['context', 'use', 'a'])
    expect(use.code, use.stderr).toBe(0)
    expect(await tail(name, [])).toBe('a1\na2\n')
    const list = await cli(['context', 'list'])
    expect(list.stdout.toString()).toMatch(/^\* a +cluster A +nsqd /m)
    expect(list.stdout.toString()).toMatch(/^ {2}b +cluster B +lookupd /m)
    const json = JSON.parse((await cli(['context', 'list', '--json'])).stdout.toString()) as {
      current: string
      contexts: {name: string; current: boolean}[]
    }
    expect(json.current).toBe('a')
    expect(json.contexts.map((c) => [c.name, c.current])).toEqual([
      ['a', true],
      ['b', false],
    ])
    // --context '' ignores the current one: no address at all is a usage error.
    const none = await cli(['tail', name, '-n', '1', '--context', ''])
    expect(none.code).toBe(2)
  })

  it('a flag beats the context: --context b (lookupd) with --nsqd-tcp-address A reads A, no "not both"', async () => {
    await contexts()
    const name = await seed()
    expect(await tail(name, ['--context', 'b', '--nsqd-tcp-address', nsqdA.tcpAddress])).toBe('a1\na2\n')
    const show = await cli(['context', 'show', 'b', '--nsqd-tcp-address', nsqdA.tcpAddress, '--json'])
    const settings = JSON.parse(show.stdout.toString()).settings as Record<string, unknown>
    expect(settings.nsqd_tcp_address).toEqual({value: [nsqdA.tcpAddress], source: 'flag'})
    expect(settings.lookupd_http_address).toBeUndefined()
  })

  it('env beats the context: NSQ_NSQD_TCP_ADDRESS=A with --context b reads A; NSQ_LOOKUPD_HTTP_ADDRESS=B with --context a reads B', async () => {
    await contexts()
    const name = await seed()
    expect(await tail(name, ['--context', 'b'], {NSQ_NSQD_TCP_ADDRESS: nsqdA.tcpAddress})).toBe('a1\na2\n')
    expect(await tail(name, ['--context', 'a'], {NSQ_LOOKUPD_HTTP_ADDRESS: lookupdB.httpAddress})).toBe('b1\nb2\n')
    const show = await cli(['context', 'show', 'a', '--json'], {
      env: {NSQ_COMPRESSION: 'snappy', NSQ_LOOKUPD_HTTP_ADDRESS: lookupdB.httpAddress},
    })
    const settings = JSON.parse(show.stdout.toString()).settings as Record<string, unknown>
    expect(settings).toMatchObject({
      lookupd_http_address: {value: [lookupdB.httpAddress], source: 'env', env: 'NSQ_LOOKUPD_HTTP_ADDRESS'},
      compression: {value: 'snappy', source: 'env', env: 'NSQ_COMPRESSION'},
    })
    expect(settings.nsqd_tcp_address).toBeUndefined()
  })

  it('a context file readable by others (0644) is refused, naming the file and chmod 600; exit 2', async () => {
    await contexts()
    const file = path.join(xdg, 'nsq-toolkit', 'contexts', 'a.json')
    fs.chmodSync(file, 0o644)
    for (const args of [
      ['tail', 'whatever', '--context', 'a'],
      ['context', 'show', 'a'],
      ['stat', '--once', '--context', 'a'],
    ]) {
      const result = await cli(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(flat(result.stderr)).toContain(`context file ${file} is accessible by group or others (mode 0644)`)
      expect(flat(result.stderr)).toContain(`chmod 600 ${file}`)
    }
    const list = await cli(['context', 'list'])
    expect(list.code).toBe(2)
    expect(list.stdout.toString()).toMatch(/a +cluster A|a +\(refused/)
    fs.chmodSync(file, 0o600)
    const name = await seed()
    expect(await tail(name, ['--context', 'a'])).toBe('a1\na2\n')
  })
})
