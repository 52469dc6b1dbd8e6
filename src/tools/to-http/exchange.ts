/**
 * One HTTP request on an undici {@link Dispatcher}, at the least cost per request: `dispatch`
 * with a handler that keeps the status and the `Retry-After` header and drops the response body
 * as it arrives (no response stream, no header object), resolving with an {@link AttemptOutcome}.
 * Never rejects: a transport failure is an outcome too.
 */
import type {Dispatcher} from 'undici'
import type {AttemptOutcome} from './status-policy.js'

/** The endpoint's certificate was refused (Node's TLS codes): the handshake failed, no request left. */
export const CERTIFICATE_ERRORS: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** Errors raised before a byte of the request left: the endpoint cannot have seen it. */
const NOT_SENT: ReadonlySet<string> = new Set([
  ...CERTIFICATE_ERRORS,
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

const RETRY_AFTER = 'retry-after'

/** The undici (legacy, unwrapped) handler of one exchange. */
class Exchange implements Dispatcher.DispatchHandler {
  private status = 0
  private retryAfter: string | undefined

  constructor(private readonly done: (outcome: AttemptOutcome) => void) {}

  onConnect(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode
    if (statusCode < 200 || statusCode >= 300) {
      for (let i = 0; i < rawHeaders.length; i += 2) {
        const name = rawHeaders[i] as Buffer
        if (name.length === RETRY_AFTER.length && name.toString('latin1').toLowerCase() === RETRY_AFTER) {
          this.retryAfter = (rawHeaders[i + 1] as Buffer).toString('latin1')
        }
      }
    }
    return true
  }

  onData(): boolean {
    return true
  }

  onComplete(): void {
    this.done({kind: 'response', status: this.status, retryAfter: this.retryAfter})
  }

  onError(error: Error): void {
    const code = (error as Error & {code?: string}).code ?? error.name
    this.done({kind: 'error', code, message: error.message, sent: !NOT_SENT.has(code)})
  }
}

/** Sends one request; resolves with what came back. */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    const handler = new Exchange(resolve)
    try {
      dispatcher.dispatch(options, handler)
    } catch (error) {
      handler.onError(error as Error)
    }
  })
}
