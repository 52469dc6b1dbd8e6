import {describe, expect, it} from 'vitest'
import {translateGoArgs} from '../../src/cli/drop-in.js'
import Tail from '../../src/commands/tail.js'

describe('nsq_tail drop-in flags', () => {
  const translate = (argv: string[]): string[] => translateGoArgs(argv, Tail.dropIn).argv

  it('maps the official flags in Go syntax to ours', () => {
    expect(
      translate([
        '-topic=a',
        '--topic',
        'b',
        '-channel=c',
        '-n=3',
        '-max-in-flight',
        '10',
        '-print-topic',
        '-nsqd-tcp-address=127.0.0.1:4150',
        '-nsqd-tcp-address',
        '127.0.0.1:4152',
      ]),
    ).toEqual([
      'tail',
      '--topic=a',
      '--topic',
      'b',
      '--channel=c',
      '--count=3',
      '--max-in-flight',
      '10',
      '--print-topic',
      '--nsqd-tcp-address=127.0.0.1:4150',
      '--nsqd-tcp-address',
      '127.0.0.1:4152',
    ])
  })

  it('maps -n given as a separate value and the lookupd flag', () => {
    expect(translate(['-n', '5', '-lookupd-http-address=127.0.0.1:4161', '-topic=x'])).toEqual([
      'tail',
      '--count',
      '5',
      '--lookupd-http-address=127.0.0.1:4161',
      '--topic=x',
    ])
  })

  it('handles Go boolean forms of -print-topic', () => {
    expect(translate(['-print-topic=true'])).toEqual(['tail', '--print-topic'])
    expect(translate(['-print-topic=false'])).toEqual(['tail'])
  })

  it('carries -consumer-opt over where tail has a flag; skips the rest and its value, with a note', () => {
    const {argv, notes} = translateGoArgs(
      ['-consumer-opt', 'max_attempts,10', '-consumer-opt=tls_v1,true', '-consumer-opt=heartbeat_interval,5s', '-topic=x'],
      Tail.dropIn,
    )
    expect(argv).toEqual(['tail', '--tls', '--heartbeat-interval=5s', '--topic=x'])
    expect(notes).toEqual(['ignoring -consumer-opt max_attempts: only tunes go-nsq'])
  })

  it('passes -version and -h through', () => {
    expect(translate(['-version'])).toEqual(['tail', '--version'])
    expect(translate(['-h'])).toEqual(['tail', '--help'])
  })

  it('every flag it produces exists on the command', () => {
    const produced = translate([
      '-topic=a',
      '-channel=c',
      '-n=1',
      '-max-in-flight=1',
      '-print-topic',
      '-nsqd-tcp-address=x',
      '-lookupd-http-address=y',
    ])
    for (const arg of produced.slice(1)) {
      const name = /^--([\w-]+)/.exec(arg)?.[1] as string
      expect(Object.keys(Tail.flags)).toContain(name)
    }
  })
})
