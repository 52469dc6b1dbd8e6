import net from 'node:net'
import {FrameType} from '../../src/core/protocol/frame-decoder.js'
import {encodeFrame} from '../../src/core/protocol/message.js'

/** One client connection on the fake server, after magic and IDENTIFY. */
export interface FakeClient {
  socket: net.Socket
  /** Every byte received after the IDENTIFY command. */
  received(): Buffer
  /** Chunks as they arrived (to see write coalescing). */
  chunks: Buffer[]
  sendFrame(type: number, data: Buffer | string): void
  sendRaw(data: Buffer): void
  waitFor(predicate: (text: string) => boolean, timeoutMs?: number): Promise<void>
}

export interface FakeNsqd {
  port: number
  address: string
  nextClient(): Promise<FakeClient>
  close(): Promise<void>
}

/**
 * A fake nsqd built on our own codec, for faults a real nsqd cannot be made to produce
 * (garbage frames, stalls, unexpected responses). It reads the magic and IDENTIFY, answers
 * with `identifyReply`, then hands the connection to the test.
 */
export async function startFakeNsqd(identifyReply: Record<string, unknown> = {max_rdy_count: 2500, version: '1.3.0'}): Promise<FakeNsqd> {
  const waiting: ((client: FakeClient) => void)[] = []
  const ready: FakeClient[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    let buffer = Buffer.alloc(0)
    let identified = false
    const chunks: Buffer[] = []
    let after = Buffer.alloc(0)
    const listeners: (() => void)[] = []
    const client: FakeClient = {
      socket,
      received: () => after,
      chunks,
      sendFrame: (type, data) => socket.write(encodeFrame(type, typeof data === 'string' ? Buffer.from(data) : data)),
      sendRaw: (data) => socket.write(data),
      waitFor: (predicate, timeoutMs = 5000) =>
        new Promise((resolve, reject) => {
          const check = (): void => {
            if (predicate(after.toString('latin1'))) {
              clearTimeout(timer)
              resolve()
            }
          }
          const timer = setTimeout(
            () => reject(new Error(`fake nsqd: condition not met; received ${JSON.stringify(after.toString('latin1').slice(-300))}`)),
            timeoutMs,
          )
          listeners.push(check)
          check()
        }),
    }
    socket.on('data', (chunk: Buffer) => {
      if (identified) {
        chunks.push(chunk)
        after = Buffer.concat([after, chunk])
        for (const check of listeners) check()
        return
      }
      buffer = Buffer.concat([buffer, chunk])
      // magic (4) + "IDENTIFY\n" (9) + size (4) + body
      if (buffer.length < 17) return
      const size = buffer.readInt32BE(13)
      if (buffer.length < 17 + size) return
      identified = true
      after = buffer.subarray(17 + size)
      client.sendFrame(FrameType.Response, JSON.stringify(identifyReply))
      const next = waiting.shift()
      if (next) next(client)
      else ready.push(client)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    address: `127.0.0.1:${port}`,
    nextClient: () => {
      const client = ready.shift()
      return client ? Promise.resolve(client) : new Promise((resolve) => waiting.push(resolve))
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
