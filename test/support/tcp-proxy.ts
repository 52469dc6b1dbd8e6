import net from 'node:net'

/** A pair of sockets the proxy joins: the client's and the one it opened to the target. */
interface Link {
  client: net.Socket
  upstream: net.Socket
}

/**
 * A TCP proxy on 127.0.0.1 in front of one target, for fault tests: it can cut every
 * connection (both sides see the socket close), stall (stop forwarding in both directions while
 * keeping the connections open, as a hung peer or a black-holed network would) and resume.
 */
export interface TcpProxy {
  /** `127.0.0.1:<port>` to dial instead of the target. */
  readonly address: string
  readonly port: number
  /** Connections currently open through the proxy. */
  readonly connections: number
  /** Destroys every open connection (the target and the clients see a reset). New ones are accepted. */
  cut(): void
  /** Stops forwarding bytes both ways (connections stay open; new ones are held too). */
  stall(): void
  /** Forwards again whatever was held, and everything after. */
  resume(): void
  /** While true, new connections are refused (closed at once), as a port with nothing behind it. */
  refuse(on: boolean): void
  /** Closes the listener and every connection. */
  close(): Promise<void>
}

/** Starts a proxy on a free 127.0.0.1 port forwarding to `target` (`host:port`). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const [host, portText] = splitAddress(target)
  const links = new Set<Link>()
  let stalled = false
  let refusing = false

  /** Copies `from` to `to`, honouring backpressure, and holding everything while stalled. */
  const forward = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) {
        from.pause()
        to.once('drain', () => {
          if (!stalled) from.resume()
        })
      }
    })
  }

  const server = net.createServer({pauseOnConnect: true}, (client) => {
    if (refusing) {
      client.destroy()
      return
    }
    const upstream = net.connect({host, port: Number(portText)})
    upstream.pause()
    const link: Link = {client, upstream}
    links.add(link)
    // One side went away: hand the other everything already forwarded, then close it (as the
    // kernel would deliver bytes sent before a FIN), so the proxy itself never drops data.
    const drop = (): void => {
      if (!links.delete(link)) return
      for (const socket of [client, upstream]) {
        if (socket.destroyed) continue
        socket.end()
        const timer = setTimeout(() => socket.destroy(), 2000)
        timer.unref()
        socket.once('finish', () => {
          clearTimeout(timer)
          socket.destroy()
        })
      }
    }
    client.on('error', drop).on('close', drop).on('end', drop)
    upstream.on('error', drop).on('close', drop).on('end', drop)
    forward(client, upstream)
    forward(upstream, client)
    upstream.once('connect', () => {
      if (!stalled) {
        client.resume()
        upstream.resume()
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as net.AddressInfo).port

  return {
    address: `127.0.0.1:${port}`,
    port,
    get connections() {
      return links.size
    },
    cut: () => {
      for (const link of [...links]) {
        link.client.resetAndDestroy()
        link.upstream.resetAndDestroy()
        links.delete(link)
      }
    },
    stall: () => {
      stalled = true
      for (const {client, upstream} of links) {
        client.pause()
        upstream.pause()
      }
    },
    resume: () => {
      stalled = false
      for (const {client, upstream} of links) {
        if (upstream.connecting) continue
        client.resume()
        upstream.resume()
      }
    },
    refuse: (on) => {
      refusing = on
    },
    close: async () => {
      for (const link of [...links]) {
        link.client.destroy()
        link.upstream.destroy()
      }
      links.clear()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function splitAddress(address: string): [string, string] {
  const index = address.lastIndexOf(':')
  if (index <= 0) throw new Error(`not host:port: ${address}`)
  return [address.slice(0, index), address.slice(index + 1)]
}
