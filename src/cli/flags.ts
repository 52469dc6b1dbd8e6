/**
 * Flag builders shared by every command, so the same connection, TLS, auth and compression
 * flags (with their `NSQ_*` environment variables) mean the same thing everywhere, and the
 * Go-style names of the official apps carry over.
 */
import fs from 'node:fs'
import {Flags} from '@oclif/core'
import {AddressMap, type ConnectionSettings, type HttpOptions, type TlsOptions} from '../core/index.js'
import {formatDuration, parseDuration, parseSize} from './units.js'
import {parseFlagValue, UsageError} from './usage-error.js'

const CONNECTION = 'CONNECTION'
const SECURITY = 'TLS AND AUTH'

/**
 * A duration flag (`30s`, `500ms`, `1h30m`; a bare number is seconds, see {@link parseDuration});
 * the value is milliseconds, and `--help` shows its default as a duration (`5s`, not `5000`).
 */
export const durationFlag = Flags.custom<number>({
  helpValue: '<duration>',
  parse: async (input, _context, options) => parseFlagValue(options.name, input, parseDuration),
  defaultHelp: async ({options}) => (typeof options.default === 'number' ? durationHelp(options.default) : undefined),
})

/** A default in milliseconds as `--help` shows it. */
function durationHelp(ms: number): string {
  return ms === 0 ? '0s' : formatDuration(ms)
}

/**
 * `--json` in our words, for commands with `enableJsonFlag` (a flag named `json` in a command's
 * flags replaces oclif's, whose help says only "Format output as json.").
 */
export const jsonSummaryFlag = Flags.boolean({
  summary: 'print the summary as one JSON object on stdout instead of the text report (errors too, as {"error": …})',
  helpGroup: 'GLOBAL',
})

/** A size flag (`1048576`, `64KiB`, `100MB`); the value is bytes. */
export const sizeFlag = Flags.custom<number>({
  helpValue: '<size>',
  parse: async (input, _context, options) => parseFlagValue(options.name, input, parseSize),
})

/** `--nsqd-tcp-address` (repeatable, or comma-separated), env NSQ_NSQD_TCP_ADDRESS. */
export const nsqdTcpAddressFlag = Flags.string({
  summary: 'nsqd TCP address (host:port); repeatable',
  multiple: true,
  // One value per use: `--nsqd-tcp-address A topic` must not swallow the positional topic.
  multipleNonGreedy: true,
  delimiter: ',',
  env: 'NSQ_NSQD_TCP_ADDRESS',
  helpGroup: CONNECTION,
})

/** `--nsqd-http-address` (repeatable), env NSQ_NSQD_HTTP_ADDRESS. */
export const nsqdHttpAddressFlag = Flags.string({
  summary: 'nsqd HTTP address (host:port or http(s)://host:port); repeatable',
  multiple: true,
  // One value per use: `--nsqd-tcp-address A topic` must not swallow the positional topic.
  multipleNonGreedy: true,
  delimiter: ',',
  env: 'NSQ_NSQD_HTTP_ADDRESS',
  helpGroup: CONNECTION,
})

/** `--lookupd-http-address` (repeatable), env NSQ_LOOKUPD_HTTP_ADDRESS. */
export const lookupdHttpAddressFlag = Flags.string({
  summary: 'nsqlookupd HTTP address (host:port or http(s)://host:port); repeatable',
  multiple: true,
  // One value per use: `--nsqd-tcp-address A topic` must not swallow the positional topic.
  multipleNonGreedy: true,
  delimiter: ',',
  env: 'NSQ_LOOKUPD_HTTP_ADDRESS',
  helpGroup: CONNECTION,
})

/** A duration flag that must be at least `minMs` (the error names the flag and the floor). */
function boundedDuration(flag: string, minMs: number, input: string): number {
  const ms = parseFlagValue(flag, input, parseDuration)
  if (ms < minMs) throw new UsageError(`--${flag} ${input}: must be at least ${minMs >= 1000 ? `${minMs / 1000}s` : `${minMs}ms`}`)
  return ms
}

