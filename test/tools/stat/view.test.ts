import {describe, expect, it} from 'vitest'
import {buildView, channelRates} from '../../../src/tools/stat/view.js'
import {drainEta, hintsFor} from '../../../src/tools/stat/hints.js'
import {watch, type Poller} from '../../../src/tools/stat/watch.js'
import type {Snapshot} from '../../../src/tools/stat/model.js'
import {channel, down, row, snapshot, topic, up} from './fixtures.js'

describe('rates', () => {
  it('divide the deltas by the real seconds between two samples', () => {
    const prev = channel('c', {messages: 1000, depth: 100, requeued: 4, timed_out: 1})
    const cur = channel('c', {messages: 1500, depth: 300, requeued: 10, timed_out: 3})
    // 2.5 s, not a nominal 2 s interval.
    expect(channelRates(prev, cur, 2.5)).toEqual({ingress_rate: 200, egress_rate: 120, requeue_rate: 2.4, timeout_rate: 0.8})
  })

  it('are null without an earlier sample, without elapsed time, or when counters went back (nsqd restarted)', () => {
    const cur = channel('c', {messages: 10})
    expect(channelRates(undefined, cur, 2).ingress_rate).toBeNull()
    expect(channelRates(channel('c'), cur, 0).egress_rate).toBeNull()
    expect(channelRates(channel('c', {messages: 50}), cur, 2)).toEqual({
      ingress_rate: null,
      egress_rate: null,
      requeue_rate: null,
      timeout_rate: null,
    })
  })

  it("use each node's own sample times with a fake clock driving the poll loop", async () => {
    // A fake clock: each poll takes a different time, so the real period differs from the interval.
    let clock = 0
    const durations = [30, 400, 10]
    const messages = [0, 1000, 2000]
    let polls = 0
    const poller: Poller = {
      poll: async () => {
        clock += durations[polls] as number
        const s = snapshot(clock, [up('n1', clock, [topic('t', [channel('c', {messages: messages[polls] as number})])])])
        polls++
        return s
      },
    }
    const sleeps: number[] = []
    const sleep = async (ms: number): Promise<void> => {
      sleeps.push(ms)
      clock += ms
    }
    const rates: (number | null)[] = []
    for await (const tick of watch(poller, {intervalMs: 1000, count: 2, now: () => clock, sleep})) {
      rates.push(buildView(tick.previous, tick.snapshot).channels[0]?.ingress_rate ?? null)
    }
    expect(polls).toBe(3)
    // Fixed schedule from the end of the baseline poll (30): polls start at 1030 and 2030 (the
    // 400 ms poll does not push the next one back).
    expect(sleeps).toEqual([1000, 600])
    // Samples at 30, 1430, 2040: 1000 msgs / 1.4 s, then 1000 msgs / 0.61 s.
    expect(rates[0]).toBeNull()
    expect(rates[1]).toBeCloseTo(1000 / 1.4, 6)
    expect(rates[2]).toBeCloseTo(1000 / 0.61, 6)
  })
})

describe('aggregation', () => {
  const t0 = snapshot(0, [
    up('a', 0, [
      topic('orders', [channel('archive', {messages: 100, depth: 10, backend_depth: 4, clients: 1}), channel('mail', {messages: 100})], {
        messages: 100,
      }),
    ]),
    up('b', 0, [topic('orders', [channel('archive', {messages: 50, depth: 5, clients: 2, paused: true})], {messages: 50})]),
  ])
  const t1 = snapshot(2000, [
    up('a', 2000, [
      topic(
        'orders',
        [channel('archive', {messages: 300, depth: 30, backend_depth: 4, in_flight: 3, clients: 1}), channel('mail', {messages: 300})],
        {messages: 300},
      ),
    ]),
    up('b', 2000, [
      topic('orders', [channel('archive', {messages: 150, depth: 5, deferred: 2, clients: 2, paused: true})], {messages: 150}),
    ]),
  ])

  it('sums counters and rates per topic and channel across nodes', () => {
    const view = buildView(t0, t1)
    expect(view.elapsed_ms).toBe(2000)
    expect(view.channels.map((c) => `${c.topic}/${c.channel}`)).toEqual(['orders/archive', 'orders/mail'])
    const archive = view.channels[0]
    expect(archive).toMatchObject({
      depth: 35,
      mem: 31,
      disk: 4,
      in_flight: 3,
      deferred: 2,
      messages: 450,
      clients: 3,
      paused: true,
      nodes: 2,
    })
    // a: +200 msgs, +20 depth; b: +100 msgs, +0 depth → ingress 150/s, egress (180 + 100) / 2 = 140/s.
    expect(archive?.ingress_rate).toBe(150)
    expect(archive?.egress_rate).toBe(140)
    expect(view.topics).toEqual([expect.objectContaining({topic: 'orders', messages: 450, nodes: 2, channels: 2, ingress_rate: 150})])
  })

  it('keeps one row per node and channel with --by-node', () => {
    const view = buildView(t0, t1, {byNode: true})
    expect(view.channels.map((c) => `${c.node}:${c.channel}`)).toEqual(['a:archive', 'b:archive', 'a:mail'])
    expect(view.channels[1]).toMatchObject({node: 'b', depth: 5, ingress_rate: 50, egress_rate: 50, paused: true})
  })

  it('leaves a node that is down out of the sums and lists it as down', () => {
    const t2 = snapshot(4000, [down('a', 4000), up('b', 4000, [topic('orders', [channel('archive', {messages: 250, depth: 5})])])])
    const view = buildView(t1, t2)
    expect(view.nodes).toEqual([
      {address: 'a', status: 'down', error: 'connection refused'},
      {address: 'b', status: 'up', version: '1.3.0'},
    ])
    expect(view.channels[0]).toMatchObject({messages: 250, nodes: 1, ingress_rate: 50})
    // a comes back after a restart: its counters start again, so it adds no rate (no negative spike).
    const t3 = snapshot(6000, [
      up('a', 6000, [topic('orders', [channel('archive', {messages: 7})])]),
      up('b', 6000, [topic('orders', [channel('archive', {messages: 350, depth: 5})])]),
    ])
    expect(buildView(t2, t3).channels[0]).toMatchObject({messages: 357, nodes: 2, ingress_rate: 50})
  })
})

