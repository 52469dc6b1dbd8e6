/**
 * What to do about an error, said once. Where the raiser knew the fix (a name that does not
 * resolve, a certificate that fails verification, an HTTP call answered by a TCP port) it is in
 * the message, which every status line shows too, and no hint repeats it; otherwise this adds it
 * in the CLI's terms (flags, environment variables). Chosen from the error's code and typed reason
 * (core/errors.ts `classifyError`), never from its message text.
 */
import {classifyError, isNsqError, type NsqErrorReason} from '../core/index.js'

// The core message already asks "is nsqd running …?" (pinned by test/core/connection.test.ts), and
// this hint's question is pinned by test/e2e/tail.e2e.test.ts: the one overlap left until one gives way.
const CHECK_ADDRESS =
  'is nsqd / nsqlookupd running there? check --nsqd-tcp-address / --lookupd-http-address (or NSQ_NSQD_TCP_ADDRESS / NSQ_LOOKUPD_HTTP_ADDRESS)'
const TRUST_CA = "pass the CA that signed nsqd's certificate with --tls-ca, or (unsafe) --tls-insecure"
const AUTH_SECRET = 'check the AUTH secret (NSQ_AUTH_SECRET / --auth-secret-file) and its permissions'

/** The hints for an error (none for what is not an NsqError or needs none). */
export function hintsFor(error: unknown): string[] {
  return isNsqError(error) ? hintsForFailure({code: error.code, reason: classifyError(error).reason}) : []
}

/** What failed, as far as a hint needs to know: the NsqError code and typed reason. */
export interface Failure {
  code?: string | undefined
  reason?: NsqErrorReason | undefined
}

/** The hints for a failure known by its code and reason (e.g. one reported in a summary). */
export function hintsForFailure(failure: Failure): string[] {
  const code = failure.code ?? ''
  switch (failure.reason) {
    // The raiser put the fix in the message (core/connection/dial.ts, core/http/request.ts).
    case 'dns':
    case 'tls-untrusted':
    case 'tls-name-mismatch':
    case 'tls-expired':
    case 'not-http':
      return []
    // nsqd's own words are the message; what to do is ours.
    case 'tls-required':
      return ['nsqd requires TLS: add --tls (and --tls-ca with the CA that signed its certificate)']
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

/**
 * A hint said about the destination cluster of a command that also reads from a source one
 * (`relay`): the flags and environment variables it names become their destination twins
 * (`--tls` → `--destination-tls`, `NSQ_AUTH_SECRET` → `NSQ_DESTINATION_AUTH_SECRET`), so the
 * user is not sent to fix the source's connection.
 */
export function forDestination(hint: string): string {
  return hint
    .replace(/--(tls(?:-[a-z]+)*|auth-secret(?:-file)?|nsqd-tcp-address|lookupd-http-address)\b/g, '--destination-$1')
    .replace(/\bNSQ_(AUTH_SECRET(?:_FILE)?|NSQD_TCP_ADDRESS|LOOKUPD_HTTP_ADDRESS)\b/g, 'NSQ_DESTINATION_$1')
}
