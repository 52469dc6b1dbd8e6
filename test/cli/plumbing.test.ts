import {describe, expect, it} from 'vitest'
import {colorEnabled} from '../../src/cli/color.js'
import {goNsqConsumerOpt, translateGoArgs} from '../../src/cli/drop-in.js'
import {formatBytes, formatDuration, parseDuration, parseSize} from '../../src/cli/units.js'
import {addressMap, authSecret, connectionSettings, liveness, tlsOptions, type SecurityFlagValues} from '../../src/cli/flags.js'
import {exitCodeFor} from '../../src/cli/base-command.js'
import {NsqError, ServerError} from '../../src/core/index.js'

describe('units', () => {
  it('parses durations in Go and human forms', () => {
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('2.5s')).toBe(2500)
    expect(parseDuration('10')).toBe(10_000)
    expect(parseDuration('1500us')).toBe(1.5)
    for (const bad of ['', 's', '10x', '5 m', '1h-2m']) expect(() => parseDuration(bad), bad).toThrow(/invalid duration/)
  })
  it('formats durations so they parse back', () => {
    for (const ms of [250, 1000, 61_000, 5_400_000, 3_723_000]) expect(parseDuration(formatDuration(ms))).toBe(ms)
  })
  it('parses sizes with SI and binary units', () => {
    expect(parseSize('1048576')).toBe(1_048_576)
    expect(parseSize('64KiB')).toBe(65_536)
    expect(parseSize('100MB')).toBe(100_000_000)
    expect(parseSize('1.5gib')).toBe(1_610_612_736)
    for (const bad of ['', 'MB', '10 parsecs', '-1']) expect(() => parseSize(bad), bad).toThrow(/invalid size/)
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(12)).toBe('12 B')
  })
})

describe('colour rule', () => {
  const tty = {flag: undefined, env: {}, isTTY: true}
  it('follows flag, then NO_COLOR, then FORCE_COLOR, then TERM=dumb, then the TTY', () => {
    expect(colorEnabled(tty)).toBe(true)
    expect(colorEnabled({...tty, isTTY: false})).toBe(false)
    expect(colorEnabled({...tty, env: {NO_COLOR: '1'}})).toBe(false)
    expect(colorEnabled({...tty, env: {NO_COLOR: ''}})).toBe(true)
    expect(colorEnabled({...tty, flag: true, env: {NO_COLOR: '1'}})).toBe(true)
    expect(colorEnabled({...tty, isTTY: false, env: {FORCE_COLOR: '1'}})).toBe(true)
    expect(colorEnabled({...tty, env: {FORCE_COLOR: '0'}})).toBe(false)
    expect(colorEnabled({...tty, env: {TERM: 'dumb'}})).toBe(false)
    expect(colorEnabled({...tty, flag: false})).toBe(false)
  })
})

describe('Go-style flag translation', () => {
  const spec = {command: 'tail', rename: {n: 'count'}, booleans: ['print-topic'], ignoredWithValue: ['consumer-opt']}
  it('turns single-dash and = forms into our long flags', () => {
    const {argv, notes} = translateGoArgs(
      ['-topic=x', '-n', '10', '--channel', 'c', '-print-topic', '-nsqd-tcp-address=127.0.0.1:4150', '-consumer-opt', 'a=b'],
      spec,
    )
    expect(argv).toEqual(['tail', '--topic=x', '--count', '10', '--channel', 'c', '--print-topic', '--nsqd-tcp-address=127.0.0.1:4150'])
    expect(notes).toEqual(['ignoring -consumer-opt: not needed by nsq-toolkit'])
  })
  it('maps Go booleans with explicit values', () => {
    expect(translateGoArgs(['-print-topic=false'], spec).argv).toEqual(['tail', '--no-print-topic'])
    expect(translateGoArgs(['-print-topic=true', '-n=3'], spec).argv).toEqual(['tail', '--print-topic', '--count=3'])
    expect(translateGoArgs(['-print-topic=false'], {...spec, booleansWithoutNo: ['print-topic']}).argv).toEqual(['tail'])
  })
  it('carries -consumer-opt over where we have a flag (go-nsq syntax: name,value; bare name = true; - reads as _)', () => {
    const withOpt = {command: 'tail', translated: {'consumer-opt': goNsqConsumerOpt}}
    const {argv, notes} = translateGoArgs(
      [
        '-consumer-opt=heartbeat_interval,5s',
        '-consumer-opt',
        'lookupd-poll-interval,15s',
        '-consumer-opt=snappy',
        '-consumer-opt=tls_v1,false',
        '-consumer-opt=max_in_flight,9',
        '-topic=t',
      ],
      withOpt,
    )
    expect(argv).toEqual(['tail', '--heartbeat-interval=5s', '--lookupd-poll-interval=15s', '--compression=snappy', '--topic=t'])
    expect(notes).toEqual(['ignoring -consumer-opt max_in_flight: only tunes go-nsq'])
    expect(goNsqConsumerOpt('tls_v1,true').argv).toEqual(['--tls'])
    expect(goNsqConsumerOpt('tls_v1,maybe').notes).toEqual(['ignoring -consumer-opt tls_v1,maybe: not a boolean'])
    expect(goNsqConsumerOpt('auth_secret,a,b').argv).toEqual(['--auth-secret=a,b'])
  })
  it('keeps positionals, help and version, and stops at --', () => {
    expect(translateGoArgs(['-h'], spec).argv).toEqual(['tail', '--help'])
    expect(translateGoArgs(['-version'], spec).argv).toEqual(['tail', '--version'])
    expect(translateGoArgs(['topic1', '--', '-n=3'], spec).argv).toEqual(['tail', 'topic1', '--', '-n=3'])
  })
})

