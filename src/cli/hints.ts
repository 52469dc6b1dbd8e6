/**
 * What to do about an error, said once: the error's message says what went wrong, and this adds
 * the fix in the CLI's own terms (its flags and environment variables). Chosen from the error's
 * code and typed reason (core/errors.ts `classifyError`), never from its message text.
 */
import {classifyError, isNsqError, type NsqErrorReason} from '../core/index.js'

const CHECK_ADDRESS =
  'is nsqd / nsqlookupd running there? check --nsqd-tcp-address / --lookupd-http-address (or NSQ_NSQD_TCP_ADDRESS / NSQ_LOOKUPD_HTTP_ADDRESS)'
const TRUST_CA = "pass the CA that signed nsqd's certificate with --tls-ca, or (unsafe) --tls-insecure"
const AUTH_SECRET = 'check the AUTH secret (NSQ_AUTH_SECRET / --auth-secret-file) and its permissions'

/** The hints for an error (none for what is not an NsqError or needs none). */
export function hintsFor(error: unknown): string[] {
  return isNsqError(error) ? hintsForFailure({code: error.code, reason: classifyError(error).reason}) : []
}

/** What failed, as far as a hint needs to know: the NsqError code and typed reason (e.g. a node shown DOWN). */
export interface Failure {
  code?: string | undefined
  reason?: NsqErrorReason | undefined
}

/** The hints for a failure known by its code and reason. */
export function hintsForFailure(failure: Failure): string[] {
  const code = failure.code ?? ''
  switch (failure.reason) {
    case 'dns':
      return [
        "the host name does not resolve here: set nsqd's --broadcast-address to a name or IP clients can reach, or map it with --address-map HOST=IP:PORT",
      ]
    case 'tls-required':
      return ['nsqd requires TLS: add --tls (and --tls-ca with the CA that signed its certificate)']
    case 'tls-untrusted':
      return [`the certificate is not signed by a trusted CA: ${TRUST_CA}`]
    case 'tls-name-mismatch':
      return ['dial nsqd by a name its certificate was issued for, or (unsafe) --tls-insecure']
    case 'tls-expired':
      return ["nsqd's certificate has expired: renew it, or (unsafe) --tls-insecure"]
    case 'not-http':
      return [
        "this is not an HTTP port (nsqd's TCP port 4150?): --lookupd-http-address takes nsqlookupd's HTTP port (4161), --nsqd-http-address nsqd's (4151)",
      ]
    case undefined:
      break
  }
  switch (code) {
    case 'CONNECTION_REFUSED':
      return [CHECK_ADDRESS]
    case 'TLS':
      return [TRUST_CA]
    case 'AUTH_REQUIRED':
      return ['nsqd requires AUTH: set NSQ_AUTH_SECRET or --auth-secret-file']
    default:
      return code.startsWith('E_AUTH') || code === 'E_UNAUTHORIZED' ? [AUTH_SECRET] : []
  }
}
