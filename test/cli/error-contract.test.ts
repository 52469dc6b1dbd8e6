/**
 * The error contract: errors are classified once (core/errors.ts `classifyError`) from their code
 * and the typed reason set where they are raised, never from message text; the exit code and the
 * hint (said once) follow from that classification. (An HTTP call to nsqd's TCP port, the
 * `not-http` reason, is checked against a real nsqd in test/e2e/usage-exit-codes.e2e.test.ts.)
 */
import {describe, expect, it} from 'vitest'
import {exitCodeFor, toCliError} from '../../src/cli/base-command.js'
import {closest, editDistance} from '../../src/cli/closest.js'
import {durationFlag} from '../../src/cli/flags.js'
import {forDestination, hintsFor, hintsForFailure} from '../../src/cli/hints.js'
import {parseFlagValue, UsageError} from '../../src/cli/usage-error.js'
import {describeSocketError} from '../../src/core/connection/dial.js'
import {ConnectionError, classifyError, HttpError, NsqError, ServerError} from '../../src/core/index.js'

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`getaddrinfo ${code} x`), {code})

describe('classifyError', () => {
  it.each([
    ['CONFIG', new NsqError('CONFIG', '--x: bad'), 'usage', 2],
    ['refused connection', describeSocketError('h:1', errno('ECONNREFUSED')), 'unreachable', 69],
    ['DNS', describeSocketError('h:1', errno('ENOTFOUND')), 'unreachable', 69],
    ['reset', describeSocketError('h:1', errno('ECONNRESET')), 'unreachable', 69],
    ['timeout', new ConnectionError('TIMEOUT', 'h:1', 'no TCP connection within 5 ms'), 'unreachable', 69],
    ['HTTP without an answer', new HttpError('http://h/', 'socket hang up'), 'unreachable', 69],
    ['HTTP error status', new HttpError('http://h/', 'HTTP 404 TOPIC_NOT_FOUND', {status: 404}), 'refused', 69],
    ['TLS', new ConnectionError('TLS', 'h:1', 'TLS handshake failed'), 'refused', 69],
    ['AUTH', new ServerError('E_UNAUTHORIZED', 'AUTH no'), 'refused', 69],
    ['AUTH failed', new ServerError('E_AUTH_FAILED', 'x'), 'refused', 69],
    ['TLS required', ServerError.fromFrame('E_INVALID cannot SUB in current state (TLS required)'), 'refused', 69],
    ['publish failed', ServerError.fromFrame('E_PUB_FAILED PUB failed exiting'), 'retriable', 1],
    ['message too big', ServerError.fromFrame('E_BAD_MESSAGE PUB message too big 2000 > 1024'), 'failed', 1],
    ['protocol', new NsqError('PROTOCOL', 'invalid frame size 2'), 'failed', 1],
  ] as const)('%s → %s, exit %i', (_name, error, kind, exit) => {
    expect(classifyError(error).kind).toBe(kind)
    expect(exitCodeFor(error)).toBe(exit)
  })

  it('what is not an NsqError is a plain failure', () => {
    expect(classifyError(new Error('--looks like a flag')).kind).toBe('failed')
    expect(classifyError('text').kind).toBe('failed')
  })

  it('reads reasons from where the error was raised, not from the message', () => {
    expect(ServerError.fromFrame('E_INVALID cannot PUB in current state (TLS required)').reason).toBe('tls-required')
    expect(ServerError.fromFrame('E_INVALID PUB topic name "x*" is not valid').reason).toBeUndefined()
    expect(describeSocketError('h:1', errno('EAI_AGAIN')).reason).toBe('dns')
    // The same words in a message of another kind carry no reason.
    expect(new NsqError('PROTOCOL', 'ENOTFOUND (TLS required) does not resolve').reason).toBeUndefined()
    expect(hintsFor(new NsqError('PROTOCOL', 'ENOTFOUND (TLS required) does not resolve'))).toEqual([])
    expect(hintsFor(new ServerError('E_BAD_BODY', 'E_INVALID (TLS required)'))).toEqual([])
  })
})

