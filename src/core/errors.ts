/**
 * The NsqError family. Every error the core raises is one of these, so callers
 * can branch on `code` instead of parsing messages.
 *
 * - `E_*` codes come from nsqd error frames (`ServerError`), with `fatal` telling
 *   whether nsqd closes the connection after it (only FIN/REQ/TOUCH failures are not fatal).
 * - `CONNECTION_*`, `TIMEOUT`, `PROTOCOL`, `HTTP`, `CONFIG`, `TLS` are raised locally.
 */
export type NsqErrorCode =
  | `E_${string}`
  | 'CONNECTION_CLOSED'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_FAILED'
  | 'PEER_DEAD'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'PROTOCOL'
  | 'FRAME_TOO_LARGE'
  | 'HTTP'
  | 'CONFIG'
  | 'TLS'
  | 'AUTH_REQUIRED'
  | 'QUEUE_CLOSED'

/**
 * What the raiser of an error knew beyond its code, so nothing later reads the message text:
 * - `dns`: the host name does not resolve (often an nsqd `--broadcast-address` from lookupd).
 * - `tls-required`: nsqd runs with `--tls-required` and refused a plain connection.
 * - `tls-untrusted` / `tls-name-mismatch` / `tls-expired`: why certificate verification failed.
 * - `not-http`: an HTTP API call was answered by something that does not speak HTTP (nsqd's TCP port).
 * - `not-nsq-tcp`: the TCP protocol was answered in HTTP (nsqd's or lookupd's HTTP port).
 * - `usage`: a value the caller gave is wrong (with code `CONFIG`).
 */
export type NsqErrorReason =
  'dns' | 'tls-required' | 'tls-untrusted' | 'tls-name-mismatch' | 'tls-expired' | 'not-http' | 'not-nsq-tcp' | 'usage'

/** Options of every NsqError: the underlying error and the typed reason, when known. */
export interface NsqErrorOptions {
  cause?: unknown
  reason?: NsqErrorReason | undefined
  /** The nsqd (`host:port`) the error came from, when it came from one. */
  address?: string | undefined
}

export class NsqError extends Error {
  override readonly name: string = 'NsqError'
  readonly code: NsqErrorCode
  /**
   * The nsqd (`host:port`, IPv6 in brackets) this error came from: set on every error raised
   * for one connection (connection errors, nsqd's error frames, a publish that failed on it);
   * undefined for errors that concern no single nsqd (a bad option, say).
   */
  readonly address: string | undefined

  /** Why, when the raiser knew more than the code says (see {@link NsqErrorReason}). */
  readonly reason: NsqErrorReason | undefined

  constructor(code: NsqErrorCode, message: string, options?: NsqErrorOptions) {
    super(message, options?.cause === undefined ? undefined : {cause: options.cause})
    this.code = code
    this.address = options?.address
    this.reason = options?.reason
  }
}

/** Error codes nsqd sends that do not close the connection. */
const NON_FATAL_CODES: ReadonlySet<string> = new Set(['E_FIN_FAILED', 'E_REQ_FAILED', 'E_TOUCH_FAILED'])

/** An error frame from nsqd, e.g. `E_BAD_MESSAGE PUB message too big 2000 > 1024`. */
export class ServerError extends NsqError {
  override readonly name = 'ServerError'
  /** True when nsqd closes the connection after sending this error. */
  readonly fatal: boolean
  /** The text after the code, as nsqd sent it. */
  readonly description: string

  /** `address`: the nsqd that sent the frame. */
  constructor(code: `E_${string}`, description: string, address?: string) {
    // nsqd --tls-required answers SUB / PUB on a plain connection with `E_INVALID … (TLS required)`:
    // its protocol's wording, recognised here once.
    super(code, description ? `${code} ${description}` : code, {
      address,
      reason: code === 'E_INVALID' && description.includes('(TLS required)') ? 'tls-required' : undefined,
    })
    this.fatal = !NON_FATAL_CODES.has(code)
    this.description = description
  }

  /** Parses the body of an nsqd error frame (the code, one space, then the description) sent by `address`. */
  static fromFrame(text: string, address?: string): ServerError {
    const space = text.indexOf(' ')
    const head = space === -1 ? text : text.slice(0, space)
    const rest = space === -1 ? '' : text.slice(space + 1)
    const code: `E_${string}` = head.startsWith('E_') ? (head as `E_${string}`) : 'E_UNKNOWN'
    return new ServerError(code, code === 'E_UNKNOWN' ? text : rest, address)
  }
}

