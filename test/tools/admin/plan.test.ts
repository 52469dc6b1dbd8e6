import {describe, expect, it} from 'vitest'
import {planTarget, requestText} from '../../../src/tools/admin/plan.js'
import {mapBounded} from '../../../src/tools/admin/bounded.js'
import {parsePatterns, selectNames, SelectionError} from '../../../src/tools/admin/select.js'
import {countCalls, exitCodeOf} from '../../../src/tools/admin/summary.js'
import {eventsFor} from '../../../src/tools/admin/notify.js'
import {lossOf} from '../../../src/tools/admin/loss.js'
import type {TopicStats} from '../../../src/core/index.js'
import type {CallResult, TargetPlan} from '../../../src/tools/admin/types.js'

const lookupd = ['l1:4161', 'l2:4161']
const producers = ['n1:4151', 'n2:4151']

/** A plan as `role address request` lines, one array per phase. */
const lines = (plan: TargetPlan): string[][] => plan.phases.map((p) => p.map((c) => `${c.role} ${c.address} ${requestText(c)}`))

describe('planTarget: the upstream calls and their order, as nsqadmin v1.3.0 makes them', () => {
  it('delete topic: every lookupd first, then every nsqd that carries it', () => {
    const plan = planTarget({action: 'delete_topic', topic: 'orders'}, {lookupd, nsqd: [], producers})
    expect(lines(plan)).toEqual([
      ['lookupd l1:4161 /topic/delete?topic=orders', 'lookupd l2:4161 /topic/delete?topic=orders'],
      ['nsqd n1:4151 /topic/delete?topic=orders', 'nsqd n2:4151 /topic/delete?topic=orders'],
    ])
  })

  it('create channel: lookupd topic, lookupd channel, then nsqd channel on the producers', () => {
    const plan = planTarget({action: 'create_channel', topic: 't', channel: 'c'}, {lookupd, nsqd: [], producers: ['n1:4151']})
    expect(lines(plan)).toEqual([
      ['lookupd l1:4161 /topic/create?topic=t', 'lookupd l2:4161 /topic/create?topic=t'],
      ['lookupd l1:4161 /channel/create?topic=t&channel=c', 'lookupd l2:4161 /channel/create?topic=t&channel=c'],
      ['nsqd n1:4151 /channel/create?topic=t&channel=c'],
    ])
    expect(plan.notes).toEqual([])
  })

  it('create channel with no nsqd carrying the topic says so (nsqadmin hides it)', () => {
    const plan = planTarget({action: 'create_channel', topic: 't', channel: 'c'}, {lookupd, nsqd: [], producers: []})
    expect(plan.phases).toHaveLength(2)
    expect(plan.notes).toEqual([expect.stringContaining('no nsqd carries topic t yet')])
    const nsqdOnly = planTarget({action: 'create_channel', topic: 't', channel: 'c'}, {lookupd: [], nsqd: ['n1:4151'], producers: []})
    expect(nsqdOnly.phases).toEqual([])
    expect(nsqdOnly.problem).toMatch(/no nsqd carries topic t/)
  })

  it('create topic touches only lookupd; with only nsqd given it creates on each of them', () => {
    expect(lines(planTarget({action: 'create_topic', topic: 't'}, {lookupd, nsqd: [], producers}))).toEqual([
      ['lookupd l1:4161 /topic/create?topic=t', 'lookupd l2:4161 /topic/create?topic=t'],
    ])
    expect(lines(planTarget({action: 'create_topic', topic: 't'}, {lookupd: [], nsqd: ['a:1', 'b:2'], producers: []}))).toEqual([
      ['nsqd a:1 /topic/create?topic=t', 'nsqd b:2 /topic/create?topic=t'],
    ])
  })

  it('pause / unpause / empty go to nsqd only; nothing to act on is a problem, not an empty success', () => {
    for (const action of ['pause_channel', 'unpause_channel', 'empty_channel'] as const) {
      const verb = action.split('_')[0] as string
      expect(lines(planTarget({action, topic: 't', channel: 'c'}, {lookupd, nsqd: [], producers}))).toEqual([
        [`nsqd n1:4151 /channel/${verb}?topic=t&channel=c`, `nsqd n2:4151 /channel/${verb}?topic=t&channel=c`],
      ])
    }
    expect(lines(planTarget({action: 'empty_topic', topic: 't'}, {lookupd, nsqd: [], producers: ['n2:4151']}))).toEqual([
      ['nsqd n2:4151 /topic/empty?topic=t'],
    ])
    const none = planTarget({action: 'pause_topic', topic: 't'}, {lookupd, nsqd: [], producers: []})
    expect(none.phases).toEqual([])
    expect(none.problem).toBe('no nsqd or lookupd has topic t')
  })

  it('delete channel: lookupd then the nsqd given as having it', () => {
    expect(lines(planTarget({action: 'delete_channel', topic: 't', channel: 'c'}, {lookupd, nsqd: [], producers: ['n2:4151']}))).toEqual([
      ['lookupd l1:4161 /channel/delete?topic=t&channel=c', 'lookupd l2:4161 /channel/delete?topic=t&channel=c'],
      ['nsqd n2:4151 /channel/delete?topic=t&channel=c'],
    ])
  })

  it('tombstone: every lookupd, then delete on that node only', () => {
    const plan = planTarget(
      {action: 'tombstone_topic_producer', topic: 't', node: '10.0.0.3:4151'},
      {lookupd, nsqd: [], producers: ['mapped:4151'], nodeAddress: 'mapped:4151'},
    )
    expect(lines(plan)).toEqual([
      ['lookupd l1:4161 /topic/tombstone?topic=t&node=10.0.0.3%3A4151', 'lookupd l2:4161 /topic/tombstone?topic=t&node=10.0.0.3%3A4151'],
      ['nsqd mapped:4151 /topic/delete?topic=t'],
    ])
    const notThere = planTarget({action: 'tombstone_topic_producer', topic: 't', node: 'x:1'}, {lookupd, nsqd: [], producers: []})
    expect(lines(notThere)).toHaveLength(1)
    expect(notThere.notes[0]).toMatch(/does not carry topic t/)
  })
})

