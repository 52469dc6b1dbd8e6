/**
 * Commands run in-process through @oclif/test's runCommand (cli-ux.md §4.10), for their typed
 * results: `stat --once --json` (one tick object), `stat nodes --json` (its NodesReport as the
 * command's return value) and usage errors (the CLIError with exit 2, never thrown), against a
 * real nsqd.
 */
import {runCommand} from '@oclif/test'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import type {JsonTick} from '../../src/tools/stat/render-json.js'
import type {NodesReport} from '../../src/tools/stat/nodes-report.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'

const root = process.cwd()
const topic = `run_command_${process.pid}`

describe('runCommand: typed results', () => {
  let nsqd: NsqdProcess

  beforeAll(async () => {
    nsqd = await startNsqd()
    // The topic and channel first, so the message published is queued in the channel (depth 1).
    expect((await fetch(`http://${nsqd.httpAddress}/topic/create?topic=${topic}`, {method: 'POST'})).status).toBe(200)
    expect((await fetch(`http://${nsqd.httpAddress}/channel/create?topic=${topic}&channel=archive`, {method: 'POST'})).status).toBe(200)
    expect((await fetch(`http://${nsqd.httpAddress}/pub?topic=${topic}`, {method: 'POST', body: 'one'})).status).toBe(200)
  })
  afterAll(async () => {
    await nsqd?.stop()
  })
  // complete() sets the process exit code, which must not leak into the test runner.
  afterEach(() => {
    process.exitCode = undefined
  })

  it('stat --once --json: one tick with the topic and its channel', async () => {
    const {stdout, error} = await runCommand(['stat', '--once', '--json', '--topic', topic, '--nsqd-http-address', nsqd.httpAddress], {
      root,
    })
    expect(error).toBeUndefined()
    const lines = stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const tick = JSON.parse(lines[0] as string) as JsonTick
    expect(tick.nodes).toEqual([{address: nsqd.httpAddress, status: 'up', version: expect.stringMatching(/^1\.3\./) as unknown}])
    expect(tick.channels.map((c) => [c.topic, c.channel, c.depth])).toEqual([[topic, 'archive', 1]])
    expect(tick.elapsed_s).toBeNull()
  })

  it('stat nodes --json: the NodesReport is the return value', async () => {
    const {result, error} = await runCommand<NodesReport>(['stat', 'nodes', '--json', '--nsqd-http-address', nsqd.httpAddress], {root})
    expect(error).toBeUndefined()
    expect(result?.nodes.map((n) => [n.address, n.status])).toEqual([[nsqd.httpAddress, 'up']])
    expect(result?.nodes[0]?.topics.map((t) => t.topic)).toContain(topic)
  })

  it('a bad option value is a usage error (exit 2), one message without the help', async () => {
    const {error, stderr} = await runCommand(['stat', '--once', '--output', 'xml', '--nsqd-http-address', nsqd.httpAddress], {root})
    expect(error?.oclif?.exit).toBe(2)
    expect(error?.message).toBe('Expected --output=xml to be one of: table, rows, csv, json')
    expect(stderr).not.toContain('USAGE')
  })

  it('a mistyped flag names the flag meant', async () => {
    const {error} = await runCommand(['stat', 'nodes', '--nsqd-http-adress', nsqd.httpAddress], {root})
    expect(error?.oclif?.exit).toBe(2)
    expect(error?.message).toBe(
      'unknown flag --nsqd-http-adress: did you mean --nsqd-http-address? (nsq stat nodes --help lists the flags)',
    )
  })
})
