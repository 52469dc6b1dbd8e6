import http from 'node:http'
import fs from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Producer} from '../../src/core/producer/producer.js'
import {NsqdHttpClient} from '../../src/core/http/nsqd-client.js'
import {isNsqError, isServerError, type NsqError} from '../../src/core/errors.js'
import {skipIntegration, startNsqd, stopAllServices, type NsqdProcess} from '../support/nsq.js'
import {makeTestPki, type TestPki} from '../support/certs.js'
import {multiset, readWithNsqTail} from '../support/official.js'

/** Bodies of every byte except `\n` (nsq_tail's delimiter), including invalid UTF-8. */
function bodies(count: number, prefix: string): Buffer[] {
  return Array.from({length: count}, (_, i) => {
    const noise = Buffer.from(Array.from({length: i % 50}, (_, j) => ((i * 31 + j * 7) % 255) + 1).map((b) => (b === 0x0a ? 0x0b : b)))
    return Buffer.concat([Buffer.from(`${prefix}-${i}-`), noise])
  })
}

async function caught(promise: Promise<unknown>): Promise<NsqError> {
  try {
    await promise
  } catch (error) {
    if (isNsqError(error)) return error
    throw error
  }
  throw new Error('expected a rejection')
}

describe.skipIf(skipIntegration)('producer against real nsqd v1.3.0', () => {
  let nsqd: NsqdProcess
  let pki: TestPki
  let tlsNsqd: NsqdProcess
  let authNsqd: NsqdProcess
  let authServer: http.Server
  let authCalls: string[] = []

  beforeAll(async () => {
    pki = makeTestPki()
    authServer = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x')
      const secret = url.searchParams.get('secret') ?? ''
      authCalls.push(secret)
      if (secret !== 'let-me-in') {
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
    const authPort = (authServer.address() as {port: number}).port
    ;[nsqd, tlsNsqd, authNsqd] = await Promise.all([
      startNsqd({args: ['--max-msg-size=1024']}),
      startNsqd({args: [`--tls-cert=${pki.serverCert}`, `--tls-key=${pki.serverKey}`]}),
      startNsqd({args: [`--auth-http-address=127.0.0.1:${authPort}`]}),
    ])
  })

  afterAll(async () => {
    await stopAllServices()
    await new Promise((resolve) => authServer?.close(resolve))
  })

  it('publishes over plain TCP; nsq_tail reads every message back byte for byte; /stats counts them', async () => {
    const producer = new Producer({nsqd: [nsqd.tcpAddress]})
    const sent = bodies(500, 'plain')
    await Promise.all(sent.slice(0, 250).map((b) => producer.publish('plain', b)))
    await producer.multiPublish('plain', sent.slice(250))
    const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic: 'plain', includeClients: true})
    expect(stats.topics[0]?.message_count).toBe(500)
    expect(stats.producers.some((p) => p.user_agent.startsWith('nsq-toolkit/'))).toBe(true)
    await producer.close()
    expect(multiset(await readWithNsqTail(nsqd.tcpAddress, 'plain', 500))).toEqual(multiset(sent))
  })

  for (const compression of ['snappy', 'deflate'] as const) {
    it(`publishes with ${compression}; nsqd reports the connection as ${compression}`, async () => {
      const topic = `comp-${compression}`
      const producer = new Producer({nsqd: [nsqd.tcpAddress], compression})
      const sent = bodies(300, compression)
      // Large, compressible bodies too, so multi-chunk streams are exercised.
      sent.push(Buffer.alloc(1000, `${compression}-big-`))
      await Promise.all(sent.slice(0, 150).map((b) => producer.publish(topic, b)))
      await producer.multiPublish(topic, sent.slice(150))
      const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic, includeClients: true})
      const mine = stats.producers.find((p) => p.user_agent.startsWith('nsq-toolkit/'))
      expect(mine?.[compression]).toBe(true)
      await producer.close()
      expect(multiset(await readWithNsqTail(nsqd.tcpAddress, topic, sent.length))).toEqual(multiset(sent))
    })
  }

  it("publishes over TLS with verification, dialling the certificate's host name", async () => {
    const port = tlsNsqd.tcpPort
    const producer = new Producer({nsqd: [`localhost:${port}`], tls: {ca: fs.readFileSync(pki.caFile)}})
    const sent = bodies(200, 'tls')
    await producer.multiPublish('secure', sent)
    const stats = await new NsqdHttpClient(tlsNsqd.httpAddress).stats({topic: 'secure', includeClients: true})
    expect(stats.producers.find((p) => p.user_agent.startsWith('nsq-toolkit/'))?.tls).toBe(true)
    await producer.close()
    expect(multiset(await readWithNsqTail(tlsNsqd.tcpAddress, 'secure', 200))).toEqual(multiset(sent))
  })

  it('refuses TLS with a wrong CA, a wrong host name, or TLS missing on nsqd, with clear errors', async () => {
    const wrongCa = new Producer({nsqd: [`localhost:${tlsNsqd.tcpPort}`], tls: {ca: fs.readFileSync(pki.otherCaFile)}, maxAttempts: 1})
    const e1 = await caught(wrongCa.publish('secure', 'x'))
    expect(e1.code).toBe('TLS')
    expect(e1.message).toMatch(/not signed by a trusted CA/)

    const wrongHost = new Producer({nsqd: [`127.0.0.1:${tlsNsqd.tcpPort}`], tls: {ca: fs.readFileSync(pki.caFile)}, maxAttempts: 1})
    const e2 = await caught(wrongHost.publish('secure', 'x'))
    expect(e2.code).toBe('TLS')
    expect(e2.message).toMatch(/does not name "127\.0\.0\.1"/)

    const insecure = new Producer({nsqd: [`127.0.0.1:${tlsNsqd.tcpPort}`], tls: {insecure: true}})
    await insecure.publish('secure-insecure', 'ok')
    await insecure.close()

    const noTls = new Producer({nsqd: [nsqd.tcpAddress], tls: {ca: fs.readFileSync(pki.caFile)}, maxAttempts: 1})
    const e3 = await caught(noTls.publish('x', 'x'))
    expect(e3.code).toBe('TLS')
    expect(e3.message).toMatch(/did not enable it/)
  })

  it('authenticates with an allowed secret and fails typed with a denied one', async () => {
    authCalls = []
    const allowed = new Producer({nsqd: [authNsqd.tcpAddress], authSecret: 'let-me-in'})
    const sent = bodies(100, 'auth')
    await allowed.multiPublish('authed', sent)
    await allowed.close()
    expect(authCalls).toContain('let-me-in')
    expect(multiset(await readWithNsqTail(authNsqd.tcpAddress, 'authed', 100, ['--consumer-opt=auth_secret,let-me-in']))).toEqual(
      multiset(sent),
    )

    const denied = new Producer({nsqd: [authNsqd.tcpAddress], authSecret: 'wrong', maxAttempts: 1})
    const error = await caught(denied.publish('authed', 'x'))
    expect(isServerError(error) && error.code).toBe('E_AUTH_FAILED')

    const missing = new Producer({nsqd: [authNsqd.tcpAddress], maxAttempts: 1})
    expect((await caught(missing.publish('authed', 'x'))).code).toBe('AUTH_REQUIRED')
  })

  it('MPUBs 10,000 messages in batches and DPUBs; all are delivered', async () => {
    const producer = new Producer({nsqd: [nsqd.tcpAddress]})
    const sent = bodies(10_000, 'mpub')
    const batches: Promise<void>[] = []
    for (let i = 0; i < sent.length; i += 500) batches.push(producer.multiPublish('bulk', sent.slice(i, i + 500)))
    await Promise.all(batches)
    await producer.deferredPublish('bulk', 300, 'deferred-one')
    const http = new NsqdHttpClient(nsqd.httpAddress)
    expect((await http.stats({topic: 'bulk'})).topics[0]?.message_count).toBe(10_001)
    await producer.close()
    const read = await readWithNsqTail(nsqd.tcpAddress, 'bulk', 10_001)
    expect(multiset(read)).toEqual(multiset([...sent, Buffer.from('deferred-one')]))
  })

  it('rejects a message above --max-msg-size with a typed E_BAD_MESSAGE while the others succeed', async () => {
    const producer = new Producer({nsqd: [nsqd.tcpAddress]})
    const small = bodies(200, 'ok')
    const results = await Promise.allSettled([
      ...small.slice(0, 100).map((b) => producer.publish('sizes', b)),
      producer.publish('sizes', Buffer.alloc(2000, 'x')),
      ...small.slice(100).map((b) => producer.publish('sizes', b)),
    ])
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(rejected).toHaveLength(1)
    const reason: unknown = rejected[0]?.reason
    expect(isServerError(reason) && reason.code).toBe('E_BAD_MESSAGE')
    expect(isServerError(reason) && reason.fatal).toBe(true)
    await producer.close()
    expect(multiset(await readWithNsqTail(nsqd.tcpAddress, 'sizes', 200))).toEqual(multiset(small))
  })
})