describe('security flags', () => {
  const base: SecurityFlagValues = {tls: false, 'tls-insecure': false, compression: 'none', 'deflate-level': 6}
  it('TLS is off unless asked, and cert and key go together', () => {
    expect(tlsOptions(base)).toBeUndefined()
    expect(tlsOptions({...base, 'tls-insecure': true})?.insecure).toBe(true)
    expect(() => tlsOptions({...base, 'tls-cert': '/etc/hostname'})).toThrow(/go together/)
    expect(() => tlsOptions({...base, 'tls-ca': '/nonexistent/ca.pem'})).toThrow(/--tls-ca \/nonexistent\/ca.pem/)
  })
  it('reads the AUTH secret from a file without its newline', async () => {
    const fs = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'secret-')), 's')
    fs.writeFileSync(file, 'hunter2\n')
    expect(authSecret({...base, 'auth-secret-file': file})).toBe('hunter2')
    expect(authSecret({...base, 'auth-secret': 'x'})).toBe('x')
  })
  it('parses --address-map', () => {
    expect(addressMap({...base, 'address-map': ['nsqd-1=10.0.0.5:4150', 'h:4150=127.0.0.1:5150']}).entries).toEqual([
      {host: 'nsqd-1', port: undefined, toHost: '10.0.0.5', toPort: 4150},
      {host: 'h', port: 4150, toHost: '127.0.0.1', toPort: 5150},
    ])
    expect(addressMap(base).size).toBe(0)
    expect(() => addressMap({...base, 'address-map': ['nope']})).toThrow(/^--address-map "nope": .*expected HOST\[:PORT\]=ADDR\[:PORT\]/)
  })
})

describe('exit codes', () => {
  it('maps error codes to the documented exit codes', () => {
    expect(exitCodeFor(new NsqError('CONFIG', 'x'))).toBe(2)
    expect(exitCodeFor(new NsqError('CONNECTION_REFUSED', 'x'))).toBe(69)
    expect(exitCodeFor(new ServerError('E_UNAUTHORIZED', 'x'))).toBe(69)
    expect(exitCodeFor(new ServerError('E_BAD_MESSAGE', 'x'))).toBe(1)
  })
})

describe('liveness flags', () => {
  const parse = async (flag: 'heartbeat-interval' | 'lookupd-poll-interval', input: string): Promise<number> => {
    const definition = liveness[flag] as unknown as {parse: (input: string, context: unknown, options: unknown) => Promise<number>}
    return definition.parse(input, {}, {})
  }
  it('reads durations and refuses less than 1s, naming the flag', async () => {
    expect(await parse('heartbeat-interval', '5s')).toBe(5000)
    expect(await parse('lookupd-poll-interval', '1m30s')).toBe(90_000)
    await expect(parse('heartbeat-interval', '500ms')).rejects.toThrow('--heartbeat-interval 500ms: must be at least 1s')
    await expect(parse('lookupd-poll-interval', '0')).rejects.toThrow('--lookupd-poll-interval 0: must be at least 1s')
  })
  it('asks nsqd for the heartbeat interval given', () => {
    const base = {tls: false, 'tls-insecure': false, compression: 'none', 'deflate-level': 6} as const
    expect(connectionSettings({...base, 'heartbeat-interval': 2000}).heartbeatIntervalMs).toBe(2000)
    expect(connectionSettings(base).heartbeatIntervalMs).toBeUndefined()
  })
})
