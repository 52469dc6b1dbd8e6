/**
 * Issue 18 item 6: a flag on the command line wins over an environment variable of the other
 * kind (NSQ_LOOKUPD_HTTP_ADDRESS exported, --nsqd-tcp-address given): the flag's nsqd is used,
 * not "use one, not both". Both on the command line stay a usage error.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {preferGivenFlags, splitEnvLists} from '../../src/cli/base-command.js'
import {nsqdTcpAddressFlag, securityFlags} from '../../src/cli/flags.js'
import {runCli} from '../support/cli.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'

describe('preferGivenFlags', () => {
  it('drops the env-filled flag of the other kind, keeps both when both or neither were typed', () => {
    const env = (): Record<string, unknown> => ({'nsqd-tcp-address': ['a:4150'], 'lookupd-http-address': ['l:4161']})
    const typedNsqd = env()
    preferGivenFlags(typedNsqd, ['t', '--nsqd-tcp-address', 'a:4150'])
    expect(typedNsqd).toEqual({'nsqd-tcp-address': ['a:4150']})
    const typedLookupd = env()
    preferGivenFlags(typedLookupd, ['t', '--lookupd-http-address=l:4161'])
    expect(typedLookupd).toEqual({'lookupd-http-address': ['l:4161']})
    const both = env()
    preferGivenFlags(both, ['--nsqd-tcp-address', 'a:4150', '--lookupd-http-address', 'l:4161'])
    expect(both).toEqual(env())
    const neither = env()
    preferGivenFlags(neither, ['t'])
    expect(neither).toEqual(env())
  })
})

describe('splitEnvLists', () => {
  it('an address list from the environment (one string from oclif) becomes the list a typed flag gives', () => {
    const flags: Record<string, unknown> = {'nsqd-tcp-address': 'a:4150, b:4150', 'address-map': ['x=y'], 'tls-ca': '/ca'}
    splitEnvLists(flags, {
      'nsqd-tcp-address': nsqdTcpAddressFlag,
      'address-map': securityFlags['address-map'],
      'tls-ca': securityFlags['tls-ca'],
    })
    expect(flags).toEqual({'nsqd-tcp-address': ['a:4150', 'b:4150'], 'address-map': ['x=y'], 'tls-ca': '/ca'})
  })
})

describe('a flag beats an environment variable of the other kind', () => {
  let nsqd: NsqdProcess
  beforeAll(async () => {
    nsqd = await startNsqd()
    expect((await fetch(`http://${nsqd.httpAddress}/pub?topic=flag_env`, {method: 'POST', body: 'hello'})).status).toBe(200)
  })
  afterAll(async () => {
    await nsqd?.stop()
  })

  it('tail: NSQ_LOOKUPD_HTTP_ADDRESS exported, --nsqd-tcp-address given → reads that nsqd', async () => {
    const result = await runCli(['tail', 'flag_env', '-n', '1', '--nsqd-tcp-address', nsqd.tcpAddress], {
      env: {NSQ_LOOKUPD_HTTP_ADDRESS: '127.0.0.1:1'},
      timeoutMs: 30_000,
    })
    expect(result.stderr).not.toMatch(/not both/)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.toString()).toBe('hello\n')
  })

  it('tail: NSQ_NSQD_TCP_ADDRESS alone reads that nsqd (it came out of the parser as a string, not a list)', async () => {
    expect((await fetch(`http://${nsqd.httpAddress}/pub?topic=env_only`, {method: 'POST', body: 'from env'})).status).toBe(200)
    const result = await runCli(['tail', 'env_only', '-n', '1'], {env: {NSQ_NSQD_TCP_ADDRESS: nsqd.tcpAddress}, timeoutMs: 30_000})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.toString()).toBe('from env\n')
  })

  it('tail: both on the command line is still a usage error (exit 2)', async () => {
    const result = await runCli([
      'tail',
      'flag_env',
      '-n',
      '1',
      '--nsqd-tcp-address',
      nsqd.tcpAddress,
      '--lookupd-http-address',
      '127.0.0.1:1',
    ])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/not both/)
  })
})
