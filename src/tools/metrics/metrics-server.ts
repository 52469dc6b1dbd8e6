/**
 * The HTTP endpoint every metrics-serving command shares: `GET /metrics` answers with what
 * `render()` produces (the Prometheus text format), `/` with a pointer to it, anything else 404.
 * A render that fails answers 500 with the reason; the server keeps serving. `close()` stops
 * listening and ends open keep-alive connections, so Ctrl-C is not held up by a scraper.
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {NsqError} from '../../core/index.js'
import {parseListenAddress} from './listen-address.js'

export interface Rendered {
  contentType: string
  body: string
}

export interface MetricsServer {
  /** `host:port` actually bound (the port is chosen by the system when 0 was asked). */
  readonly address: string
  close(): Promise<void>
}

/** Listens on `address` (see listen-address.ts; a bare port is loopback); rejects CONFIG when it cannot bind. */
export async function startMetricsServer(address: string, flag: string, render: () => Promise<Rendered>): Promise<MetricsServer> {
  const {host, port} = parseListenAddress(address, flag)
  const server = http.createServer((request, response) => {
    const url = (request.url ?? '/').split('?')[0]
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, {allow: 'GET, HEAD', 'content-type': 'text/plain'}).end('method not allowed\n')
      return
    }
    if (url === '/') {
      response.writeHead(200, {'content-type': 'text/plain; charset=utf-8'}).end('metrics: /metrics\n')
      return
    }
    if (url !== '/metrics') {
      response.writeHead(404, {'content-type': 'text/plain'}).end('not found: try /metrics\n')
      return
    }
    render().then(
      ({contentType, body}) => {
        response.writeHead(200, {'content-type': contentType})
        response.end(request.method === 'HEAD' ? undefined : body)
      },
      (error: unknown) => {
        response.writeHead(500, {'content-type': 'text/plain'})
        response.end(`${error instanceof Error ? error.message : String(error)}\n`)
      },
    )
  })
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new NsqError('CONFIG', `${flag} ${address}: cannot listen on ${host}:${port}: ${error.code ?? error.message}`, {cause: error}))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const bound = server.address() as AddressInfo
  return {
    address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
