/**
 * Hostile HTTP through the built CLI: an "nsqd" or "nsqlookupd" whose HTTP API answers a truncated
 * body, an HTML error page, or drips bytes forever. Each command ends within its deadline with the
 * reason on stderr and its documented exit code (69: the service did not answer usably); never a
 * hang, a crash or a stack trace.
 */
import http from 'node:http'
import type net from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../support/cli.js'

type Mode = 'truncated' | 'html' | 'drip'
const servers: http.Server[] = []
/** One server per kind of bad answer, whatever the path. */
const address: Record<Mode, string> = {truncated: '', html: '', drip: ''}

beforeAll(async () => {
  for (const mode of Object.keys(address) as Mode[]) {
    const server = http.createServer((_req, res) => reply(mode, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    address[mode] = `127.0.0.1:${(server.address() as net.AddressInfo).port}`
    servers.push(server)
  }
})
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

function reply(mode: Mode, res: http.ServerResponse): void {
  if (mode === 'html') {
    res.writeHead(502, {'content-type': 'text/html'}).end('<html><body>Bad Gateway</body></html>')
  } else if (mode === 'drip') {
    res.writeHead(200, {'content-type': 'application/json'})
    const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 100)
    res.on('close', () => clearInterval(timer))
  } else {
    res.writeHead(200, {'content-type': 'application/json'}).end('{"version":"1.3.0","topics":[{"topic_name":')
  }
}

const flat = (text: string): string => text.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')

describe('hostile HTTP through the CLI', () => {
  it.each([
    ['truncated', /response is not valid JSON/],
    ['html', /HTTP 502 .*Bad Gateway/],
    ['drip', /no complete response within 2000 ms/],
  ] as const)('to-nsq --lookupd-http-address, lookupd answers %s → exit 69 with the reason, in bounded time', async (mode, reason) => {
    const started = Date.now()
    const result = await runCli(['to-nsq', 't', '--lookupd-http-address', address[mode]], {input: 'x\n', timeoutMs: 20_000})
    expect(result.code, result.stderr).toBe(69)
    expect(flat(result.stderr)).toMatch(reason)
    expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+/m)
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it.each([
    ['truncated', /is DOWN: response is not valid JSON/],
    ['html', /is DOWN: HTTP 502/],
    ['drip', /is DOWN: no complete response within 1000 ms/],
  ] as const)('stat --once, nsqd answers %s → shown DOWN with the reason, exit 69, in bounded time', async (mode, reason) => {
    const started = Date.now()
    const result = await runCli(['stat', '--once', '--json', '--http-timeout', '1s', '--nsqd-http-address', address[mode]], {
      timeoutMs: 20_000,
    })
    expect(result.code, result.stderr).toBe(69)
    expect(flat(result.stderr)).toMatch(reason)
    const tick = JSON.parse(result.stdout.toString('utf8')) as {nodes: {status: string; error: string}[]}
    expect(tick.nodes).toHaveLength(1)
    expect(tick.nodes[0]?.status).toBe('down')
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
