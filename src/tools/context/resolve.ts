/**
 * How a context's settings become a command's flag values, and where each value came from.
 * Precedence: a flag on the command line > its environment variable > the context > the flag's
 * default. Settings that belong together are taken together: a context's AUTH secret (file or
 * env var), its HTTP Authorization (file or env var) and its client certificate + key are not
 * used when the command line or the environment gives either half. Addresses of the other kind
 * follow the rule a flag already has over an env var: the higher source wins (a context with
 * lookupd and `--nsqd-tcp-address` on the command line → that nsqd, no "not both").
 */
import {CONTEXT_KEYS, type ContextKey, type StoredContext} from './store.js'

export type Source = 'flag' | 'env' | 'context' | 'default'

/** Where one value came from: the env var (source env, or a context's `*_env` reference), the context's name. */
export interface Origin {
  source: Source
  env?: string
  context?: string
}

/** What resolve needs to know of one of the command's flags. */
export interface FlagInfo {
  env?: string | undefined
  allowNo?: boolean | undefined
  char?: string | undefined
}

/**
 * The pseudo-flag a context's HTTP Authorization value lands in (there is no flag for the value
 * itself: `NSQ_HTTP_AUTH` holds it; `httpOptions` reads it).
 */
export const HTTP_AUTH = 'http-auth'

/** The flag (or pseudo-flag) each context key sets. */
export function flagOf(key: ContextKey): string {
  if (key === 'auth_secret_env') return 'auth-secret'
  if (key === 'http_auth_env') return HTTP_AUTH
  return key.replaceAll('_', '-')
}

/** The flags whose own value (from the command line or env) keeps each context key out. */
const GROUP: Partial<Record<ContextKey, readonly string[]>> = {
  auth_secret_file: ['auth-secret', 'auth-secret-file'],
  auth_secret_env: ['auth-secret', 'auth-secret-file'],
  http_auth_file: ['http-auth-file', HTTP_AUTH],
  http_auth_env: ['http-auth-file', HTTP_AUTH],
  tls_cert: ['tls-cert', 'tls-key'],
  tls_key: ['tls-cert', 'tls-key'],
}

/** Every flag name a context can set, in display order. */
export const CONNECTION_FLAGS: readonly string[] = [...new Set(CONTEXT_KEYS.map(flagOf))]

/** Flags of which a command takes one kind or the other (nsqd directly, or lookupd). */
const ONE_OR_THE_OTHER: readonly (readonly [string, string])[] = [
  ['nsqd-tcp-address', 'lookupd-http-address'],
  ['nsqd-http-address', 'lookupd-http-address'],
]

const RANK: Readonly<Record<Source, number>> = {flag: 3, env: 2, context: 1, default: 0}

export interface ResolveInput {
  /** The parsed flags; changed in place. */
  flags: Record<string, unknown>
  /** The command's flags (name → env, allowNo, char). */
  definitions: Readonly<Record<string, FlagInfo>>
  argv: readonly string[]
  env: NodeJS.ProcessEnv
  context?: StoredContext | undefined
}

export interface Resolution {
  /** Where each connection flag's value came from (flags without a value are absent). */
  origins: Record<string, Origin>
  /** Context keys this command has no flag for (e.g. lookupd for `bench`). */
  unused: ContextKey[]
  /** Context keys left out because the command line or the environment gave that setting. */
  overridden: ContextKey[]
  /** Context `*_env` references whose variable is not set: `[key, variable]`. */
  missing: [ContextKey, string][]
}