describe('selection by name, glob and /regex/', () => {
  const available = ['orders', 'orders.eu', 'orders.us', 'payments', 'orders.eu#ephemeral']
  it('globs and regexes match listed names, sorted, without duplicates; names are taken as given', () => {
    const filters = parsePatterns(['orders.*', '/^pay/', 'orders.eu', 'missing'], 'topic')
    expect(selectNames(filters, available)).toEqual({
      names: ['orders.eu', 'orders.eu#ephemeral', 'orders.us', 'payments', 'missing'],
      unmatched: [],
    })
  })
  it('a pattern that matches nothing is reported', () => {
    expect(selectNames(parsePatterns(['x*', '/^y/'], 'topic'), available)).toEqual({names: [], unmatched: ['x*', '/^y/']})
  })
  it('invalid names and regexes are usage errors', () => {
    expect(() => parsePatterns(['bad name!'], 'topic')).toThrow(SelectionError)
    expect(() => parsePatterns(['/(/'], 'channel')).toThrow(SelectionError)
  })
})

describe('aggregation and exit codes', () => {
  const call = (status: CallResult['status'], unreachable?: boolean): CallResult => ({
    action: 'pause_topic',
    role: 'nsqd',
    address: 'a',
    method: 'POST',
    request: '/topic/pause?topic=t',
    status,
    ...(unreachable === undefined ? {} : {unreachable}),
  })
  it('0 all ok, 3 some failed, 69 nothing reached, 1 nothing to act on', () => {
    expect(exitCodeOf([call('ok'), call('absent')], [])).toBe(0)
    expect(exitCodeOf([call('ok'), call('failed', true)], [])).toBe(3)
    expect(exitCodeOf([call('failed', true), call('failed', true)], [])).toBe(69)
    expect(exitCodeOf([call('failed', true), call('failed')], [])).toBe(3)
    expect(exitCodeOf([call('planned')], ['no nsqd or lookupd has topic t'])).toBe(1)
    expect(countCalls([call('ok'), call('absent'), call('failed'), call('planned')])).toEqual({ok: 2, failed: 1})
  })
  it('mapBounded keeps item order and never runs more than the bound', async () => {
    let running = 0
    let most = 0
    const release: (() => void)[] = []
    const done = mapBounded([1, 2, 3, 4, 5], 2, async (n) => {
      running++
      most = Math.max(most, running)
      await new Promise<void>((r) => release.push(r))
      running--
      return n * 10
    })
    while (release.length > 0 || running > 0) {
      await Promise.resolve()
      release.shift()?.()
      await new Promise((r) => setImmediate(r))
    }
    expect(await done).toEqual([10, 20, 30, 40, 50])
    expect(most).toBe(2)
  })
})

describe("nsqadmin's notification events and loss rows", () => {
  it('create channel emits create_topic then create_channel, fields in nsqadmin order', () => {
    const events = eventsFor(
      {action: 'create_channel', topic: 't', channel: 'c'},
      {user: 'ops', userAgent: 'ua', via: 'h', now: () => 1_700_000_000_999},
    )
    expect(events.map((e) => JSON.stringify(e))).toEqual([
      '{"action":"create_topic","topic":"t","timestamp":1700000000,"user":"ops","remote_ip":"","user_agent":"ua","url":"","via":"h"}',
      '{"action":"create_channel","topic":"t","channel":"c","timestamp":1700000000,"user":"ops","remote_ip":"","user_agent":"ua","url":"","via":"h"}',
    ])
    const [tomb] = eventsFor({action: 'tombstone_topic_producer', topic: 't', node: 'n:1'}, {userAgent: 'ua', via: 'h', now: () => 0})
    expect(Object.keys(tomb!)).toEqual(['action', 'topic', 'node', 'timestamp', 'remote_ip', 'user_agent', 'url', 'via'])
  })
  it('empty topic loses only the topic queue; delete loses its channels too', () => {
    const channel = {
      channel_name: 'c',
      depth: 5,
      backend_depth: 0,
      in_flight_count: 2,
      deferred_count: 1,
      message_count: 0,
      requeue_count: 0,
      timeout_count: 0,
      client_count: 0,
      clients: [],
      paused: false,
      e2e_processing_latency: {count: 0, percentiles: []},
    }
    const stats: TopicStats = {
      topic_name: 't',
      channels: [channel],
      depth: 7,
      backend_depth: 0,
      message_count: 9,
      message_bytes: 0,
      paused: false,
      e2e_processing_latency: {count: 0, percentiles: []},
    }
    const nodes = new Map([['n1', stats]])
    expect(lossOf({action: 'empty_topic', topic: 't'}, nodes)).toEqual([{node: 'n1', topic: 't', depth: 7, in_flight: 0, deferred: 0}])
    expect(lossOf({action: 'delete_topic', topic: 't'}, nodes)).toHaveLength(2)
    expect(lossOf({action: 'empty_channel', topic: 't', channel: 'c'}, nodes)).toEqual([
      {node: 'n1', topic: 't', channel: 'c', depth: 5, in_flight: 2, deferred: 1},
    ])
    expect(lossOf({action: 'pause_topic', topic: 't'}, nodes)).toEqual([])
  })
})
