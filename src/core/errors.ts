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

/** Where an error came from, besides its cause. */
export interface NsqErrorOptions {
  cause?: unknown
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

  constructor(code: NsqErrorCode, message: string, options?: NsqErrorOptions) {
    super(message, options !== undefined && 'cause' in options ? {cause: options.cause} : undefined)
    this.code = code
    this.address = options?.address
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
    super(code, description ? `${code} ${description}` : code, {address})
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

  constructor(code: NsqErrorCode, address: string, message: string, options?: {cause?: unknown}) {
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

  constructor(url: string, message: string, details: {status?: number; apiMessage?: string; cause?: unknown; code?: NsqErrorCode} = {}) {
    super(details.code ?? 'HTTP', `${message} (${url})`, {cause: details.cause})
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
