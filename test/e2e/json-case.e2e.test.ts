/**
 * Issue 18: every command's `--json` prints its field names in snake_case, while the keys that
 * are data (topic names, nsqd addresses, HTTP status classes) come out as they are. Short real
 * runs (a few messages each) of to-nsq, to-file, replay, relay and to-http against real nsqd;
 * topic names carry capitals, so a conversion that touched them would show.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {collect, runCli, spawnCli, type CliResult} from '../support/cli.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'
import {channelState, publish, tempDirs, waitFor} from './to-file-support.js'
import {Receiver} from './to-http-receiver.js'

const SNAKE = /^[a-z][a-z0-9_]*$/
let seq = 0
const topic = (what: string): string => `JsonCase_${process.pid}_${++seq}_${what}`

/** Every object key of `value`, at every depth (arrays walked). */
function keysOf(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return []
  if (Array.isArray(value)) return value.flatMap(keysOf)
  return Object.entries(value).flatMap(([key, item]) => [key, ...keysOf(item)])
}

/** Each key is snake_case or one of the data keys; and every data key is there, verbatim. */
function expectSnakeCase(summary: Record<string, unknown>, dataKeys: readonly string[]): void {
  const keys = keysOf(summary)
  expect(keys.length).toBeGreaterThan(5)
  const data = new Set(dataKeys)
  const wrong = keys.filter((key) => !SNAKE.test(key) && !data.has(key))
  expect(wrong).toEqual([])
  for (const key of dataKeys) expect(keys).toContain(key)
}

function summaryOf(result: CliResult): Record<string, unknown> {
  expect(result.code, result.stderr).toBe(0)
  const text = result.stdout.toString('utf8')
  // One object on one line, as stat's NDJSON ticks: every command's --json is line-based.
  expect(text.endsWith('\n') && text.indexOf('\n') === text.length - 1, text).toBe(true)
  return JSON.parse(text) as Record<string, unknown>
}

/** Runs a follower command until `ready`, then Ctrl-C; its --json summary. */
async function follow(args: readonly string[], ready: () => Promise<boolean>): Promise<Record<string, unknown>> {
  const child = spawnCli([...args, '--json'])
  const done = collect(child, {timeoutMs: 60_000})
  try {
    await waitFor(`${args[0]} done`, ready, 45_000)
  } finally {
    await stopChild(child, 'SIGINT', 20_000)
  }
  return summaryOf(await done)
}

const BODIES = ['one', 'two', 'three']

describe('--json field names in snake_case, data keys verbatim (real nsqd)', () => {
  let source: NsqdProcess
  let destination: NsqdProcess
  const dirs = tempDirs('nsq-json-case-')

  beforeAll(async () => {
    ;[source, destination] = await Promise.all([startNsqd(), startNsqd()])
  })

  afterAll(async () => {
    await Promise.all([source.stop(), destination.stop()])
    dirs.cleanup()
  })

  it('to-nsq', async () => {
    const name = topic('Orders')
    const summary = summaryOf(await runCli(['to-nsq', name, '--nsqd-tcp-address', source.tcpAddress, '--json'], {input: 'a\nb\n'}))
    expect(summary).toMatchObject({topic: name, published: 2, dry_run: false, stopped_by: 'eof'})
    expectSnakeCase(summary, [])
  })

  it('to-file, then replay of its files: topics keyed by their names', async () => {
    const name = topic('OrderEvents')
    const out = dirs.make()
    await publish(source.httpAddress, name, BODIES)
    const archived = await follow(['to-file', '--topic', name, '--nsqd-tcp-address', source.tcpAddress, '--output-dir', out], async () => {
      const state = await channelState(source.httpAddress, name, 'nsq_to_file')
      return state.received === BODIES.length && state.depth === 0 && state.inFlight === 0
    })
    expect(archived).toMatchObject({messages: 3, duplicates_dropped: 0, topics: {[name]: {messages: 3}}})
    expectSnakeCase(archived, [name])

    const target = topic('Replayed')
    const replayed = summaryOf(
      await runCli(['replay', target, out, '--nsqd-tcp-address', source.tcpAddress, '--json'], {timeoutMs: 60_000}),
    )
    expect(replayed).toMatchObject({topic: target, published: 3, stopped_by: 'eof', topics: {[target]: 3}})
    expect(replayed.limits).toMatchObject({max_message_bytes: expect.any(Number) as unknown})
    expectSnakeCase(replayed, [target])
  })

  it('relay: source and destination topic names, destination nsqd addresses', async () => {
    const name = topic('Signups')
    const copy = `${name}_Copy`
    await publish(source.httpAddress, name, BODIES)
    const summary = await follow(
      [
        'relay',
        '--topic',
        name,
        '--nsqd-tcp-address',
        source.tcpAddress,
        '--destination-nsqd-tcp-address',
        destination.tcpAddress,
        '--destination-topic',
        '{topic}_Copy',
      ],
      async () => {
        const state = await channelState(source.httpAddress, name, 'nsq_to_nsq')
        return state.received === BODIES.length && state.depth === 0 && state.inFlight === 0
      },
    )
    expect(summary).toMatchObject({
      relayed: 3,
      possible_duplicates: 0,
      topics: {[name]: {destination_topic: copy, relayed: 3, dead_lettered: 0}},
      destination: {published: {[destination.tcpAddress]: 3}, topics: {[copy]: {relayed: 3, published: {[destination.tcpAddress]: 3}}}},
    })
    expectSnakeCase(summary, [name, copy, destination.tcpAddress])
  })

  it('to-http: status classes kept', async () => {
    const name = topic('WebHooks')
    const receiver = new Receiver()
    await receiver.start()
    try {
      await publish(source.httpAddress, name, BODIES)
      const summary = await follow(['to-http', name, '--post', `${receiver.url}/in`, '--nsqd-tcp-address', source.tcpAddress], async () => {
        const state = await channelState(source.httpAddress, name, 'nsq_to_http')
        return receiver.requests.length >= BODIES.length && state.depth === 0 && state.inFlight === 0
      })
      expect(summary).toMatchObject({delivered: 3, finished: 3, retry_after: 0, by_class: {'2xx': 3, '4xx': 0, '5xx': 0}})
      expect(summary.latency_ms).toMatchObject({p50: expect.any(Number) as unknown})
      expectSnakeCase(summary, ['2xx', '3xx', '4xx', '5xx'])
    } finally {
      await receiver.stop()
    }
  })
})
