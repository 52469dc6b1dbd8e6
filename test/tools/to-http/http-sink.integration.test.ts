/**
 * HttpSink against a real node:http server on loopback: the dispatch path (status, Retry-After,
 * the body dropped), and a drain whose requests outlive its timeout (they are failed, and their
 * messages requeued, not lost).
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {HttpSink, type HttpSinkOptions} from '../../../src/tools/to-http/http-sink.js'
import {RequeueRequest, type Delivery} from '../../../src/tools/source/sink.js'

const servers: http.Server[] = []
const sinks: HttpSink[] = []
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close()
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`
}

function sink(url: string, extra: Partial<HttpSinkOptions> = {}): HttpSink {
  const s = new HttpSink({
    method: 'POST',
    urls: [url],
    mode: 'hostpool',
    contentType: 'application/octet-stream',
    headers: [],
    format: 'raw',
    concurrency: 10,
    connectTimeoutMs: 2000,
    requestTimeoutMs: 20_000,
    policy: {on4xx: 'errors', baseDelayMs: 1000, maxDelayMs: 3_600_000},
    userAgent: 'test',
    ...extra,
  })
  sinks.push(s)
  return s
}

function message(i: number): Delivery {
  return {
    topic: 't',
    channel: 'c',
    id: i.toString(16).padStart(16, '0'),
    timestamp: 0n,
    attempts: 1,
    nsqd: '127.0.0.1:4150',
    body: Buffer.from(`m-${i}`),
    finish: () => undefined,
    requeue: () => undefined,
    touch: () => undefined,
  }
}

describe('HttpSink on a real HTTP server', () => {
  it('2xx resolves; 503 with Retry-After rejects with that delay; a large response body is read and dropped', async () => {
    let n = 0
    const url = await serve((req, res) => {
      req.resume()
      req.on('end', () => {
        n++
        if (n === 2) {
          res.writeHead(503, {'Retry-After': '7'})
          res.end()
        } else res.end('x'.repeat(1 << 20))
      })
    })
    const s = sink(url)
    await expect(s.accept(message(1))).resolves.toBeUndefined()
    const refused = await s.accept(message(2)).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(RequeueRequest)
    expect((refused as RequeueRequest).delayMs).toBe(7000)
    await expect(s.accept(message(3))).resolves.toBeUndefined()
    expect(s.stats).toMatchObject({requests: 3, delivered: 2, retryAfter: 1, byClass: {'2xx': 2, '5xx': 1}})
  })

  it('drain: requests still unanswered after the timeout are failed and their messages requeued; close() then resolves', async () => {
    const url = await serve((req) => req.resume())
    const s = sink(url)
    const pending = [1, 2, 3].map(async (i) =>
      s.accept(message(i)).then(
        () => 'fin',
        (e: unknown) => e,
      ),
    )
    while (s.stats.requests < 3) await new Promise((resolve) => setImmediate(resolve))
    await s.drain(50)
    const outcomes = await Promise.all(pending)
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(RequeueRequest)
    expect(s.inFlight).toBe(0)
    expect(s.stats.byClass.error).toBe(3)
    await s.close()
  })
})
