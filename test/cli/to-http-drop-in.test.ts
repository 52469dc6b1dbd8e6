import {describe, expect, it} from 'vitest'
import {translateGoArgs} from '../../src/cli/drop-in.js'
import ToHttp from '../../src/commands/to-http.js'

describe('nsq_to_http drop-in flags', () => {
  const translate = (argv: string[]): ReturnType<typeof translateGoArgs> => translateGoArgs(argv, ToHttp.dropIn)

  it('maps the official flags in Go syntax (-flag=v, -flag v, --flag) to ours', () => {
    const {argv, notes} = translate([
      '-topic=events',
      '-channel',
      'hooks',
      '-nsqd-tcp-address=127.0.0.1:4150',
      '--nsqd-tcp-address',
      '127.0.0.1:4152',
      '-post=http://127.0.0.1:8080/a',
      '-post',
      'http://127.0.0.1:8081/b',
      '-content-type=application/json',
      '-header',
      'X-Token: abc',
      '-header=X-Other: 1',
      '-n=50',
      '-max-in-flight',
      '400',
      '-mode=round-robin',
      '-http-client-connect-timeout=3s',
      '-http-client-request-timeout',
      '15s',
    ])
    expect(argv).toEqual([
      'to-http',
      '--topic=events',
      '--channel',
      'hooks',
      '--nsqd-tcp-address=127.0.0.1:4150',
      '--nsqd-tcp-address',
      '127.0.0.1:4152',
      '--post=http://127.0.0.1:8080/a',
      '--post',
      'http://127.0.0.1:8081/b',
      '--content-type=application/json',
      '--header',
      'X-Token: abc',
      '--header=X-Other: 1',
      '--n=50',
      '--max-in-flight',
      '400',
      '--mode=round-robin',
      '--http-client-connect-timeout=3s',
      '--http-client-request-timeout',
      '15s',
    ])
    expect(notes).toEqual([])
  })

  it('maps -get and -lookupd-http-address; a GET template with %s passes through unchanged', () => {
    expect(translate(['-lookupd-http-address=127.0.0.1:4161', '-topic', 't', '-get=http://h/x?v=%s&sp=%20']).argv).toEqual([
      'to-http',
      '--lookupd-http-address=127.0.0.1:4161',
      '--topic',
      't',
      '--get=http://h/x?v=%s&sp=%20',
    ])
  })

  it('carries -consumer-opt over where we have a flag, drops -status-every and -sample (and their values) with a note', () => {
    const {argv, notes} = translate([
      '-consumer-opt=tls_v1,true',
      '-consumer-opt',
      'heartbeat_interval,10s',
      '-consumer-opt=max_attempts,5',
      '-status-every',
      '100',
      '-sample=0.5',
      '-topic=t',
    ])
    expect(argv).toEqual(['to-http', '--tls', '--heartbeat-interval=10s', '--topic=t'])
    expect(notes).toEqual([
      'ignoring -consumer-opt max_attempts: only tunes go-nsq',
      'ignoring -status-every: not needed by nsq-toolkit',
      'ignoring -sample: not needed by nsq-toolkit',
    ])
  })

  it('-mode: hostpool and epsilon-greedy carry over, multicast becomes fanout with a note, an unknown mode reaches our parser (a usage error there)', () => {
    expect(translate(['-mode', 'hostpool']).argv).toEqual(['to-http', '--mode=hostpool'])
    expect(translate(['-mode=epsilon-greedy']).argv).toEqual(['to-http', '--mode=epsilon-greedy'])
    const multicast = translate(['-mode=multicast'])
    expect(multicast.argv).toEqual(['to-http', '--mode=fanout'])
    expect(multicast.notes).toEqual(['-mode=multicast: running --mode fanout (every URL gets every message)'])
    expect(translate(['-mode=bogus']).argv).toEqual(['to-http', '--mode=bogus'])
  })

  it('-h and -version', () => {
    expect(translate(['-h']).argv).toEqual(['to-http', '--help'])
    expect(translate(['-version']).argv).toEqual(['to-http', '--version'])
  })

  it('only names flags our command has', () => {
    const {argv} = translate([
      '-topic=t',
      '-channel=c',
      '-nsqd-tcp-address=a:1',
      '-lookupd-http-address=b:2',
      '-post=http://x/',
      '-get=http://x/%s',
      '-content-type=a/b',
      '-header=K: v',
      '-n=1',
      '-max-in-flight=2',
      '-mode=hostpool',
      '-http-client-connect-timeout=1s',
      '-http-client-request-timeout=1s',
      '-consumer-opt=snappy,true',
    ])
    for (const arg of argv.slice(1)) {
      const name = /^--([\w-]+)/.exec(arg)?.[1]
      if (name !== undefined) expect(Object.keys(ToHttp.flags)).toContain(name)
    }
  })
})
