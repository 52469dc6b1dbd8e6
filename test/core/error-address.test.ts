import {describe, expect, it} from 'vitest'
import {ConnectionError, NsqError, ServerError} from '../../src/core/index.js'

describe('NsqError.address: the nsqd an error came from', () => {
  it('an error frame carries the address of the connection that received it', () => {
    const error = ServerError.fromFrame('E_UNAUTHORIZED AUTH failed for PUB on "t"', '10.0.0.5:4150')
    expect([error.code, error.description, error.address]).toEqual(['E_UNAUTHORIZED', 'AUTH failed for PUB on "t"', '10.0.0.5:4150'])
    expect(error.message).toBe('E_UNAUTHORIZED AUTH failed for PUB on "t"')
    expect(ServerError.fromFrame('E_INVALID x').address).toBeUndefined()
  })

  it('a ConnectionError names its address (and says it in the message); a plain NsqError only when told', () => {
    const lost = new ConnectionError('CONNECTION_CLOSED', '[::1]:4150', 'connection closed by nsqd')
    expect([lost.address, lost.message]).toEqual(['[::1]:4150', '[::1]:4150: connection closed by nsqd'])
    const cause = new Error('boom')
    const wrapped = new NsqError('CONNECTION_FAILED', 'boom', {cause, address: 'h:4150'})
    expect([wrapped.address, wrapped.cause]).toEqual(['h:4150', cause])
    const config = new NsqError('CONFIG', 'bad option')
    expect(config.address).toBeUndefined()
    expect('cause' in config).toBe(false)
  })
})
