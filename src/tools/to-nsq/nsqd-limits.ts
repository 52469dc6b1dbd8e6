import {apiUrl, checkStatus, httpRequest, parseJsonBody, type HttpOptions} from '../../core/http/request.js'
import {parseHostPort, formatHostPort} from '../../core/index.js'

/** Size and delay limits of an nsqd, as `/config/<option>` reports them. */
export interface NsqdLimits {
  /** --max-msg-size: largest message body. */
  maxMessageBytes: number
  /** --max-body-size: largest MPUB body. */
  maxBodyBytes: number
  /** --max-req-timeout in ms: the longest DPUB delay accepted. */
  maxDeferMs: number
}

/** nsqd v1.3.0 defaults (nsq-reference §1.12). */
export const DEFAULT_LIMITS: NsqdLimits = {maxMessageBytes: 1_048_576, maxBodyBytes: 5_242_880, maxDeferMs: 3_600_000}

async function configNumber(address: string, option: string, options: HttpOptions): Promise<number> {
  const url = apiUrl(address, `/config/${option}`)
  const response = await httpRequest(url, 'GET', undefined, options)
  checkStatus(url, response)
  const value = parseJsonBody(url, response)
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${url.toString()}: expected a number, got ${JSON.stringify(value)}`)
  return value
}

/**
 * Asks one nsqd's HTTP API for its limits (`/info` does not carry them in v1.3.0; `/config/…`
 * does). Rejects when nsqd cannot be reached or answers something else.
 */
export async function fetchNsqdLimits(httpAddress: string, options: HttpOptions = {}): Promise<NsqdLimits> {
  const [maxMessageBytes, maxBodyBytes, maxReqTimeoutNs] = await Promise.all([
    configNumber(httpAddress, 'max_msg_size', options),
    configNumber(httpAddress, 'max_body_size', options),
    configNumber(httpAddress, 'max_req_timeout', options),
  ])
  return {maxMessageBytes, maxBodyBytes, maxDeferMs: Math.floor(maxReqTimeoutNs / 1e6)}
}

/** The HTTP address nsqd usually has next to a TCP address: the same host, port + 1 (4150 → 4151). */
export function guessHttpAddress(tcpAddress: string): string {
  const {host, port} = parseHostPort(tcpAddress)
  return formatHostPort(host, port + 1)
}

/** The tightest of several nsqds' limits (a batch may go to any of them). */
export function tightest(limits: readonly NsqdLimits[]): NsqdLimits | undefined {
  if (limits.length === 0) return undefined
  return {
    maxMessageBytes: Math.min(...limits.map((l) => l.maxMessageBytes)),
    maxBodyBytes: Math.min(...limits.map((l) => l.maxBodyBytes)),
    maxDeferMs: Math.min(...limits.map((l) => l.maxDeferMs)),
  }
}
