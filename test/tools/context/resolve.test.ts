import {describe, expect, it} from 'vitest'
import {chooseContext, resolveContext, type FlagInfo} from '../../../src/tools/context/resolve.js'
import type {ContextSettings, StoredContext} from '../../../src/tools/context/store.js'

/** The connection flags as the commands define them (env vars as in src/cli/flags.ts). */
const DEFS: Record<string, FlagInfo> = {
  'nsqd-tcp-address': {env: 'NSQ_NSQD_TCP_ADDRESS'},
  'nsqd-http-address': {env: 'NSQ_NSQD_HTTP_ADDRESS'},
  'lookupd-http-address': {env: 'NSQ_LOOKUPD_HTTP_ADDRESS'},
  tls: {env: 'NSQ_TLS'},
  'tls-ca': {env: 'NSQ_TLS_CA'},
  'tls-cert': {env: 'NSQ_TLS_CERT'},
  'tls-key': {env: 'NSQ_TLS_KEY'},
  'tls-insecure': {env: 'NSQ_TLS_INSECURE'},
  'tls-min-version': {},
  'auth-secret': {env: 'NSQ_AUTH_SECRET'},
  'auth-secret-file': {env: 'NSQ_AUTH_SECRET_FILE'},
  'http-auth-file': {env: 'NSQ_HTTP_AUTH_FILE'},
  compression: {env: 'NSQ_COMPRESSION'},
  'deflate-level': {},
  'address-map': {},
}

const ctx = (settings: ContextSettings): StoredContext => ({name: 'c', file: '/c.json', settings})

