/**
 * The topic source against a real nsqlookupd + nsqd, with its poll timers on a fake clock: the
 * waits are said once, and the quicker polls while nothing is found (1, 2, 4 … s) are the only
 * way a topic created later is found (the regular intervals are far beyond the test).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient, type Consumer} from '../../../src/core/index.js'
import {
  TopicSource,
  waitingDelay,
  type SourceTimers,
  type SourceWait,
  type TopicSourceOptions,
} from '../../../src/tools/source/topic-source.js'
import {skipIntegration, startLookupd, startNsqd, stopAllServices, type LookupdProcess, type NsqdProcess} from '../../support/nsq.js'
import {until} from '../../support/wait.js'

/** Timers that fire only when the test says so; remembers every delay asked for. */
class FakeTimers implements SourceTimers {
  readonly delays: number[] = []
  private pending = new Map<number, () => void>()
  private seq = 0

  setTimeout(callback: () => void, ms: number): number {
    this.delays.push(ms)
    const id = ++this.seq
    this.pending.set(id, callback)
    return id
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number)
  }

  get count(): number {
    return this.pending.size
  }

  /** Fires every pending timer (each poll schedules its successor, which stays pending). */
  fireAll(): void {
    const due = [...this.pending.values()]
    this.pending.clear()
    for (const callback of due) callback()
  }
}

describe('waitingDelay', () => {
  it('doubles from the first delay and stops at the regular interval', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => waitingDelay(n, 1000, 60_000))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000,
    ])
    expect(waitingDelay(100, 1000, 60_000)).toBe(60_000)
  })
})

describe.skipIf(skipIntegration)('TopicSource with nsqlookupd (fake poll clock)', () => {
  let lookupd: LookupdProcess
  let nsqd: NsqdProcess
  let http: NsqdHttpClient
  const sources: TopicSource[] = []

  beforeAll(async () => {
    lookupd = await startLookupd()
    nsqd = await startNsqd({lookupd: [lookupd]})
    http = new NsqdHttpClient(nsqd.httpAddress)
  })
  afterAll(async () => {
    for (const source of sources) {
      source.stop()
      await Promise.all([...source.consumers.values()].map((c) => c.stop({timeoutMs: 0})))
    }
    await stopAllServices()
  })

  async function lookupdKnows(topic: string): Promise<boolean> {
    const listed = (await (await fetch(`http://${lookupd.httpAddress}/topics`)).json()) as {topics: string[]}
    return listed.topics.includes(topic)
  }

  function source(options: Partial<TopicSourceOptions>, timers: FakeTimers) {
    const waits: SourceWait[] = []
    const added: string[] = []
    const connected: string[] = []
    const consumers: Consumer[] = []
    const s = new TopicSource({
      topics: [],
      channel: 'src',
      nsqd: [],
      lookupd: [lookupd.httpAddress],
      maxInFlight: 10,
      connection: {},
      topicRefreshMs: 600_000,
      lookupdPollIntervalMs: 600_000,
      timers,
      ...options,
      events: {
        waiting: (wait) => waits.push(wait),
        topicAdded: (topic, consumer) => {
          added.push(topic)
          consumers.push(consumer)
        },
        connected: (topic) => connected.push(topic),
      },
    })
    sources.push(s)
    return {s, waits, added, connected, consumers}
  }

  it('--topic-pattern with no match: says it waits once, polls again at 1, 2, 4 s, and takes a topic created later', async () => {
    const prefix = `src_pat_${process.pid}`
    const timers = new FakeTimers()
    const {s, waits, added} = source({topicPattern: new RegExp(`^${prefix}`)}, timers)
    const {failed} = await s.start()
    expect(failed.size).toBe(0)
    expect(waits).toEqual([{kind: 'topics', pattern: new RegExp(`^${prefix}`), lookupd: [lookupd.httpAddress]}])
    expect(timers.delays).toEqual([1000])
    timers.fireAll()
    await until('the second poll', () => timers.delays.length === 2)
    timers.fireAll()
    await until('the third poll', () => timers.delays.length === 3)
    expect(timers.delays).toEqual([1000, 2000, 4000])
    expect(added).toEqual([])

    const topic = `${prefix}_a`
    await http.createTopic(topic)
    await until('lookupd to list the topic', () => lookupdKnows(topic))
    expect(added).toEqual([]) // nothing found between polls: only the next (quick) poll finds it
    timers.fireAll()
    await until('the topic to be added', () => added.length === 1)
    expect(added).toEqual([topic])
    await until('the next poll to be scheduled', () => timers.delays.length === 4)
    // Found: back to the regular refresh, and the wait was said only once.
    expect(timers.delays.at(-1)).toBe(600_000)
    expect(waits).toHaveLength(1)
  })

  it('a named topic lookupd does not know: says it waits, asks lookupd again at 1, 2 … s, and connects once it exists', async () => {
    const topic = `src_named_${process.pid}`
    const timers = new FakeTimers()
    const {s, waits, added, connected} = source({topics: [topic]}, timers)
    await s.start()
    expect(added).toEqual([topic])
    expect(waits).toEqual([{kind: 'producers', topic, lookupd: [lookupd.httpAddress]}])
    expect(timers.delays).toEqual([1000])
    timers.fireAll()
    await until('the second quick poll', () => timers.delays.length === 2)
    expect(timers.delays).toEqual([1000, 2000])
    expect(connected).toEqual([])

    await http.createTopic(topic)
    await until('lookupd to list the topic', () => lookupdKnows(topic))
    timers.fireAll()
    await until('the consumer to connect to nsqd', () => connected.length === 1)
    // Found: no more quick polls (the consumer's own poller goes on at its interval).
    expect(timers.count).toBe(0)
    expect(waits).toHaveLength(1)
  })

  it('--nsqd-tcp-address refused: start() reports the topic as failed, and says no connectFailed', async () => {
    const timers = new FakeTimers()
    const connectFailed: string[] = []
    const s = new TopicSource({
      topics: ['refused'],
      channel: 'src',
      nsqd: ['127.0.0.1:1'],
      lookupd: [],
      maxInFlight: 1,
      connection: {},
      timers,
      events: {connectFailed: (_t, address) => connectFailed.push(address)},
    })
    sources.push(s)
    const {named, failed} = await s.start()
    expect(named).toEqual(['refused'])
    expect(failed.get('refused')?.code).toBe('CONNECTION_REFUSED')
    expect(connectFailed).toEqual([])
    expect(s.consumers.size).toBe(0)
  })
})
