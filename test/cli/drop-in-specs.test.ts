import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {translateGoArgs} from '../../src/cli/drop-in.js'
import * as specs from '../../src/cli/drop-in-specs.js'
import Relay from '../../src/commands/relay.js'
import Stat from '../../src/commands/stat.js'
import Tail from '../../src/commands/tail.js'
import ToFile from '../../src/commands/to-file.js'
import ToHttp from '../../src/commands/to-http.js'
import ToNsq from '../../src/commands/to-nsq.js'

describe('drop-in specs (src/cli/drop-in-specs.ts)', () => {
  it('each command points its static dropIn at the spec its bin uses', () => {
    const pairs = [
      ['nsq_tail', Tail.dropIn, 'tailDropIn'],
      ['to_nsq', ToNsq.dropIn, 'toNsqDropIn'],
      ['nsq_to_file', ToFile.dropIn, 'toFileDropIn'],
      ['nsq_stat', Stat.dropIn, 'statDropIn'],
      ['nsq_to_nsq', Relay.dropIn, 'relayDropIn'],
      ['nsq_to_http', ToHttp.dropIn, 'toHttpDropIn'],
    ] as const
    for (const [bin, spec, name] of pairs) {
      expect(spec, bin).toBe(specs[name])
      const source = fs.readFileSync(`bin/${bin}.js`, 'utf8')
      expect(source, bin).toContain(`runDropIn(${name}, import.meta.url)`)
      // The bin loads neither oclif nor the command before it knows what to run.
      expect(source, bin).not.toMatch(/@oclif\/core|dist\/commands\//)
    }
  })

  it("nsq_to_nsq's -consumer-opt max_in_flight becomes --max-in-flight; -version is the CLI's", () => {
    expect(translateGoArgs(['-consumer-opt=max_in_flight,50', '-topic=t'], specs.relayDropIn).argv).toEqual([
      'relay',
      '--max-in-flight=50',
      '--topic=t',
    ])
    expect(translateGoArgs(['-version'], specs.toHttpDropIn).argv).toEqual(['to-http', '--version'])
  })
})
