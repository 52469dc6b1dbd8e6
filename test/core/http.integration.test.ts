import http from 'node:http'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/http/nsqd-client.js'
import {LookupdHttpClient} from '../../src/core/http/lookupd-client.js'
import {HttpError, isNsqError, type NsqError} from '../../src/core/errors.js'
import {skipIntegration, startCluster, stopAllServices, type Cluster} from '../support/nsq.js'

async function rejection(promise: Promise<unknown>): Promise<NsqError> {
  try {
    await promise
  } catch (error) {
    if (isNsqError(error)) return error
    throw error
  }
  throw new Error('expected a rejection')
}

describe.skipIf(skipIntegration)('HTTP clients against real nsqd and nsqlookupd', () => {
  let cluster: Cluster
  beforeAll(async () => {
    cluster = await startCluster(2, 1)
  })
  afterAll(stopAllServices)

  it('nsqd: ping, info, topic and channel admin, pub / mpub, stats', async () => {
    const nsqd = cluster.nsqd[0]!
    const client = new NsqdHttpClient(nsqd.httpAddress)
    await client.ping()
    const info = await client.info()
    expect(info).toMatchObject({version: '1.3.0', broadcast_address: '127.0.0.1', tcp_port: nsqd.tcpPort, http_port: nsqd.httpPort})
    expect(info.max_heartbeat_interval).toBeGreaterThan(0)

    await client.createTopic('admin')
    await client.createChannel('admin', 'ch')
    await client.pub('admin', Buffer.from('one'))
    await client.pub('admin', Buffer.from('later'), 60_000)
    await client.mpub('admin', [Buffer.from('a\nwith newline'), Buffer.from('b')])
    let stats = await client.stats({topic: 'admin', channel: 'ch'})
    expect(stats.topics).toHaveLength(1)
    expect(stats.topics[0]).toMatchObject({topic_name: 'admin', message_count: 4, paused: false})
    expect(stats.topics[0]?.channels[0]).toMatchObject({channel_name: 'ch', depth: 3, deferred_count: 1, in_flight_count: 0, clients: []})

    await client.pauseChannel('admin', 'ch')
    await client.pauseTopic('admin')
    stats = await client.stats({topic: 'admin'})
    expect(stats.topics[0]?.paused).toBe(true)
    expect(stats.topics[0]?.channels[0]?.paused).toBe(true)
    await client.unpauseTopic('admin')
    await client.unpauseChannel('admin', 'ch')
    await client.emptyChannel('admin', 'ch')
    expect((await client.stats({topic: 'admin'})).topics[0]?.channels[0]?.depth).toBe(0)
    await client.emptyTopic('admin')
    await client.deleteChannel('admin', 'ch')
    await client.deleteTopic('admin')
    expect((await client.stats({topic: 'admin'})).topics).toEqual([])
  })

  it('nsqd: /config/<option> (what to-nsq reads its size limits from)', async () => {
    const client = new NsqdHttpClient(cluster.nsqd[0]!.httpAddress)
    expect(await client.configNumber('max_msg_size')).toBe(1_048_576)
    expect(await client.configNumber('max_body_size')).toBe(5_242_880)
    // A string option comes as plain text; the harness starts nsqd on port 0, so that is what it reports.
    expect(await client.config('tcp_address')).toBe('127.0.0.1:0')
    expect(await client.config('nsqlookupd_tcp_addresses')).toEqual([cluster.lookupd[0]!.tcpAddress])
    expect((await client.configNumber('max_req_timeout')) / 1e9).toBe(3600)
    await expect(client.configNumber('tcp_address')).rejects.toThrow(/config\/tcp_address: expected a number, got "127\.0\.0\.1:\d+"/)
    await expect(client.config('../stats')).rejects.toThrow(/not an nsqd option name/)
    expect(((await rejection(client.config('no_such_option'))) as HttpError).status).toBe(400)
  })

  it("nsqd: API errors are typed HttpErrors with nsqd's message", async () => {
    const client = new NsqdHttpClient(cluster.nsqd[0]!.httpAddress)
    const error = await rejection(client.deleteTopic('never-existed'))
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(404)
    expect((error as HttpError).apiMessage).toBe('TOPIC_NOT_FOUND')
    const bad = await rejection(client.pub('bad topic!', Buffer.from('x')))
    expect((bad as HttpError).apiMessage).toBe('INVALID_TOPIC')
  })

  it('lookupd: lookup, topics, channels, nodes, ping, info', async () => {
    const [a, b] = cluster.nsqd
    await new NsqdHttpClient(a!.httpAddress).createTopic('found')
    await new NsqdHttpClient(b!.httpAddress).createTopic('found')
    await new NsqdHttpClient(a!.httpAddress).createChannel('found', 'c1')
    const lookupd = new LookupdHttpClient(cluster.lookupd[0]!.httpAddress)
    await lookupd.ping()
    expect((await lookupd.info()).version).toBe('1.3.0')
    // Registration with lookupd is asynchronous; poll briefly.
    let producers: number[] = []
    for (let i = 0; i < 50 && producers.length < 2; i++) {
      producers = (await lookupd.lookup('found')).producers.map((p) => p.tcp_port).sort()
      if (producers.length < 2) await new Promise((r) => setTimeout(r, 100))
    }
    expect(producers).toEqual([a!.tcpPort, b!.tcpPort].sort())
    expect(await lookupd.topics()).toContain('found')
    expect(await lookupd.channels('found')).toEqual(['c1'])
    const nodes = await lookupd.nodes()
    expect(nodes.map((n) => n.tcp_port).sort()).toEqual([a!.tcpPort, b!.tcpPort].sort())
    expect(nodes.find((n) => n.tcp_port === a!.tcpPort)?.topics).toContain('found')
    expect(await lookupd.lookup('unknown-topic')).toEqual({channels: [], producers: []})
  })

  it('unreachable hosts and refused ports fail fast with a clear error', async () => {
    const error = await rejection(new NsqdHttpClient('127.0.0.1:1', {timeoutMs: 2000}).ping())
    expect(error.code).toBe('CONNECTION_REFUSED')
    expect(error.message).toMatch(/refused/)
  })
})

