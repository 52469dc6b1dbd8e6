import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {Connection} from '../../src/core/connection/connection.js'
import {FrameType} from '../../src/core/protocol/frame-decoder.js'
import {encodeMessage} from '../../src/core/protocol/message.js'
import {encodeFin, encodePub, encodeRdy} from '../../src/core/protocol/commands.js'
import {isNsqError, isServerError, type NsqError, type ServerError} from '../../src/core/errors.js'
import type {RawMessage} from '../../src/core/protocol/message.js'
import {startFakeNsqd, type FakeNsqd} from '../support/fake-nsqd.js'

function connect(
  fake: FakeNsqd,
  extra: {heartbeatIntervalMs?: number} = {},
): {connection: Connection; closed: Promise<NsqError | undefined>; messages: RawMessage[]; nonFatal: ServerError[]} {
  const messages: RawMessage[] = []
  const nonFatal: ServerError[] = []
  let onClosed: (error: NsqError | undefined) => void = () => undefined
  const closed = new Promise<NsqError | undefined>((resolve) => {
    onClosed = resolve
  })
  const connection = new Connection({
    host: '127.0.0.1',
    port: fake.port,
    ...extra,
    events: {message: (m) => messages.push(m), nonFatalError: (e) => nonFatal.push(e), closed: (e) => onClosed(e)},
  })
  return {connection, closed, messages, nonFatal}
}

describe('Connection against a fake nsqd', () => {
  let fake: FakeNsqd
  beforeEach(async () => {
    fake = await startFakeNsqd()
  })
  afterEach(async () => {
    await fake.close()
  })

  it('negotiates, answers heartbeats with NOP and never surfaces them', async () => {
    const {connection, messages} = connect(fake)
    const identify = await connection.connect()
    expect(identify.version).toBe('1.3.0')
    expect(connection.state.kind).toBe('ready')
    const client = await fake.nextClient()
    client.sendFrame(FrameType.Response, '_heartbeat_')
    await client.waitFor((t) => t === 'NOP\n')
    expect(messages).toEqual([])
    await connection.close()
    expect(connection.state).toEqual({kind: 'closed', error: undefined})
  })

  it('matches responses to commands in order', async () => {
    const {connection} = connect(fake)
    await connection.connect()
    const client = await fake.nextClient()
    const first = connection.command(encodePub('t', Buffer.from('1')))
    const second = connection.command(encodePub('t', Buffer.from('2')))
    await client.waitFor((t) => t.split('PUB').length === 3)
    client.sendFrame(FrameType.Response, 'first')
    client.sendFrame(FrameType.Response, 'second')
    expect((await first).toString()).toBe('first')
    expect((await second).toString()).toBe('second')
    await connection.close()
  })

  it('coalesces commands written in one tick into one socket write', async () => {
    const {connection} = connect(fake)
    await connection.connect()
    const client = await fake.nextClient()
    const id = Buffer.from('0123456789abcdef')
    for (let i = 0; i < 100; i++) connection.send(encodeFin(id))
    connection.send(encodeRdy(5))
    await client.waitFor((t) => t.endsWith('RDY 5\n'))
    expect(client.chunks.length).toBe(1)
    await connection.close()
  })

  it('delivers messages and reports FIN/REQ/TOUCH failures as non-fatal events', async () => {
    const {connection, messages, nonFatal} = connect(fake)
    await connection.connect()
    const client = await fake.nextClient()
    client.sendFrame(
      FrameType.Message,
      encodeMessage({timestamp: 42n, attempts: 2, id: Buffer.from('0123456789abcdef'), body: Buffer.from('payload')}),
    )
    client.sendFrame(FrameType.Error, 'E_FIN_FAILED FIN 0123456789abcdef failed ID not in flight')
    const pub = connection.command(encodePub('t', Buffer.from('x')))
    client.sendFrame(FrameType.Response, 'OK')
    await pub
    expect(messages.map((m) => [m.timestamp, m.attempts, m.body.toString()])).toEqual([[42n, 2, 'payload']])
    expect(nonFatal.map((e) => [e.code, e.fatal])).toEqual([['E_FIN_FAILED', false]])
    expect(connection.state.kind).toBe('ready')
    await connection.close()
  })

  it('a fatal error frame fails the command it answers with the E_* code and the rest with a connection error', async () => {
    const {connection, closed} = connect(fake)
    await connection.connect()
    const client = await fake.nextClient()
    const first = connection.command(encodePub('t', Buffer.from('1'))).catch((e: unknown) => e)
    const second = connection.command(encodePub('t', Buffer.from('2'))).catch((e: unknown) => e)
    await client.waitFor((t) => t.split('PUB').length === 3)
    client.sendFrame(FrameType.Error, 'E_BAD_MESSAGE PUB message too big 2000 > 1024')
    const e1 = await first
    const e2 = await second
    expect(isServerError(e1) && e1.code).toBe('E_BAD_MESSAGE')
    expect(isServerError(e1) && e1.description).toBe('PUB message too big 2000 > 1024')
    expect(isNsqError(e2) && e2.code).toBe('CONNECTION_CLOSED')
    expect((await closed)?.code).toBe('E_BAD_MESSAGE')
    expect(connection.state.kind).toBe('closed')
  })

  it('declares the peer dead after about two heartbeat intervals of silence', async () => {
    const {connection, closed} = connect(fake, {heartbeatIntervalMs: 200})
    await connection.connect()
    await fake.nextClient() // the fake now says nothing at all
    const started = Date.now()
    const error = await closed
    const elapsed = Date.now() - started
    expect(error?.code).toBe('PEER_DEAD')
    expect(elapsed).toBeGreaterThanOrEqual(380)
    expect(elapsed).toBeLessThan(2000)
  })

  it('garbage from the server is a typed protocol error that closes the connection', async () => {
    for (const garbage of [
      Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'),
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 2]),
      Buffer.from([0, 0, 0, 8, 0, 0, 0, 9, 1, 2, 3, 4]),
      Buffer.from([0, 0, 0, 8, 0, 0, 0, 2, 1, 2, 3, 4]),
    ]) {
      const {connection, closed} = connect(fake)
      await connection.connect()
      const client = await fake.nextClient()
      const pending = connection.command(encodePub('t', Buffer.from('x'))).catch((e: unknown) => e)
      client.sendRaw(garbage)
      const error = await closed
      expect(['PROTOCOL', 'FRAME_TOO_LARGE']).toContain(error?.code)
      expect(isNsqError(await pending)).toBe(true)
    }
  })

  it('a response with no command awaiting it is a protocol error', async () => {
    const {connection, closed} = connect(fake)
    await connection.connect()
    const client = await fake.nextClient()
    client.sendFrame(FrameType.Response, 'OK')
    expect((await closed)?.message).toMatch(/no command awaiting/)
  })

  it('connection refused gives a clear error', async () => {
    const connection = new Connection({host: '127.0.0.1', port: 1})
    const error = await connection.connect().catch((e: unknown) => e)
    expect(isNsqError(error) && error.code).toBe('CONNECTION_REFUSED')
    expect(String(error)).toMatch(/is nsqd running/)
  })

  it('a handshake that never completes times out', async () => {
    // A server that accepts the TCP connection but never answers IDENTIFY.
    const net = await import('node:net')
    const server = net.createServer(() => undefined)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as {port: number}).port
    const connection = new Connection({host: '127.0.0.1', port, handshakeTimeoutMs: 300})
    const error = await connection.connect().catch((e: unknown) => e)
    expect(isNsqError(error) && error.code).toBe('TIMEOUT')
    server.close()
  })
})