describe('resolveContext: flag > env > context > default', () => {
  it('a context fills every setting nobody else gave', () => {
    const flags: Record<string, unknown> = {compression: 'none', 'deflate-level': 6, tls: false, 'tls-insecure': false}
    const r = resolveContext({
      flags,
      definitions: DEFS,
      argv: ['t'],
      env: {SECRET_VAR: 's', AUTH_VAR: 'Bearer x'},
      context: ctx({
        lookupd_http_address: ['l:4161'],
        tls: true,
        tls_ca: '/ca',
        tls_cert: '/cert',
        tls_key: '/key',
        tls_insecure: true,
        tls_min_version: 'TLSv1.3',
        auth_secret_env: 'SECRET_VAR',
        http_auth_env: 'AUTH_VAR',
        compression: 'deflate',
        deflate_level: 9,
        address_map: ['h=127.0.0.1'],
      }),
    })
    expect(flags).toEqual({
      'lookupd-http-address': ['l:4161'],
      tls: true,
      'tls-ca': '/ca',
      'tls-cert': '/cert',
      'tls-key': '/key',
      'tls-insecure': true,
      'tls-min-version': 'TLSv1.3',
      'auth-secret': 's',
      'http-auth': 'Bearer x',
      compression: 'deflate',
      'deflate-level': 9,
      'address-map': ['h=127.0.0.1'],
    })
    expect(r.origins['auth-secret']).toEqual({source: 'context', context: 'c', env: 'SECRET_VAR'})
    expect(r.origins['deflate-level']).toEqual({source: 'context', context: 'c'})
    expect(r.overridden).toEqual([])
  })

  it('a typed flag and an exported env var beat the context; untouched defaults are replaced', () => {
    const flags: Record<string, unknown> = {compression: 'snappy', 'deflate-level': 6, 'tls-ca': '/env-ca'}
    const r = resolveContext({
      flags,
      definitions: DEFS,
      argv: ['--compression', 'snappy'],
      env: {NSQ_TLS_CA: '/env-ca'},
      context: ctx({compression: 'deflate', tls_ca: '/ctx-ca', deflate_level: 2}),
    })
    expect(flags).toEqual({compression: 'snappy', 'deflate-level': 2, 'tls-ca': '/env-ca'})
    expect(r.origins.compression).toEqual({source: 'flag'})
    expect(r.origins['tls-ca']).toEqual({source: 'env', env: 'NSQ_TLS_CA'})
    expect(r.overridden.sort()).toEqual(['compression', 'tls_ca'])
  })

  it('--flag=value counts as typed', () => {
    const flags: Record<string, unknown> = {'tls-ca': '/typed'}
    resolveContext({flags, definitions: DEFS, argv: ['--tls-ca=/typed'], env: {}, context: ctx({tls_ca: '/ctx'})})
    expect(flags['tls-ca']).toBe('/typed')
  })

  it('a context with lookupd and --nsqd-tcp-address typed → that nsqd, lookupd dropped (no "not both")', () => {
    const flags: Record<string, unknown> = {'nsqd-tcp-address': ['a:4150']}
    resolveContext({
      flags,
      definitions: DEFS,
      argv: ['--nsqd-tcp-address', 'a:4150'],
      env: {},
      context: ctx({lookupd_http_address: ['l:4161']}),
    })
    expect(flags).toEqual({'nsqd-tcp-address': ['a:4150']})
  })

  it('a context with nsqd and NSQ_LOOKUPD_HTTP_ADDRESS exported → the env lookupd wins', () => {
    const flags: Record<string, unknown> = {'lookupd-http-address': ['l:4161']}
    resolveContext({
      flags,
      definitions: DEFS,
      argv: [],
      env: {NSQ_LOOKUPD_HTTP_ADDRESS: 'l:4161'},
      context: ctx({nsqd_tcp_address: ['a:4150'], nsqd_http_address: ['a:4151']}),
    })
    expect(flags).toEqual({'lookupd-http-address': ['l:4161']})
  })

  it('the AUTH secret is one setting: NSQ_AUTH_SECRET keeps the context secret file out, --auth-secret-file keeps its env var out', () => {
    const a: Record<string, unknown> = {'auth-secret': 'from-env'}
    const ra = resolveContext({
      flags: a,
      definitions: DEFS,
      argv: [],
      env: {NSQ_AUTH_SECRET: 'from-env'},
      context: ctx({auth_secret_file: '/f'}),
    })
    expect(a).toEqual({'auth-secret': 'from-env'})
    expect(ra.overridden).toEqual(['auth_secret_file'])
    const b: Record<string, unknown> = {'auth-secret-file': '/typed'}
    resolveContext({
      flags: b,
      definitions: DEFS,
      argv: ['--auth-secret-file', '/typed'],
      env: {V: 'x'},
      context: ctx({auth_secret_env: 'V'}),
    })
    expect(b).toEqual({'auth-secret-file': '/typed'})
  })

  it('HTTP auth is one setting: NSQ_HTTP_AUTH beats the context file; the client cert and key go together', () => {
    const flags: Record<string, unknown> = {'tls-cert': '/typed-cert', 'tls-key': '/typed-key'}
    const r = resolveContext({
      flags,
      definitions: DEFS,
      argv: ['--tls-cert', '/typed-cert', '--tls-key', '/typed-key'],
      env: {NSQ_HTTP_AUTH: 'Bearer env'},
      context: ctx({http_auth_file: '/ctx-auth', tls_cert: '/c', tls_key: '/k'}),
    })
    expect(flags).toEqual({'tls-cert': '/typed-cert', 'tls-key': '/typed-key', 'http-auth': 'Bearer env'})
    expect(r.origins['http-auth']).toEqual({source: 'env', env: 'NSQ_HTTP_AUTH'})
  })

  it('a referenced env var that is not set is reported (never a value), settings the command lacks are unused', () => {
    const flags: Record<string, unknown> = {}
    const r = resolveContext({
      flags,
      definitions: {'nsqd-tcp-address': {env: 'NSQ_NSQD_TCP_ADDRESS'}, 'auth-secret': {env: 'NSQ_AUTH_SECRET'}},
      argv: [],
      env: {},
      context: ctx({auth_secret_env: 'UNSET_VAR', lookupd_http_address: ['l:4161']}),
    })
    expect(r.missing).toEqual([['auth_secret_env', 'UNSET_VAR']])
    expect(r.unused).toEqual(['lookupd_http_address'])
    expect(flags).toEqual({})
  })
})

describe('chooseContext', () => {
  const current = (): string => 'cur'
  it('--context, else NSQ_CONTEXT (oclif puts it in the flag), else the current one; empty = none', () => {
    expect(chooseContext('a', true, {}, current)).toEqual({name: 'a', from: 'flag'})
    expect(chooseContext('b', false, {NSQ_CONTEXT: 'b'}, current)).toEqual({name: 'b', from: 'env'})
    expect(chooseContext(undefined, false, {}, current)).toEqual({name: 'cur', from: 'current'})
    expect(chooseContext('', true, {}, current)).toBeUndefined()
    expect(chooseContext(undefined, false, {NSQ_CONTEXT: ''}, current)).toBeUndefined()
    expect(chooseContext(undefined, false, {}, () => undefined)).toBeUndefined()
  })
})
