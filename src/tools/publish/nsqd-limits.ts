import {NsqdHttpClient, parseHostPort, formatHostPort, type HttpOptions} from '../../core/index.js'

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

/**
 * Asks one nsqd's HTTP API for its limits (`/info` does not carry them in v1.3.0; `/config/…`
 * does). Rejects when nsqd cannot be reached or answers something else.
 */
export async function fetchNsqdLimits(httpAddress: string, options: HttpOptions = {}): Promise<NsqdLimits> {
  const nsqd = new NsqdHttpClient(httpAddress, options)
  const [maxMessageBytes, maxBodyBytes, maxReqTimeoutNs] = await Promise.all([
    nsqd.configNumber('max_msg_size'),
    nsqd.configNumber('max_body_size'),
    nsqd.configNumber('max_req_timeout'),
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

/** Limits given on the command line (`--max-message-bytes`, `--max-body-bytes`). */
export interface LimitOverrides {
  maxMessageBytes?: number | undefined
  maxBodyBytes?: number | undefined
}

/** The limits a run uses and where they came from. */
export interface ResolvedLimits {
  limits: NsqdLimits
  source: 'nsqd' | 'flags'
  /** Why an nsqd's HTTP API could not be read, when one could not. */
  failure?: string
}

/**
 * nsqd's own limits win when known (the tightest across nsqds); flags given explicitly can only
 * tighten them. Without any nsqd answer, the flags (or nsqd's defaults) apply.
 */
export function combineLimits(found: readonly NsqdLimits[], overrides: LimitOverrides): {limits: NsqdLimits; source: 'nsqd' | 'flags'} {
  const server = tightest(found)
  if (server === undefined) {
    return {
      limits: {
        maxMessageBytes: overrides.maxMessageBytes ?? DEFAULT_LIMITS.maxMessageBytes,
        maxBodyBytes: overrides.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
        maxDeferMs: DEFAULT_LIMITS.maxDeferMs,
      },
      source: 'flags',
    }
  }
  return {
    limits: {
      maxMessageBytes: Math.min(server.maxMessageBytes, overrides.maxMessageBytes ?? Infinity),
      maxBodyBytes: Math.min(server.maxBodyBytes, overrides.maxBodyBytes ?? Infinity),
      maxDeferMs: server.maxDeferMs,
    },
    source: 'nsqd',
  }
}

/** Reads the limits of every nsqd HTTP address (failures tolerated) and combines them with the flags. */
export async function resolveLimits(
  httpAddresses: readonly string[],
  overrides: LimitOverrides,
  options: HttpOptions,
): Promise<ResolvedLimits> {
  const results = await Promise.allSettled(httpAddresses.map((address) => fetchNsqdLimits(address, options)))
  const found = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  const failure = rejected === undefined ? undefined : rejected.reason instanceof Error ? rejected.reason.message : String(rejected.reason)
  return {...combineLimits(found, overrides), ...(failure === undefined ? {} : {failure})}
}