/**
 * How fast a consuming command notices trouble: spread into a command's `flags`.
 * - `--heartbeat-interval`: asked of nsqd in IDENTIFY. nsqd sends a heartbeat this often when it
 *   has nothing else to send; no byte for two intervals marks the connection dead (a stalled nsqd
 *   or a black-holed network path), so a stall is seen within about two intervals. nsqd accepts
 *   1s up to its --max-heartbeat-interval (60s by default).
 * - `--lookupd-poll-interval`: how often lookupd is asked where the topic lives (±30 % jitter).
 *   After a lost connection the consumer also asks at 1, 2, 4, 8 … s until it is back, so a
 *   restarted nsqd is found again well within one interval.
 */
export const liveness = {
  'heartbeat-interval': Flags.custom<number>({
    helpValue: '<duration>',
    summary: "heartbeat asked of nsqd; no data for two intervals = connection dead (1s … nsqd's --max-heartbeat-interval)",
    env: 'NSQ_HEARTBEAT_INTERVAL',
    default: 30_000,
    defaultHelp: async () => '30s',
    helpGroup: CONNECTION,
    parse: async (input) => boundedDuration('heartbeat-interval', 1000, input),
  })(),
  'lookupd-poll-interval': Flags.custom<number>({
    helpValue: '<duration>',
    summary: "how often lookupd is polled for the topic's nsqd (±30 % jitter; sooner after a lost connection)",
    env: 'NSQ_LOOKUPD_POLL_INTERVAL',
    default: 60_000,
    defaultHelp: async () => '1m',
    helpGroup: CONNECTION,
    parse: async (input) => boundedDuration('lookupd-poll-interval', 1000, input),
  })(),
}

/** TLS, AUTH, compression, address mapping and HTTP auth: spread into a command's `flags`. */
export const securityFlags = {
  tls: Flags.boolean({summary: 'connect to nsqd with TLS (verified against the host dialled)', env: 'NSQ_TLS', helpGroup: SECURITY}),
  'tls-ca': Flags.string({
    summary: "PEM file of the CA that signed nsqd's certificate (implies --tls)",
    env: 'NSQ_TLS_CA',
    helpGroup: SECURITY,
  }),
  'tls-cert': Flags.string({summary: 'PEM client certificate for mutual TLS (implies --tls)', env: 'NSQ_TLS_CERT', helpGroup: SECURITY}),
  'tls-key': Flags.string({summary: 'PEM private key of --tls-cert', env: 'NSQ_TLS_KEY', helpGroup: SECURITY}),
  'tls-insecure': Flags.boolean({
    summary: "do NOT verify nsqd's certificate (prints a warning)",
    env: 'NSQ_TLS_INSECURE',
    helpGroup: SECURITY,
  }),
  'tls-min-version': Flags.option({
    options: ['TLSv1.2', 'TLSv1.3'] as const,
    summary: 'lowest TLS version accepted',
    helpGroup: SECURITY,
  })(),
  'auth-secret': Flags.string({
    summary: 'secret for nsqd AUTH; prefer the env var or --auth-secret-file (flags show in the process list)',
    env: 'NSQ_AUTH_SECRET',
    noCacheDefault: true,
    helpGroup: SECURITY,
  }),
  'auth-secret-file': Flags.string({summary: 'file holding the secret for nsqd AUTH', env: 'NSQ_AUTH_SECRET_FILE', helpGroup: SECURITY}),
  'http-auth-file': Flags.string({
    summary:
      'file holding an Authorization header value for the nsqd / nsqlookupd HTTP APIs (e.g. "Bearer …"); env NSQ_HTTP_AUTH holds the value itself',
    env: 'NSQ_HTTP_AUTH_FILE',
    helpGroup: SECURITY,
  }),
  compression: Flags.option({
    options: ['none', 'snappy', 'deflate'] as const,
    default: 'none',
    summary: 'compression negotiated with nsqd',
    env: 'NSQ_COMPRESSION',
    helpGroup: CONNECTION,
  })(),
  'deflate-level': Flags.integer({
    min: 1,
    max: 9,
    default: 6,
    summary: 'deflate level (with --compression deflate)',
    helpGroup: CONNECTION,
  }),
  'address-map': Flags.string({
    summary:
      "dial an nsqd lookupd reports as HOST (its --broadcast-address) or HOST:PORT (PORT its TCP port) at ADDR: HOST[:PORT]=ADDR keeps the nsqd's ports, =ADDR:PORT sets the TCP port and moves the HTTP port with it; repeatable",
    multiple: true,
    helpGroup: CONNECTION,
  }),
}

