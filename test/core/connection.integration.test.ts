import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Connection} from '../../src/core/connection/connection.js'
import {encodeFin, encodeRdy} from '../../src/core/protocol/commands.js'
import type {RawMessage} from '../../src/core/protocol/message.js'
import type {NsqError} from '../../src/core/errors.js'
import {NsqdHttpClient} from '../../src/core/http/nsqd-client.js'
import {skipIntegration, startNsqd, stopAllServices, type NsqdProcess} from '../support/nsq.js'

describe.skipIf(skipIntegration)('Connection against real nsqd', () => {
  let nsqd: NsqdProcess
  beforeAll(async () => {
    nsqd = await startNsqd()
  })
  afterAll(stopAllServices)

  it('stays alive across idle heartbeats (nsqd drops clients that do not answer them), then receives and FINs', async () => {
    const messages: RawMessage[] = []
    let closedWith: NsqError | undefined | null = null
    const connection = new Connection({
      host: '127.0.0.1',
      port: nsqd.tcpPort,
      heartbeatIntervalMs: 1000,
      events: {message: (m) => messages.push(m), closed: (e) => (closedWith = e)},
    })
    await connection.connect()
    await connection.subscribe('hb', 'c')
    connection.send(encodeRdy(10))
    // Three heartbeat intervals with no traffic of ours: without NOPs nsqd closes after two.
    await new Promise((resolve) => setTimeout(resolve, 3500))
    expect(connection.state.kind).toBe('ready')
    await new NsqdHttpClient(nsqd.httpAddress).pub('hb', Buffer.from('after the quiet'))
    for (let i = 0; i < 100 && messages.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
    expect(messages.map((m) => m.body.toString())).toEqual(['after the quiet'])
    expect(messages[0]?.attempts).toBe(1)
    expect(Number(messages[0]!.timestamp / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000)
    connection.send(encodeFin(messages[0]!.id))
    for (let i = 0; i < 100; i++) {
      const channel = (await new NsqdHttpClient(nsqd.httpAddress).stats({topic: 'hb'})).topics[0]?.channels[0]
      if (channel?.in_flight_count === 0 && channel.depth === 0) break
      await new Promise((r) => setTimeout(r, 20))
    }
    const channel = (await new NsqdHttpClient(nsqd.httpAddress).stats({topic: 'hb'})).topics[0]?.channels[0]
    expect(channel).toMatchObject({in_flight_count: 0, depth: 0, message_count: 1})
    expect(closedWith).toBe(null)
    await connection.close()
  })

  it('detects an nsqd that stops answering (SIGSTOP) within about two heartbeat intervals', async () => {
    const stalled = await startNsqd()
    let closedWith: NsqError | undefined
    const closed = new Promise<void>((resolve) => {
      const connection = new Connection({
        host: '127.0.0.1',
        port: stalled.tcpPort,
        heartbeatIntervalMs: 1000,
        events: {
          closed: (e) => {
            closedWith = e
            resolve()
          },
        },
      })
      void connection
        .connect()
        .then(() => connection.subscribe('stall', 'c'))
        .then(() => stalled.pause())
    })
    const started = Date.now()
    await closed
    stalled.resume()
    expect(closedWith?.code).toBe('PEER_DEAD')
    expect(Date.now() - started).toBeLessThan(4000)
    await stalled.stop()
  })
})
