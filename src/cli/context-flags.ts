/**
 * The flags of `nsq context add`: the commands' connection flags (same names, same parsing) but
 * without their environment variables (a context holds what was typed, not what happened to be
 * exported), without defaults (a context holds only what it sets), and with references for the
 * secrets instead of values (`--auth-secret-env VAR`, `--http-auth-env VAR`).
 */
import {Flags} from '@oclif/core'
import {lookupdHttpAddressFlag, nsqdHttpAddressFlag, nsqdTcpAddressFlag, securityFlags} from './flags.js'

const SECURITY = 'TLS AND AUTH'

/** A flag definition without its env var and default. */
function stored<F extends object>(flag: F): F {
  const {env: _env, default: _default, ...rest} = flag as F & {env?: unknown; default?: unknown}
  return rest as F
}

const {'auth-secret': authSecret, ...referencedSecurity} = securityFlags

export const contextSettingFlags = {
  'lookupd-http-address': stored(lookupdHttpAddressFlag),
  'nsqd-tcp-address': stored(nsqdTcpAddressFlag),
  'nsqd-http-address': stored(nsqdHttpAddressFlag),
  ...(Object.fromEntries(Object.entries(referencedSecurity).map(([name, flag]) => [name, stored(flag)])) as typeof referencedSecurity),
  'auth-secret-env': Flags.string({
    summary: 'name of an environment variable that will hold the secret for nsqd AUTH (read when a command runs)',
    helpGroup: SECURITY,
  }),
  'http-auth-env': Flags.string({
    summary: 'name of an environment variable that will hold the Authorization header value for the HTTP APIs',
    helpGroup: SECURITY,
  }),
  /** Accepted only to refuse it with a clear message: a context never holds a secret. */
  'auth-secret': {...stored(authSecret), hidden: true} as typeof authSecret,
}
