import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {flagInfos} from '../../src/cli/base-command.js'
import {applyDestinationContext} from '../../src/cli/destination-context.js'
import {destinationValues, httpOptions} from '../../src/cli/flags.js'
import Relay from '../../src/commands/relay.js'
import {ContextStore} from '../../src/tools/context/store.js'

let dir: string
let store: ContextStore
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-dest-ctx-'))
  store = new ContextStore(dir)
  fs.writeFileSync(path.join(dir, 'dc2-ca.pem'), 'not parsed here\n')
  store.write('dc2', {
    nsqd_tcp_address: ['dc2-a:4150', 'dc2-b:4150'],
    tls: true,
    tls_ca: path.join(dir, 'dc2-ca.pem'),
    auth_secret_env: 'DC2_SECRET',
    http_auth_env: 'DC2_HTTP',
    compression: 'snappy',
  })
  store.write('dc2lookup', {lookupd_http_address: ['dc2-lookupd:4161']})
})
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}))

const infos = flagInfos(Relay.flags)
const apply = (flags: Record<string, unknown>, argv: string[], env: NodeJS.ProcessEnv = {}) =>
  applyDestinationContext(flags, argv, infos, store, env)

describe('--destination-context', () => {
  it('fills the --destination-* flags from the context, secrets from the variables it names', () => {
    const flags: Record<string, unknown> = {'destination-context': 'dc2', 'nsqd-tcp-address': ['src:4150']}
    const applied = apply(flags, ['--destination-context', 'dc2'], {DC2_SECRET: 's3cret', DC2_HTTP: 'Bearer t'})
    expect(applied?.stored.name).toBe('dc2')
    expect(flags['destination-nsqd-tcp-address']).toEqual(['dc2-a:4150', 'dc2-b:4150'])
    expect(flags['destination-tls']).toBe(true)
    expect(flags['destination-tls-ca']).toBe(path.join(dir, 'dc2-ca.pem'))
    expect(flags['destination-auth-secret']).toBe('s3cret')
    expect(flags['destination-compression']).toBe('snappy')
    expect(httpOptions(destinationValues(flags)).authorization).toBe('Bearer t')
    // The source's flags are not touched.
    expect(flags['nsqd-tcp-address']).toEqual(['src:4150'])
    expect(flags.tls).toBeUndefined()
  })

  it('a --destination-* flag on the command line and its env var win over the context', () => {
    const flags: Record<string, unknown> = {
      'destination-context': 'dc2',
      'destination-nsqd-tcp-address': ['typed:4150'],
      'destination-compression': 'deflate',
    }
    apply(flags, ['--destination-nsqd-tcp-address', 'typed:4150', '--destination-context=dc2'], {
      NSQ_DESTINATION_COMPRESSION: 'deflate',
      DC2_SECRET: 'x',
      DC2_HTTP: 'y',
    })
    expect(flags['destination-nsqd-tcp-address']).toEqual(['typed:4150'])
    expect(flags['destination-compression']).toBe('deflate')
    expect(flags['destination-tls']).toBe(true)
  })

  it('a typed source flag does not count as a destination one', () => {
    const flags: Record<string, unknown> = {'destination-context': 'dc2', tls: false}
    apply(flags, ['--no-tls', '--destination-context', 'dc2'], {DC2_SECRET: 'x', DC2_HTTP: 'y'})
    expect(flags['destination-tls']).toBe(true)
  })

  it('typed destination addresses of the other kind win over the context’s (lookupd vs nsqd)', () => {
    const flags: Record<string, unknown> = {'destination-context': 'dc2lookup', 'destination-nsqd-tcp-address': ['typed:4150']}
    apply(flags, ['--destination-nsqd-tcp-address=typed:4150'])
    expect(flags['destination-nsqd-tcp-address']).toEqual(['typed:4150'])
    expect(flags['destination-lookupd-http-address']).toBeUndefined()
    const fromContext: Record<string, unknown> = {'destination-context': 'dc2lookup'}
    apply(fromContext, [])
    expect(fromContext['destination-lookupd-http-address']).toEqual(['dc2-lookupd:4161'])
  })

  it('a variable the context names but that is not set is an error naming it', () => {
    expect(() => apply({'destination-context': 'dc2'}, [], {DC2_HTTP: 'y'})).toThrow(/DC2_SECRET, which is not set/)
  })

  it('an unknown context is an error; no flag (or an empty name) applies nothing', () => {
    expect(() => apply({'destination-context': 'nope'}, [])).toThrow(/nope/)
    const flags: Record<string, unknown> = {}
    expect(apply(flags, [])).toBeUndefined()
    expect(apply({'destination-context': ''}, [])).toBeUndefined()
    expect(flags).toEqual({})
  })

  it("the destination lookupd never gets the source's NSQ_HTTP_AUTH", () => {
    const before = {auth: process.env.NSQ_HTTP_AUTH, dest: process.env.NSQ_DESTINATION_HTTP_AUTH}
    try {
      process.env.NSQ_HTTP_AUTH = 'Bearer source'
      delete process.env.NSQ_DESTINATION_HTTP_AUTH
      expect(httpOptions(destinationValues({})).authorization).toBeUndefined()
      process.env.NSQ_DESTINATION_HTTP_AUTH = 'Bearer dest'
      expect(httpOptions(destinationValues({})).authorization).toBe('Bearer dest')
    } finally {
      for (const [name, value] of [
        ['NSQ_HTTP_AUTH', before.auth],
        ['NSQ_DESTINATION_HTTP_AUTH', before.dest],
      ] as const) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    }
  })
})
