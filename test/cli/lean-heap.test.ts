import {describe, expect, it} from 'vitest'
import {YOUNG_GENERATION_GROWS} from '../../src/cli/lean-heap.js'
import Relay from '../../src/commands/relay.js'
import Tail from '../../src/commands/tail.js'
import ToFile from '../../src/commands/to-file.js'
import ToHttp from '../../src/commands/to-http.js'
import ToNsq from '../../src/commands/to-nsq.js'

describe('lean heap modes', () => {
  // The bins decide the young generation from the command id before oclif loads the class, so
  // the list they read must name exactly the commands whose mode is `throughput`.
  it('lists exactly the throughput commands for the early young-generation choice', () => {
    const commands = {relay: Relay, tail: Tail, 'to-file': ToFile, 'to-http': ToHttp, 'to-nsq': ToNsq}
    const throughput = Object.entries(commands)
      .filter(([, command]) => command.leanHeap === 'throughput')
      .map(([id]) => id)
    expect(throughput).toEqual(['relay'])
    expect([...YOUNG_GENERATION_GROWS].sort()).toEqual(throughput)
    for (const command of Object.values(commands)) expect(command.leanHeap).not.toBe(false)
  })
})