/** The parsed values of `securityFlags`. */
export interface SecurityFlagValues {
  tls: boolean
  'tls-ca'?: string | undefined
  'tls-cert'?: string | undefined
  'tls-key'?: string | undefined
  'tls-insecure': boolean
  'tls-min-version'?: 'TLSv1.2' | 'TLSv1.3' | undefined
  'auth-secret'?: string | undefined
  'auth-secret-file'?: string | undefined
  'http-auth-file'?: string | undefined
  /** The Authorization value itself, from a context's `http_auth_env` (or NSQ_HTTP_AUTH); no flag of its own. */
  'http-auth'?: string | undefined
  compression: 'none' | 'snappy' | 'deflate'
  'deflate-level': number
  'address-map'?: string[] | undefined
  /** From {@link liveness}, on the commands that have it. */
  'heartbeat-interval'?: number | undefined
}

/** A bad flag value found while building options (exit 2). */
function usageError(message: string): UsageError {
  return new UsageError(message)
}

function readFileFlag(flag: string, file: string): Buffer {
  try {
    return fs.readFileSync(file)
  } catch (error) {
    throw usageError(`--${flag} ${file}: ${(error as Error).message}`)
  }
}

/** TLS options for nsqd connections, or undefined when TLS is off. */
export function tlsOptions(flags: SecurityFlagValues): TlsOptions | undefined {
  const wanted = flags.tls || flags['tls-insecure'] || flags['tls-ca'] !== undefined || flags['tls-cert'] !== undefined
  if (!wanted) return undefined
  if ((flags['tls-cert'] === undefined) !== (flags['tls-key'] === undefined)) throw usageError('--tls-cert and --tls-key go together')
  return {
    ca: flags['tls-ca'] === undefined ? undefined : readFileFlag('tls-ca', flags['tls-ca']),
    cert: flags['tls-cert'] === undefined ? undefined : readFileFlag('tls-cert', flags['tls-cert']),
    key: flags['tls-key'] === undefined ? undefined : readFileFlag('tls-key', flags['tls-key']),
    insecure: flags['tls-insecure'],
    minVersion: flags['tls-min-version'],
  }
}

/** The AUTH secret from --auth-secret / NSQ_AUTH_SECRET or --auth-secret-file (trailing newline dropped). */
export function authSecret(flags: SecurityFlagValues): string | undefined {
  if (flags['auth-secret-file'] !== undefined)
    return readFileFlag('auth-secret-file', flags['auth-secret-file'])
      .toString('utf8')
      .replace(/\r?\n$/, '')
  return flags['auth-secret']
}

/** Connection settings for a Producer or Consumer. */
export function connectionSettings(flags: SecurityFlagValues): ConnectionSettings {
  const settings: ConnectionSettings = {compression: flags.compression, deflateLevel: flags['deflate-level']}
  if (flags['heartbeat-interval'] !== undefined) settings.heartbeatIntervalMs = flags['heartbeat-interval']
  const tls = tlsOptions(flags)
  if (tls !== undefined) settings.tls = tls
  const secret = authSecret(flags)
  if (secret !== undefined) settings.authSecret = secret
  return settings
}