/** The connection went away (closed, refused, reset, or declared dead). */
export class ConnectionError extends NsqError {
  override readonly name = 'ConnectionError'
  declare readonly address: string

  constructor(code: NsqErrorCode, address: string, message: string, options?: NsqErrorOptions) {
    super(code, `${address}: ${message}`, {...options, address})
  }
}

/** An HTTP API call failed: transport error, timeout, non-2xx status or a body of the wrong shape. */
export class HttpError extends NsqError {
  override readonly name = 'HttpError'
  readonly url: string
  /** HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined
  /** The `message` field of nsqd's JSON error body (e.g. `TOPIC_NOT_FOUND`), when there was one. */
  readonly apiMessage: string | undefined

  constructor(
    url: string,
    message: string,
    details: {status?: number; apiMessage?: string; cause?: unknown; code?: NsqErrorCode; reason?: NsqErrorReason} = {},
  ) {
    super(details.code ?? 'HTTP', `${message} (${url})`, {cause: details.cause, reason: details.reason})
    this.url = url
    this.status = details.status
    this.apiMessage = details.apiMessage
  }
}

/** Narrowing guard for any error of the family. */
export function isNsqError(value: unknown): value is NsqError {
  return value instanceof NsqError
}

/** Narrowing guard for server error frames. */
export function isServerError(value: unknown): value is ServerError {
  return value instanceof ServerError
}

/**
 * What kind of failure an error is, decided once here from its code and reason:
 * - `usage`: a value the user gave is wrong; nothing was tried (exit 2).
 * - `unreachable`: the service could not be reached or went away (refused, DNS, timeout, reset,
 *   dead peer, an HTTP call without a usable answer); trying again later may work (exit 69).
 * - `refused`: the service answered and refuses this client for good (TLS required or failed,
 *   AUTH missing or denied, `E_INVALID`, a bad topic, an HTTP error status): configuration,
 *   ours or the service's; retrying the same thing cannot help (exit 69).
 * - `retriable`: the service could not do it right now (`E_PUB_FAILED`, `E_FIN_FAILED`, …): the
 *   same request may succeed again (exit 1 when it ends a run).
 * - `failed`: this request failed for good (a message too big, a protocol violation, aborted);
 *   other requests may succeed (exit 1).
 */
export type ErrorKind = 'usage' | 'unreachable' | 'refused' | 'retriable' | 'failed'

/** An error's {@link ErrorKind} and its typed reason, if any. */
export interface ErrorClass {
  kind: ErrorKind
  reason: NsqErrorReason | undefined
}

const UNREACHABLE_CODES: ReadonlySet<NsqErrorCode> = new Set([
  'CONNECTION_REFUSED',
  'CONNECTION_FAILED',
  'CONNECTION_CLOSED',
  'PEER_DEAD',
  'TIMEOUT',
])
const REFUSED_CODES: ReadonlySet<NsqErrorCode> = new Set([
  'TLS',
  'AUTH_REQUIRED',
  'E_INVALID',
  'E_BAD_TOPIC',
  'E_BAD_CHANNEL',
  'E_UNAUTHORIZED',
])
const RETRIABLE_CODES: ReadonlySet<NsqErrorCode> = new Set([
  'E_PUB_FAILED',
  'E_MPUB_FAILED',
  'E_DPUB_FAILED',
  'E_FIN_FAILED',
  'E_REQ_FAILED',
  'E_TOUCH_FAILED',
])

/** Classifies any thrown value (see {@link ErrorKind}); what is not an NsqError is `failed`. */
export function classifyError(error: unknown): ErrorClass {
  if (!isNsqError(error)) return {kind: 'failed', reason: undefined}
  const reason = error.reason
  return {kind: kindOf(error), reason}
}

function kindOf(error: NsqError): ErrorKind {
  const {code} = error
  if (code === 'CONFIG' || error.reason === 'usage') return 'usage'
  if (error.reason === 'dns' || error.reason === 'not-http') return 'unreachable'
  if (error.reason !== undefined && error.reason.startsWith('tls-')) return 'refused'
  if (UNREACHABLE_CODES.has(code)) return 'unreachable'
  if (code === 'HTTP') return error instanceof HttpError && error.status !== undefined ? 'refused' : 'unreachable'
  if (REFUSED_CODES.has(code) || code.startsWith('E_AUTH')) return 'refused'
  if (RETRIABLE_CODES.has(code)) return 'retriable'
  return 'failed'
}