describe('drain estimate and hints', () => {
  it('drain = depth ÷ (egress − ingress); 0 when empty; null when not draining', () => {
    expect(drainEta({depth: 1000, ingress_rate: 50, egress_rate: 150})).toBe(10)
    expect(drainEta({depth: 0, ingress_rate: null, egress_rate: null})).toBe(0)
    expect(drainEta({depth: 10, ingress_rate: 100, egress_rate: 100})).toBeNull()
    expect(drainEta({depth: 10, ingress_rate: null, egress_rate: null})).toBeNull()
  })

  it('flags a backlog with no consumers, a stuck channel, timeouts and requeues', () => {
    expect(hintsFor(row({depth: 5, clients: 0}))).toEqual(['no consumers'])
    expect(hintsFor(row({depth: 5, clients: 2, ingress_rate: 3, egress_rate: 0}))[0]).toMatch(/^stuck/)
    expect(hintsFor(row({depth: 5, clients: 2, ingress_rate: 30, egress_rate: 10, in_flight: 4}))).toEqual([
      'falling behind: ingress > egress',
    ])
    expect(hintsFor(row({depth: 0, clients: 1, ingress_rate: 10, egress_rate: 10, timeout_rate: 2, requeue_rate: 5}))).toEqual([
      "timeouts 2.0/s: handlers slower than nsqd's --msg-timeout?",
      'requeues 5.0/s',
    ])
    expect(hintsFor(row({depth: 5, paused: true}))).toEqual(['paused'])
    expect(hintsFor(row({depth: 0, clients: 1, ingress_rate: 10, egress_rate: 10}))).toEqual([])
  })

  it('a paused topic is a hint on each of its channels', () => {
    const paused = snapshot(0, [up('n', 0, [topic('t', [channel('c', {clients: 1}), channel('d', {clients: 1})], {paused: true})])])
    expect(buildView(undefined, paused).channels.map((c) => c.hints)).toEqual([['topic paused'], ['topic paused']])
  })

  it('the view fills drain_eta_s and hints', () => {
    const a = snapshot(0, [up('n', 0, [topic('t', [channel('c', {messages: 0, depth: 1000, clients: 1})])])])
    const b = snapshot(1000, [up('n', 1000, [topic('t', [channel('c', {messages: 100, depth: 800, clients: 1})])])])
    expect(buildView(a, b).channels[0]).toMatchObject({ingress_rate: 100, egress_rate: 300, drain_eta_s: 4, hints: []})
  })
})

describe('poll loop', () => {
  const poller = (): Poller & {polls: number} => {
    const p = {polls: 0, poll: async (): Promise<Snapshot> => snapshot(p.polls++, [])}
    return p
  }
  const noSleep = async (): Promise<void> => undefined

  it('--count N: a baseline and N more polls; --once: one', async () => {
    const counted = poller()
    const indexes: number[] = []
    for await (const tick of watch(counted, {intervalMs: 10, count: 3, sleep: noSleep})) indexes.push(tick.index)
    expect(indexes).toEqual([0, 1, 2, 3])
    const once = poller()
    for await (const tick of watch(once, {intervalMs: 10, once: true, sleep: noSleep})) expect(tick.previous).toBeUndefined()
    expect(once.polls).toBe(1)
  })

  it('skips the slots a slow poll missed instead of polling back to back', async () => {
    let clock = 0
    const slow: Poller = {
      poll: async () => {
        clock += clock === 0 ? 0 : 2500
        return snapshot(clock, [])
      },
    }
    const sleeps: number[] = []
    const sleep = async (ms: number): Promise<void> => {
      sleeps.push(ms)
      clock += ms
    }
    for await (const _tick of watch(slow, {intervalMs: 1000, count: 2, now: () => clock, sleep})) void _tick
    // Baseline at 0; the next poll starts at 1000 and takes 2.5 s, so it ends at 3500: the next slot is 4000.
    expect(sleeps).toEqual([1000, 500])
  })

  it('ends quietly when the signal is aborted, even mid-poll', async () => {
    const controller = new AbortController()
    const failing: Poller = {
      poll: async () => {
        controller.abort('interrupt')
        throw new Error('request aborted')
      },
    }
    const ticks = []
    for await (const tick of watch(failing, {intervalMs: 10, signal: controller.signal, sleep: noSleep})) ticks.push(tick)
    expect(ticks).toEqual([])
  })
})
