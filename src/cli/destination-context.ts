/**
 * `--destination-context NAME` (env NSQ_DESTINATION_CONTEXT): a named context for the second
 * cluster of a command that publishes elsewhere than it reads (`relay`). The context's settings
 * land in the `--destination-*` flags by the same rules `--context` follows for the source: a
 * `--destination-*` flag on the command line, then its NSQ_DESTINATION_* variable, then the
 * context, then the default (src/tools/context/resolve.ts). Unlike `--context` there is no
 * implied "current" destination: without the flag (or env) nothing is applied, so the current
 * context never quietly becomes the destination too.
 */
import {Flags} from '@oclif/core'
import {NsqError} from '../core/index.js'
import {HTTP_AUTH, resolveContext, type FlagInfo, type Resolution} from '../tools/context/resolve.js'
import {ContextStore, type StoredContext} from '../tools/context/store.js'

const PREFIX = 'destination-'

export const destinationContextFlag = {
  'destination-context': Flags.string({
    summary: 'destination connection settings (addresses, TLS, AUTH, compression) from this named context (nsq context list)',
    env: 'NSQ_DESTINATION_CONTEXT',
    helpGroup: 'DESTINATION',
  }),
}

/** The environment variable holding the destination's HTTP Authorization value (NSQ_HTTP_AUTH's twin). */
export const DESTINATION_HTTP_AUTH_ENV = 'NSQ_DESTINATION_HTTP_AUTH'

/**
 * Applies `--destination-context` to parsed flags in place; undefined when none was asked for
 * (an empty name also means none). A context naming an env var that is not set is an error
 * naming the variable, as for `--context`.
 */
export function applyDestinationContext(
  flags: Record<string, unknown>,
  argv: readonly string[],
  definitions: Readonly<Record<string, FlagInfo>>,
  store: ContextStore = new ContextStore(),
  env: NodeJS.ProcessEnv = process.env,
): {stored: StoredContext; resolution: Resolution} | undefined {
  const name = flags['destination-context']
  if (typeof name !== 'string' || name === '') return undefined
  const stored = store.read(name)
  // The destination flags under their unprefixed names, so the source's rules apply unchanged.
  const view: Record<string, unknown> = {}
  const infos: Record<string, FlagInfo> = {}
  for (const [flag, info] of Object.entries(definitions)) {
    if (!flag.startsWith(PREFIX) || flag === 'destination-context' || flag === 'destination-topic') continue
    const plain = flag.slice(PREFIX.length)
    view[plain] = flags[flag]
    infos[plain] = {env: info.env, allowNo: info.allowNo}
  }
  const names = [...Object.keys(view), HTTP_AUTH]
  const plainArgv = argv.flatMap((arg) => {
    if (arg.startsWith(`--no-${PREFIX}`)) return [`--no-${arg.slice(`--no-${PREFIX}`.length)}`]
    if (arg.startsWith(`--${PREFIX}`)) return [`--${arg.slice(`--${PREFIX}`.length)}`]
    return []
  })
  // resolveContext reads the HTTP Authorization pseudo-flag from NSQ_HTTP_AUTH: give it the
  // destination's variable under that name, and nothing of the source's.
  const viewEnv: NodeJS.ProcessEnv = {...env, NSQ_HTTP_AUTH: env[DESTINATION_HTTP_AUTH_ENV]}
  const resolution = resolveContext({flags: view, definitions: infos, argv: plainArgv, env: viewEnv, context: stored})
  const [missing] = resolution.missing
  if (missing !== undefined)
    throw new NsqError(
      'CONFIG',
      `destination context "${stored.name}": ${missing[0]} names the environment variable ${missing[1]}, which is not set (export it, or give the setting as a --destination-* flag)`,
    )
  // Back under the prefixed names; a value resolve dropped (lookupd vs nsqd: the higher source wins) goes too.
  for (const plain of names) {
    if (view[plain] === undefined) delete flags[`${PREFIX}${plain}`]
    else flags[`${PREFIX}${plain}`] = view[plain]
  }
  return {stored, resolution}
}