describe('HTTP clients against hostile servers', () => {
  let server: http.Server
  let address = ''
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined
  beforeAll(async () => {
    server = http.createServer((req, res) => handler(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    address = `127.0.0.1:${(server.address() as {port: number}).port}`
  })
  afterAll(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(resolve)
      }),
  )

  it('malformed JSON → a clear error', async () => {
    handler = (_req, res) => res.writeHead(200, {'X-NSQ-Content-Type': 'nsq; version=1.0'}).end('{"version": "1.3.0", "topics": [')
    expect((await rejection(new NsqdHttpClient(address).stats())).message).toMatch(/not valid JSON/)
  })

  it('JSON of the wrong shape → names the field', async () => {
    handler = (_req, res) => res.writeHead(200).end(JSON.stringify({version: '1', health: 'OK', start_time: 1, topics: [{topic_name: 5}]}))
    expect((await rejection(new NsqdHttpClient(address).stats())).message).toMatch(/topics\[0\]\.topic_name should be a string/)
    handler = (_req, res) => res.writeHead(200).end(JSON.stringify({channels: [], producers: [{remote_address: 'x'}]}))
    expect((await rejection(new LookupdHttpClient(address).lookup('t'))).message).toMatch(/producers\[0\]\.hostname/)
  })

  it('a slow server → a timeout error', async () => {
    handler = (_req, res) => {
      res.writeHead(200)
      res.write('{')
    }
    const error = await rejection(new NsqdHttpClient(address, {timeoutMs: 300}).info())
    expect(error.code).toBe('TIMEOUT')
  })

  it('a huge body → an error, not unbounded memory', async () => {
    handler = (_req, res) => {
      res.writeHead(200)
      res.end(Buffer.alloc(2 * 1024 * 1024, 0x20))
    }
    expect((await rejection(new NsqdHttpClient(address, {maxBodyBytes: 1024 * 1024}).stats())).message).toMatch(/exceeds/)
  })

  it('unwraps the 0.x data envelope', async () => {
    handler = (_req, res) => res.writeHead(200).end(JSON.stringify({status_code: 200, status_txt: 'OK', data: {version: '0.3.8'}}))
    expect(await new LookupdHttpClient(address).info()).toEqual({version: '0.3.8'})
  })
})
