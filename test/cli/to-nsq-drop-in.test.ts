import {describe, expect, it} from 'vitest'
import ToNsq from '../../src/commands/to-nsq.js'
import {translateGoArgs} from '../../src/cli/drop-in.js'

describe('to_nsq drop-in spec', () => {
  it('maps the official flags in every Go spelling, and keeps its fanout behaviour', () => {
    const {argv, notes} = translateGoArgs(
      [
        '-topic=events',
        '--nsqd-tcp-address',
        '127.0.0.1:4150',
        '-nsqd-tcp-address=127.0.0.1:5150',
        '-delimiter=,',
        '-rate',
        '100',
        '--producer-opt=max_in_flight,10',
      ],
      ToNsq.dropIn,
    )
    expect(argv).toEqual([
      'to-nsq',
      '--mode=fanout',
      '--topic=events',
      '--nsqd-tcp-address',
      '127.0.0.1:4150',
      '--nsqd-tcp-address=127.0.0.1:5150',
      '--delimiter=,',
      '--rate',
      '100',
    ])
    expect(notes).toEqual(['ignoring -producer-opt: not needed by nsq-toolkit'])
  })

  it('skips the value of a space-separated -producer-opt and maps -h to help', () => {
    expect(translateGoArgs(['-producer-opt', 'x,1', '-topic', 't', '-h'], ToNsq.dropIn).argv).toEqual([
      'to-nsq',
      '--mode=fanout',
      '--topic',
      't',
      '--help',
    ])
  })

  it('only names flags our command has', () => {
    const {argv} = translateGoArgs(['-topic=t', '-nsqd-tcp-address=a:1', '-delimiter=x', '-rate=1'], ToNsq.dropIn)
    for (const arg of argv.slice(1)) {
      const name = /^--([\w-]+)/.exec(arg)?.[1]
      if (name !== undefined) expect(Object.keys(ToNsq.flags)).toContain(name)
    }
  })
})