describe('hints, said once', () => {
  it('where the raiser knew the fix it is in the message and no hint repeats it', () => {
    const dns = describeSocketError('nosuch.invalid:4150', errno('ENOTFOUND'))
    expect(dns.message).toMatch(/does not resolve .*--broadcast-address .*--address-map HOST=IP:PORT/)
    expect(toCliError(dns).suggestions).toBeUndefined()
    const untrusted = new ConnectionError('TLS', 'h:1', 'TLS handshake failed: x (not signed by a trusted CA…)', {reason: 'tls-untrusted'})
    expect(hintsFor(untrusted)).toEqual([])
    expect(hintsForFailure({code: 'HTTP', reason: 'not-http'})).toEqual([])
  })

  it('otherwise the hint adds what the message does not say', () => {
    const refused = describeSocketError('127.0.0.1:1', errno('ECONNREFUSED'))
    expect(refused.message).toMatch(/is nsqd running/)
    expect(hintsFor(refused)).toEqual([expect.stringMatching(/check --nsqd-tcp-address .*NSQ_NSQD_TCP_ADDRESS/)])
    const tlsRequired = ServerError.fromFrame('E_INVALID cannot SUB in current state (TLS required)')
    expect(toCliError(tlsRequired).suggestions).toEqual([expect.stringMatching(/add --tls/)])
    expect(tlsRequired.message).not.toContain('--tls')
    expect(hintsForFailure({code: 'E_AUTH_FAILED'})).toEqual([expect.stringMatching(/AUTH secret/)])
    expect(hintsFor(new Error('plain'))).toEqual([])
  })

  it("a hint about relay's destination names the --destination-* flags and NSQ_DESTINATION_* variables", () => {
    const [tls] = hintsForFailure({code: 'E_INVALID', reason: 'tls-required'})
    expect(forDestination(tls!)).toBe(
      'nsqd requires TLS: add --destination-tls (and --destination-tls-ca with the CA that signed its certificate)',
    )
    const [auth] = hintsForFailure({code: 'AUTH_REQUIRED'})
    expect(forDestination(auth!)).toBe('nsqd requires AUTH: set NSQ_DESTINATION_AUTH_SECRET or --destination-auth-secret-file')
    const [address] = hintsForFailure({code: 'CONNECTION_REFUSED'})
    expect(forDestination(address!)).toMatch(
      /--destination-nsqd-tcp-address \/ --destination-lookupd-http-address .*NSQ_DESTINATION_NSQD_TCP_ADDRESS/,
    )
    expect(forDestination('plain words, --other-flag')).toBe('plain words, --other-flag')
  })
})

describe('usage errors from flag values', () => {
  it('keep our words and name the flag', () => {
    expect(() => parseFlagValue('drain-timeout', 'xx', (): unknown => JSON.parse('{') as unknown)).toThrow(UsageError)
    const fails = (): number =>
      parseFlagValue('interval', 'soon', () => {
        throw new Error('invalid duration "soon"')
      })
    expect(fails).toThrow(UsageError)
    expect(fails).toThrow(/^--interval: invalid duration "soon"$/)
  })

  it('durationFlag shows its default as a duration', async () => {
    const flag = durationFlag({default: 5000}) as unknown as {defaultHelp: (context: {options: {default: number}}) => Promise<string>}
    expect(await flag.defaultHelp({options: {default: 5000}})).toBe('5s')
    expect(await flag.defaultHelp({options: {default: 60_000}})).toBe('1m')
    expect(await flag.defaultHelp({options: {default: 0}})).toBe('0s')
  })
})

describe('did you mean', () => {
  it('finds the intended word and refuses far-off ones', () => {
    expect(editDistance('tial', 'tail')).toBe(2)
    expect(closest('tial', ['tail', 'to-file', 'to-nsq', 'stat'])).toBe('tail')
    expect(closest('--cont', ['--count', '--channel', '--color'])).toBe('--count')
    expect(closest('--cou', ['--count', '--channel'])).toBe('--count')
    expect(closest('xyzzy', ['tail', 'to-file', 'stat'])).toBeUndefined()
  })
})
