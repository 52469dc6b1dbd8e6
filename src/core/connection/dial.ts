import net from 'node:net'
import tls from 'node:tls'
import {ConnectionError, NsqError, type NsqErrorReason} from '../errors.js'
import {formatHostPort} from '../util/address.js'

/** TLS settings for nsqd connections. Verification is on unless `insecure` is set. */
export interface TlsOptions {
  /** PEM CA bundle(s) to trust instead of the system roots. */
  ca?: string | Buffer | undefined
  /** PEM client certificate, for nsqd's `--tls-client-auth-policy`. */
  cert?: string | Buffer | undefined
  /** PEM private key of the client certificate. */
  key?: string | Buffer | undefined
  /** Skip certificate verification. Never the default. */
  insecure?: boolean | undefined
  /** Lowest TLS version to accept. */
  minVersion?: tls.SecureVersion | undefined
  /** Name to verify the certificate against, when it differs from the host dialled. */
  servername?: string | undefined
}

/** Opens a TCP connection with a timeout and an AbortSignal; errors become ConnectionError. */
export function dialTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  const address = formatHostPort(host, port)
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new NsqError('ABORTED', `connect to ${address} aborted`, {address}))
      return
    }
    const socket = net.connect({host, port})
    socket.setNoDelay(true)
    const timer = setTimeout(() => fail(new ConnectionError('TIMEOUT', address, `no TCP connection within ${timeoutMs} ms`)), timeoutMs)
    const onAbort = (): void => fail(new NsqError('ABORTED', `connect to ${address} aborted`, {address}))
    signal?.addEventListener('abort', onAbort, {once: true})
    const cleanup = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.removeListener('error', onError)
      socket.removeListener('connect', onConnect)
    }
    function fail(error: NsqError): void {
      cleanup()
      socket.destroy()
      reject(error)
    }
    function onError(error: NodeJS.ErrnoException): void {
      fail(describeSocketError(address, error))
    }
    function onConnect(): void {
      cleanup()
      resolve(socket)
    }
    socket.once('error', onError)
    socket.once('connect', onConnect)
  })
}

/**
 * Turns a socket error into a ConnectionError that says what happened and what to do about it,
 * with the typed reason (`dns`) for callers that branch on it (the CLI adds no second hint).
 */
export function describeSocketError(address: string, error: NodeJS.ErrnoException): ConnectionError {
  switch (error.code) {
    case 'ECONNREFUSED':
      return new ConnectionError('CONNECTION_REFUSED', address, 'connection refused: is nsqd running and listening on this address?', {
        cause: error,
      })
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError(
        'CONNECTION_FAILED',
        address,
        "host name does not resolve (if it came from nsqlookupd, set nsqd's --broadcast-address to a resolvable name or IP, or map it with --address-map HOST=IP:PORT)",
        {cause: error, reason: 'dns'},
      )
    case 'ECONNRESET':
    case 'EPIPE':
      return new ConnectionError('CONNECTION_CLOSED', address, `connection reset by peer (${error.code})`, {cause: error})
    default:
      return new ConnectionError('CONNECTION_FAILED', address, error.message, {cause: error})
  }
}

/** What to do about a failed verification, said in the message (the CLI adds no second hint). */
function tlsAdvice(reason: NsqErrorReason | undefined, verifyName: string): string {
  switch (reason) {
    case 'tls-name-mismatch':
      return ` (the certificate does not name "${verifyName}"; dial the name it was issued for, or set the TLS server name)`
    case 'tls-untrusted':
      return ' (the certificate is not signed by a trusted CA; pass the CA file, or --tls-insecure to skip verification)'
    case 'tls-expired':
      return ' (the server certificate has expired)'
    default:
      return ''
  }
}

/** Why certificate verification failed, from Node's TLS error code. */
function tlsReason(code: string | undefined): NsqErrorReason | undefined {
  switch (code) {
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'tls-name-mismatch'
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls-untrusted'
    case 'CERT_HAS_EXPIRED':
      return 'tls-expired'
    default:
      return undefined
  }
}

/**
 * Runs the TLS client handshake over an established socket (nsqd starts TLS right after its
 * IDENTIFY reply). The certificate is checked against the host actually dialled unless
 * `options.insecure` is set.
 */
export function upgradeToTls(
  socket: net.Socket,
  host: string,
  port: number,
  options: TlsOptions,
  timeoutMs: number,
): Promise<tls.TLSSocket> {
  const address = `${host}:${port}`
  const verifyName = options.servername ?? host
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket,
      host: verifyName,
      ...(net.isIP(verifyName) === 0 ? {servername: verifyName} : {}),
      ...(options.ca === undefined ? {} : {ca: options.ca}),
      ...(options.cert === undefined ? {} : {cert: options.cert}),
      ...(options.key === undefined ? {} : {key: options.key}),
      ...(options.minVersion === undefined ? {} : {minVersion: options.minVersion}),
      rejectUnauthorized: options.insecure !== true,
    })
    const timer = setTimeout(
      () => fail(new ConnectionError('TLS', address, `TLS handshake did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    )
    function fail(error: NsqError): void {
      clearTimeout(timer)
      secure.removeListener('secureConnect', onSecure)
      secure.destroy()
      reject(error)
    }
    function onError(error: NodeJS.ErrnoException): void {
      const reason = tlsReason(error.code)
      fail(
        new ConnectionError('TLS', address, `TLS handshake failed: ${error.message}${tlsAdvice(reason, verifyName)}`, {
          cause: error,
          reason,
        }),
      )
    }
    function onSecure(): void {
      clearTimeout(timer)
      secure.removeListener('error', onError)
      resolve(secure)
    }
    secure.once('error', onError)
    secure.once('secureConnect', onSecure)
  })
}
