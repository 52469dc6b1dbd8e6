/**
 * A real node:http server on 127.0.0.1 for the to-http e2e tests: records every request (time,
 * method, URL, headers, body bytes; for GET the `v` query parameter percent-decoded byte by byte)
 * and answers as the test's `respond` says (a status, a delay, a reset), so faults come from a
 * real server over real sockets.
 */
import http from 'node:http'
import https from 'node:https'
import type {AddressInfo} from 'node:net'

export interface Received {
  /** ms since the epoch when the request was complete. */
  at: number
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  /** POST: the body; GET: the decoded `v` query parameter. */
  body: Buffer
  /** Status sent (undefined: reset without a response). */
  status?: number
  /** When the response was sent. */
  answeredAt?: number
}

/** What to do with one request: answer `status` (after `delayMs`), or reset the connection. */
export type Answer = {status: number; headers?: Record<string, string>; delayMs?: number} | {reset: true}

/** `%XX` and `+` decoding to bytes (decodeURIComponent fails on bodies that are not UTF-8). */
export function percentDecode(text: string): Buffer {
  const out: number[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x25) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16))
      i += 2
    } else if (c === 0x2b) out.push(0x20)
    else out.push(c)
  }
  return Buffer.from(out)
}

/** Serve HTTPS with this key and certificate; `ca` + `requestCert`: ask for a client certificate. */
export interface ReceiverTls {
  key: Buffer
  cert: Buffer
  ca?: Buffer
  requestCert?: boolean
}

export class Receiver {
  readonly requests: Received[] = []
  /** TLS handshakes that failed (the client refused our certificate, or sent none when asked). */
  readonly tlsErrors: string[] = []
  private server: http.Server | undefined
  port = 0

  constructor(
    private readonly respond: (request: Received, index: number) => Answer = () => ({status: 200}),
    private readonly tls?: ReceiverTls,
  ) {}

  /** http://127.0.0.1:port, or https://localhost:port (the test certificate names localhost). */
  get url(): string {
    return this.tls === undefined ? `http://127.0.0.1:${this.port}` : `https://localhost:${this.port}`
  }

  async start(port = this.port): Promise<void> {
    const handle: http.RequestListener = (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const url = req.url ?? ''
        const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''
        const v = query.split('&').find((p) => p.startsWith('v='))
        const record: Received = {
          at: Date.now(),
          method: req.method ?? '',
          url,
          headers: req.headers,
          body: req.method === 'GET' ? percentDecode(v === undefined ? '' : v.slice(2)) : Buffer.concat(chunks),
        }
        const index = this.requests.push(record) - 1
        const answer = this.respond(record, index)
        if ('reset' in answer) {
          req.socket.destroy()
          return
        }
        const send = (): void => {
          // Stopped (or reset) meanwhile: no response reached the client.
          if (req.socket.destroyed) return
          record.status = answer.status
          record.answeredAt = Date.now()
          res.writeHead(answer.status, answer.headers ?? {})
          res.end()
        }
        if (answer.delayMs === undefined) send()
        else setTimeout(send, answer.delayMs)
      })
    }
    const tls = this.tls
    const server =
      tls === undefined
        ? http.createServer(handle)
        : https.createServer(
            {
              key: tls.key,
              cert: tls.cert,
              ...(tls.ca === undefined ? {} : {ca: tls.ca}),
              requestCert: tls.requestCert === true,
              rejectUnauthorized: tls.requestCert === true,
            },
            handle,
          )
    server.on('tlsClientError', (error: Error) => this.tlsErrors.push(error.message))
    server.keepAliveTimeout = 60_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.server = server
    this.port = (server.address() as AddressInfo).port
  }

  /** Closes the listener and every connection (the server "killed"). */
  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }

  /** Requests answered 2xx. */
  accepted(): Received[] {
    return this.requests.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300)
  }
}
