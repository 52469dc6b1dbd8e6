/**
 * Hostile HTTP (issue: fault suite): a local server answers /stats and /lookup with malformed,
 * truncated, mistyped, huge or slow bodies. The clients must always settle, in bounded time,
 * with a typed HttpError that says what was wrong; never crash, hang or return garbage.
 */
import http from 'node:http'
import type net from 'node:net'
import v8 from 'node:v8'
import vm from 'node:vm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {NsqdHttpClient} from '../../src/core/http/nsqd-client.js'
import {LookupdHttpClient} from '../../src/core/http/lookupd-client.js'
import {HttpError} from '../../src/core/errors.js'

type Reply = (response: http.ServerResponse) => void
let next: Reply = (res) => res.end('{}')
let server: http.Server
let address = ''

beforeAll(async () => {
  server = http.createServer((_req, res) => next(res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const channel = {
  channel_name: 'c',
  depth: 1,
  backend_depth: 0,
  in_flight_count: 0,
  deferred_count: 0,
  message_count: 1,
  requeue_count: 0,
  timeout_count: 0,
  client_count: 0,
  clients: [],
  paused: false,
}
const validStats = JSON.stringify({
  version: '1.3.0',
  health: 'OK',
  start_time: 1,
  topics: [{topic_name: 't', channels: [channel], depth: 0, backend_depth: 0, message_count: 1, message_bytes: 5, paused: false}],
  producers: [],
})
const validLookup = JSON.stringify({
  channels: ['c'],
  producers: [
    {remote_address: '127.0.0.1:1', hostname: 'h', broadcast_address: '127.0.0.1', tcp_port: 4150, http_port: 4151, version: '1.3.0'},
  ],
})

async function settle(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call()
  } catch (error) {
    return error
  }
}

describe('hostile HTTP responses', () => {
  it('serves as a control: the valid bodies parse', async () => {
    next = (res) => res.end(validStats)
    expect((await new NsqdHttpClient(address).stats()).topics[0]?.channels[0]?.depth).toBe(1)
    next = (res) => res.end(validLookup)
    expect((await new LookupdHttpClient(address).lookup('t')).producers[0]?.tcp_port).toBe(4150)
  })

  it('every truncation of a valid body → HttpError, for /stats and /lookup', async () => {
    for (const [body, call] of [
      [validStats, () => new NsqdHttpClient(address, {timeoutMs: 2000}).stats()],
      [validLookup, () => new LookupdHttpClient(address, {timeoutMs: 2000}).lookup('t')],
    ] as const) {
      for (let cut = 0; cut < body.length; cut += 7) {
        next = (res) => res.end(body.slice(0, cut))
        const result = await settle(call)
        expect(result, `cut at ${cut}: ${body.slice(0, cut)}`).toBeInstanceOf(HttpError)
      }
    }
  })

  it('random JSON values and mutated field types → HttpError naming the field, or a valid parse', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue(), fc.constantFrom('stats', 'lookup')),
        fc.constantFrom('topic_name', 'depth', 'channels', 'paused', 'producers', 'tcp_port', 'version'),
        fc.jsonValue(),
        async (doc, field, value) => {
          // Either a random document, or a valid one with one field replaced everywhere by a random value.
          const body =
            doc === 'stats' || doc === 'lookup'
              ? (doc === 'stats' ? validStats : validLookup).replaceAll(
                  new RegExp(`"${field}":("[^"]*"|[^,}\\]]+|\\[[^\\]]*\\])`, 'g'),
                  `"${field}":${JSON.stringify(value)}`,
                )
              : JSON.stringify(doc)
          next = (res) => res.end(body)
          for (const call of [() => new NsqdHttpClient(address).stats(), () => new LookupdHttpClient(address).lookup('t')]) {
            const result = await settle(call)
            if (result instanceof Error) {
              expect(result).toBeInstanceOf(HttpError)
              expect(result.message).toMatch(/unexpected response|not JSON|invalid JSON|JSON/i)
            } else {
              expect(typeof result).toBe('object')
            }
          }
        },
      ),
      {numRuns: 300},
    )
  })

  it('non-JSON, HTML error pages and binary → a clear HttpError', async () => {
    for (const body of ['<html><body>502 Bad Gateway</body></html>', '\u0000\u0001\u0002garbage', '', 'null', '[]', '"OK"']) {
      next = (res) => res.end(body)
      const result = await settle(() => new NsqdHttpClient(address).stats())
      expect(result, JSON.stringify(body)).toBeInstanceOf(HttpError)
    }
    next = (res) => {
      res.statusCode = 500
      res.end('{"message":"INTERNAL_ERROR"}')
    }
    const result = await settle(() => new NsqdHttpClient(address).stats())
    expect(result).toBeInstanceOf(HttpError)
    expect((result as HttpError).status).toBe(500)
  })

  it('a huge body is cut off at the cap instead of filling memory', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20)
    next = (res) => {
      let sent = 0
      const pump = (): void => {
        while (sent < 512 && res.write(chunk)) sent++
        if (sent < 512 && !res.destroyed) res.once('drain', pump)
        else res.end()
      }
      res.on('error', () => undefined)
      pump()
    }
    const before = process.memoryUsage().rss
    const result = await settle(() => new NsqdHttpClient(address, {maxBodyBytes: 4 * 1024 * 1024}).stats())
    expect(result).toBeInstanceOf(HttpError)
    expect((result as HttpError).message).toMatch(/large|exceed|limit/i)
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024)
  })

  it('a server that drips bytes or never finishes → a timeout error within the deadline', async () => {
    next = (res) => {
      res.writeHead(200, {'content-type': 'application/json'})
      res.write('{"version":')
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50)
      res.on('close', () => clearInterval(timer))
    }
    const started = Date.now()
    const result = await settle(() => new NsqdHttpClient(address, {timeoutMs: 500}).stats())
    expect(result).toBeInstanceOf(HttpError)
    expect((result as HttpError).code).toBe('TIMEOUT')
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('the deadline holds while garbage collections run (AbortSignal.any over AbortSignal.timeout was collected and never fired: requests hung)', async () => {
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc') as () => void
    next = (res) => {
      res.writeHead(200, {'content-type': 'application/json'})
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50)
      res.on('close', () => clearInterval(timer))
    }
    const collector = setInterval(gc, 25)
    try {
      const started = Date.now()
      const result = await Promise.race([
        settle(() => new LookupdHttpClient(address, {timeoutMs: 400}).lookup('t')),
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5000)),
      ])
      expect(result).toBeInstanceOf(HttpError)
      expect((result as HttpError).code).toBe('TIMEOUT')
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      clearInterval(collector)
    }
  })
})
