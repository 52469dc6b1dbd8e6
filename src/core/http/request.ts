import http from 'node:http'
import https from 'node:https'
import {HttpError} from '../errors.js'
import {deadlineSignal} from '../util/deadline.js'

/** Options shared by every HTTP API call. */
export interface HttpOptions {
  /** Whole-request timeout in ms (default 5000). */
  timeoutMs?: number | undefined
  /** Sent as the `Authorization` header when set (e.g. `Bearer <secret>`). */
  authorization?: string | undefined
  /** PEM CA for https URLs. */
  ca?: string | Buffer | undefined
  cert?: string | Buffer | undefined
  key?: string | Buffer | undefined
  /** Skip certificate verification for https URLs. */
  insecure?: boolean | undefined
  /** Largest response body accepted, bytes (default 64 MiB); a larger one is an error, not an allocation. */
  maxBodyBytes?: number | undefined
  signal?: AbortSignal | undefined
}

export interface HttpResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/** One HTTP request with a deadline and a size cap; transport failures become HttpError. */
export function httpRequest(url: URL, method: 'GET' | 'POST', body: Buffer | undefined, options: HttpOptions = {}): Promise<HttpResponse> {
  const timeoutMs = options.timeoutMs ?? 5000
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024
  const {signal, dispose} = deadlineSignal(timeoutMs, options.signal)
  const text = url.toString()
  return new Promise<HttpResponse>((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http
    const headers: Record<string, string> = {Accept: 'application/vnd.nsq; version=1.0'}
    if (options.authorization !== undefined) headers.Authorization = options.authorization
    if (body !== undefined) headers['Content-Length'] = String(body.length)
    const request = lib.request(
      url,
      {
        method,
        headers,
        signal,
        ...(url.protocol === 'https:'
          ? {
              ...(options.ca === undefined ? {} : {ca: options.ca}),
              ...(options.cert === undefined ? {} : {cert: options.cert}),
              ...(options.key === undefined ? {} : {key: options.key}),
              rejectUnauthorized: options.insecure !== true,
            }
          : {}),
      },
      (response) => {
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > maxBody) {
            request.destroy()
            reject(new HttpError(text, `response body exceeds ${maxBody} bytes`, {status: response.statusCode ?? 0}))
            return
          }
          chunks.push(chunk)
        })
        response.on('end', () => resolve({status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks, size)}))
        response.on('error', (error) => reject(transportError(text, error, signal, timeoutMs)))
      },
    )
    request.on('error', (error) => reject(transportError(text, error, signal, timeoutMs)))
    request.end(body)
  }).finally(dispose)
}

function transportError(url: string, error: NodeJS.ErrnoException, signal: AbortSignal, timeoutMs: number): HttpError {
  if (signal.aborted) {
    const reason: unknown = signal.reason
    const timedOut = reason instanceof DOMException && reason.name === 'TimeoutError'
    return timedOut
      ? new HttpError(url, `no complete response within ${timeoutMs} ms`, {code: 'TIMEOUT', cause: error})
      : new HttpError(url, 'request aborted', {code: 'ABORTED', cause: error})
  }
  switch (error.code) {
    case 'ECONNREFUSED':
      return new HttpError(url, 'connection refused: is the service running on this address?', {code: 'CONNECTION_REFUSED', cause: error})
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new HttpError(
        url,
        "host name does not resolve (set nsqd's --broadcast-address to a resolvable name or IP, or map it with --address-map HOST=IP:PORT)",
        {cause: error, reason: 'dns'},
      )
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_VERSION':
    case 'HPE_INVALID_STATUS':
    case 'HPE_INVALID_HEADER_TOKEN':
      // Node's HTTP parser met bytes that are not an HTTP response: typically nsqd's or lookupd's
      // TCP port (nsqd answers an HTTP request with a protocol error frame), the reverse of the
      // mistake the frame decoder recognises.
      return new HttpError(
        url,
        "the answer is not HTTP: this looks like a TCP port (nsqd's 4150, nsqlookupd's 4160), not the HTTP port (4151, 4161)",
        {cause: error, reason: 'not-http'},
      )
    default:
      return new HttpError(url, error.message, {cause: error})
  }
}

/** Builds an http(s) URL from `host:port` or a full URL, plus a path and query. */
export function apiUrl(base: string, path: string, query: Record<string, string | undefined> = {}): URL {
  const withScheme = /^https?:\/\//.test(base) ? base : `http://${base}`
  const url = new URL(path, withScheme.endsWith('/') ? withScheme : `${withScheme}/`)
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value)
  return url
}

/** Throws HttpError unless the status is 2xx; picks nsqd's `{"message": …}` out of error bodies. */
export function checkStatus(url: URL, response: HttpResponse): void {
  if (response.status >= 200 && response.status < 300) return
  let apiMessage: string | undefined
  try {
    const parsed: unknown = JSON.parse(response.body.toString('utf8'))
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string')
      apiMessage = parsed.message
  } catch {
    apiMessage = undefined
  }
  const text = apiMessage ?? response.body.toString('utf8', 0, 200).trim()
  throw new HttpError(url.toString(), `HTTP ${response.status}${text ? ` ${text}` : ''}`, {
    status: response.status,
    ...(apiMessage === undefined ? {} : {apiMessage}),
  })
}

/** Parses a JSON body, unwrapping the 0.x `{"data": …}` envelope when the v1 header is absent. */
export function parseJsonBody(url: URL, response: HttpResponse): unknown {
  let parsed: unknown
  try {
    parsed = JSON.parse(response.body.toString('utf8'))
  } catch (error) {
    throw new HttpError(url.toString(), 'response is not valid JSON', {status: response.status, cause: error})
  }
  const v1 = String(response.headers['x-nsq-content-type'] ?? '').includes('version=1.0')
  if (!v1 && typeof parsed === 'object' && parsed !== null && 'data' in parsed && 'status_code' in parsed) return parsed.data
  return parsed
}
