import {describe, expect, it} from 'vitest'
import {ConnectionError, NsqError, ServerError} from '../../../src/core/index.js'
import {classifyPublishError} from '../../../src/tools/publish/refusal.js'

describe('classifyPublishError: permanent refusals stop publishing, the rest does not', () => {
  it.each([
    ['TLS required (nsqd --tls-required, no --tls)', ServerError.fromFrame('E_INVALID cannot MPUB in current state (TLS required)')],
    ['DPUB beyond --max-req-timeout', ServerError.fromFrame('E_INVALID DPUB timeout 7200000 out of range 0-3600000')],
    ['an invalid topic', ServerError.fromFrame('E_BAD_TOPIC PUB topic name "a b" is not valid')],
    ['no publish permission on the topic', ServerError.fromFrame('E_UNAUTHORIZED AUTH failed for PUB on "t" ""')],
    ['AUTH denied', ServerError.fromFrame('E_AUTH_FAILED AUTH failed')],
    ['PUB before AUTH', ServerError.fromFrame('E_AUTH_FIRST AUTH required before PUB')],
    ['AUTH sent to an nsqd without auth', ServerError.fromFrame('E_AUTH_DISABLED AUTH disabled')],
    ['no secret for an nsqd that requires one', new ConnectionError('AUTH_REQUIRED', '127.0.0.1:4150', 'nsqd requires AUTH')],
    ['a TLS handshake failure', new ConnectionError('TLS', '127.0.0.1:4150', 'certificate has expired')],
  ])('refused: %s', (_name, error) => {
    expect(classifyPublishError(error)).toBe('refused')
  })

  it.each([
    ['a message over --max-msg-size', ServerError.fromFrame('E_BAD_MESSAGE PUB message too big 2000 > 1024')],
    ['an MPUB over --max-body-size', ServerError.fromFrame('E_BAD_BODY MPUB body too big 6000000 > 5242880')],
  ])('record: %s (later records may go through)', (_name, error) => {
    expect(classifyPublishError(error)).toBe('record')
  })

  it.each([
    ['nsqd exiting or a disk write failure', ServerError.fromFrame('E_MPUB_FAILED MPUB failed exiting')],
    ['E_PUB_FAILED', ServerError.fromFrame('E_PUB_FAILED PUB failed exiting')],
    ['a refused port', new ConnectionError('CONNECTION_REFUSED', '127.0.0.1:1', 'connect ECONNREFUSED')],
    ['a closed connection', new ConnectionError('CONNECTION_CLOSED', '127.0.0.1:1', 'closed')],
    ['a dead peer', new NsqError('PEER_DEAD', 'no heartbeat')],
    ['a timeout', new NsqError('TIMEOUT', 'no answer')],
    ['an error code nsqd may add later', ServerError.fromFrame('E_SOMETHING_NEW whatever')],
  ])('transient: %s', (_name, error) => {
    expect(classifyPublishError(error)).toBe('transient')
  })
})