/** HTTP options for the nsqd / nsqlookupd API clients (Authorization header, TLS for https URLs). */
export function httpOptions(flags: SecurityFlagValues, timeoutMs?: number): HttpOptions {
  const options: HttpOptions = {}
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs
  const auth =
    flags['http-auth-file'] !== undefined
      ? readFileFlag('http-auth-file', flags['http-auth-file']).toString('utf8').trim()
      : (flags['http-auth'] ?? process.env.NSQ_HTTP_AUTH)
  if (auth !== undefined && auth !== '') options.authorization = auth
  const tls = tlsOptions(flags)
  if (tls !== undefined) {
    options.ca = tls.ca
    options.cert = tls.cert
    options.key = tls.key
    options.insecure = tls.insecure
  }
  return options
}

/** The parsed `--address-map` entries (forms and rules: core's {@link AddressMap}). */
export function addressMap(flags: SecurityFlagValues): AddressMap {
  return AddressMap.parse(flags['address-map'] ?? [])
}

const DESTINATION = 'DESTINATION'

/** The security flags a destination cluster gets its own copy of (`--destination-tls`, …). */
const DESTINATION_SECURITY = [
  'tls',
  'tls-ca',
  'tls-cert',
  'tls-key',
  'tls-insecure',
  'tls-min-version',
  'auth-secret',
  'auth-secret-file',
  'http-auth-file',
  'compression',
  'deflate-level',
  'address-map',
] as const

type DestinationName = (typeof DESTINATION_SECURITY)[number]
type Prefixed<T> = {[K in keyof T as K extends DestinationName ? `destination-${K}` : never]: T[K]}

/**
 * The connection flags for a second cluster, for commands that publish to another one than they
 * read from (`relay`): `securityFlags` with a `destination-` prefix and env `NSQ_DESTINATION_*`,
 * plus `--destination-nsqd-tcp-address` and `--destination-lookupd-http-address`. Built from
 * the same definitions, so each means what its unprefixed twin means.
 */
export const destinationFlags = {
  'destination-nsqd-tcp-address': {
    ...nsqdTcpAddressFlag,
    summary: 'destination nsqd TCP address (host:port); repeatable',
    env: 'NSQ_DESTINATION_NSQD_TCP_ADDRESS',
    helpGroup: DESTINATION,
  } as typeof nsqdTcpAddressFlag,
  'destination-lookupd-http-address': {
    ...lookupdHttpAddressFlag,
    summary: 'destination nsqlookupd HTTP address: publish to the nsqd it lists for the topic (or any it knows); repeatable',
    env: 'NSQ_DESTINATION_LOOKUPD_HTTP_ADDRESS',
    helpGroup: DESTINATION,
  } as typeof lookupdHttpAddressFlag,
  ...(Object.fromEntries(
    DESTINATION_SECURITY.map((name) => {
      const flag = securityFlags[name] as {env?: string; summary?: string}
      return [
        `destination-${name}`,
        {
          ...flag,
          ...(flag.env === undefined ? {} : {env: flag.env.replace(/^NSQ_/, 'NSQ_DESTINATION_')}),
          summary: `destination: ${flag.summary ?? ''}`,
          helpGroup: DESTINATION,
        },
      ]
    }),
  ) as Prefixed<typeof securityFlags>),
}

/** The destination's flag values under their unprefixed names, for `connectionSettings` / `httpOptions` / `addressMap`. */
export function destinationValues(flags: Record<string, unknown>): SecurityFlagValues {
  const values: Record<string, unknown> = {}
  for (const name of DESTINATION_SECURITY) values[name] = flags[`destination-${name}`]
  // The Authorization value for the destination's lookupd: from --destination-context, or its own
  // variable; never the source's NSQ_HTTP_AUTH ('' = none, which httpOptions does not fall back from).
  values['http-auth'] = flags['destination-http-auth'] ?? process.env.NSQ_DESTINATION_HTTP_AUTH ?? ''
  return values as unknown as SecurityFlagValues
}