/** Applies a context to parsed flags (in place) and says where each connection value came from. */
export function resolveContext({flags, definitions, argv, env, context}: ResolveInput): Resolution {
  const defs: Record<string, FlagInfo> = {...definitions}
  // The HTTP Authorization value: no flag of its own, NSQ_HTTP_AUTH is its env var.
  if (defs['http-auth-file'] !== undefined) defs[HTTP_AUTH] = {env: 'NSQ_HTTP_AUTH'}
  const outside = (name: string): Origin | undefined => outsideOrigin(name, defs[name], argv, env)
  const origins: Record<string, Origin> = {}
  for (const name of CONNECTION_FLAGS) {
    if (defs[name] === undefined) continue
    const origin = outside(name)
    if (origin !== undefined) origins[name] = origin
    else if (name === HTTP_AUTH) continue
    else if (flags[name] !== undefined) origins[name] = {source: 'default'}
  }
  if (origins[HTTP_AUTH] !== undefined) flags[HTTP_AUTH] = env.NSQ_HTTP_AUTH
  const resolution: Resolution = {origins, unused: [], overridden: [], missing: []}
  if (context !== undefined) {
    const settings = context.settings
    for (const key of CONTEXT_KEYS) {
      const stored = settings[key]
      if (stored === undefined) continue
      const target = flagOf(key)
      if (defs[target] === undefined) {
        resolution.unused.push(key)
        continue
      }
      const blockers = GROUP[key] ?? [target]
      if (blockers.some((name) => defs[name] !== undefined && outside(name) !== undefined)) {
        resolution.overridden.push(key)
        continue
      }
      if (key === 'auth_secret_env' || key === 'http_auth_env') {
        const variable = stored as string
        const value = env[variable]
        if (value === undefined || value === '') {
          resolution.missing.push([key, variable])
          continue
        }
        flags[target] = value
        origins[target] = {source: 'context', context: context.name, env: variable}
        continue
      }
      flags[target] = Array.isArray(stored) ? [...stored] : stored
      origins[target] = {source: 'context', context: context.name}
    }
  }
  for (const [a, b] of ONE_OR_THE_OTHER) {
    const oa = origins[a]
    const ob = origins[b]
    if (flags[a] === undefined || flags[b] === undefined || oa === undefined || ob === undefined) continue
    if (RANK[oa.source] > RANK[ob.source]) dropValue(flags, origins, b)
    else if (RANK[ob.source] > RANK[oa.source]) dropValue(flags, origins, a)
  }
  return resolution
}

function dropValue(flags: Record<string, unknown>, origins: Record<string, Origin>, name: string): void {
  delete flags[name]
  delete origins[name]
}

/** Whether a flag's value came from the command line or its environment variable (oclif takes a non-empty env value). */
function outsideOrigin(name: string, def: FlagInfo | undefined, argv: readonly string[], env: NodeJS.ProcessEnv): Origin | undefined {
  if (def === undefined) return undefined
  const forms = [`--${name}`, ...(def.allowNo === true ? [`--no-${name}`] : []), ...(def.char === undefined ? [] : [`-${def.char}`])]
  const end = argv.indexOf('--')
  const args = end === -1 ? argv : argv.slice(0, end)
  if (args.some((a) => forms.some((f) => a === f || a.startsWith(`${f}=`)))) return {source: 'flag'}
  if (def.env !== undefined && env[def.env] !== undefined && env[def.env] !== '') return {source: 'env', env: def.env}
  return undefined
}

/** Which context a command uses and why: `--context`, `NSQ_CONTEXT`, or the current one (`nsq context use`). */
export interface ContextChoice {
  name: string
  from: 'flag' | 'env' | 'current'
}

/**
 * The context a command uses: `--context NAME` (oclif has already put `NSQ_CONTEXT` into the
 * flag's value when it was not typed), else the current one. An empty name (`--context ''`,
 * `NSQ_CONTEXT=`) means none.
 */
export function chooseContext(
  value: string | undefined,
  typed: boolean,
  env: NodeJS.ProcessEnv,
  current: () => string | undefined,
): ContextChoice | undefined {
  if (value !== undefined) return value === '' ? undefined : {name: value, from: typed ? 'flag' : 'env'}
  if (env.NSQ_CONTEXT === '') return undefined
  const name = current()
  return name === undefined ? undefined : {name, from: 'current'}
}
