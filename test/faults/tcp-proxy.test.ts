/**
 * The fault suite's TCP proxy: bytes go through both ways; stall holds them (connections stay
 * open) until resume; cut resets every connection; refuse closes new ones at once.
 */
import net from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTcpProxy, type TcpProxy} from '../support/tcp-proxy.js'
import {sleep} from '../support/wait.js'

let echo: net.Server
let proxy: TcpProxy

beforeAll(async () => {
  echo = net.createServer((socket) => {
    socket.on('error', () => undefined)
    socket.pipe(socket)
  })
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
  proxy = await startTcpProxy(`127.0.0.1:${(echo.address() as net.AddressInfo).port}`)
})
afterAll(async () => {
  await proxy.close()
  await new Promise((resolve) => echo.close(resolve))
})

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxy.port, '127.0.0.1', () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Collects what the socket receives; `until(n)` waits for n bytes (or rejects after ms). */
function reader(socket: net.Socket): {text: () => string; until: (bytes: number, ms: number) => Promise<string>} {
  let text = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => (text += chunk))
  return {
    text: () => text,
    until: async (bytes, ms) => {
      const deadline = Date.now() + ms
      while (text.length < bytes) {
        if (Date.now() > deadline) throw new Error(`only ${text.length} of ${bytes} bytes within ${ms} ms`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      return text
    },
  }
}

describe('tcp proxy', () => {
  it('forwards both ways, including a large payload', async () => {
    const socket = await connect()
    const got = reader(socket)
    const payload = 'x'.repeat(2_000_000)
    socket.write(payload)
    expect(await got.until(payload.length, 10_000)).toBe(payload)
    socket.destroy()
  })

  it('stall holds bytes with the connection open; resume delivers them in order', async () => {
    const socket = await connect()
    const got = reader(socket)
    socket.write('before;')
    await got.until(7, 5000)
    proxy.stall()
    socket.write('during;')
    await sleep(300)
    expect(got.text()).toBe('before;')
    expect(socket.destroyed).toBe(false)
    proxy.resume()
    expect(await got.until(14, 5000)).toBe('before;during;')
    socket.destroy()
  })

  it('cut resets every open connection; refuse closes new ones until turned off', async () => {
    const a = await connect()
    const b = await connect()
    const closed = Promise.all([a, b].map((s) => new Promise((resolve) => s.once('close', resolve))))
    a.on('error', () => undefined)
    b.on('error', () => undefined)
    await sleep(50)
    expect(proxy.connections).toBe(2)
    proxy.refuse(true)
    proxy.cut()
    await closed
    expect(proxy.connections).toBe(0)
    const refused = await connect()
    refused.on('error', () => undefined)
    await new Promise((resolve) => refused.once('close', resolve))
    proxy.refuse(false)
    const c = await connect()
    const got = reader(c)
    c.write('again')
    expect(await got.until(5, 5000)).toBe('again')
    c.destroy()
  })
})
