import {describe, expect, it} from 'vitest'
import type {NsqError} from '../../src/core/errors.js'
import {TargetSet, type Link, type Target, type TargetSetOptions} from '../../src/core/consumer/targets.js'
import {UNREF_TIMERS} from '../../src/core/util/time.js'
import {FakeTime} from '../support/fake-time.js'

type Conn = {name: string}

/** A TargetSet whose hooks record what it asked for; `connect` attaches a link and stays pending. */
function harness(overrides: Partial<TargetSetOptions<Conn>> = {}) {
  const timers = new FakeTime()
  const log = {
    connects: [] as {address: string; at: number}[],
    retiring: [] as number[],
    closed: [] as number[],
    polls: [] as number[],
  }
  const set: TargetSet<Conn> = new TargetSet<Conn>({
    reconnect: {initialMs: 200, maxMs: 1000, jitter: 0.5},
    pinned: new Set(),
    recoveryPollCeilingMs: undefined,
    random: () => 0,
    now: () => timers.now(),
    timers,
    hooks: {
      connect(target: Target<Conn>): Promise<NsqError | true> {
        log.connects.push({address: target.address, at: timers.now()})
        set.attach(target, {name: target.address})
        return Promise.resolve(true)
      },
      retiring: (link) => log.retiring.push(link.id),
      close: (link) => log.closed.push(link.id),
      pollSoon: () => log.polls.push(timers.now()),
    },
    ...overrides,
  })
  /** The connection of `target` drops (or an attempt fails): what the consumer does on `closed`. */
  const lose = (address: string): void => {
    const target = set.get(address)
    if (target?.link === undefined) throw new Error(`no link to ${address}`)
    set.detach(target.link)
    set.lost(target)
  }
  const link = (address: string): Link<Conn> => {
    const current = set.get(address)?.link
    if (current === undefined) throw new Error(`no link to ${address}`)
    return current
  }
  return {set, timers, log, lose, link}
}

describe('TargetSet: wanting nsqd', () => {
  it('connects once per address however often it is wanted while connected or reconnecting', async () => {
    const {set, log, lose, timers} = harness()
    await expect(set.want('a:4150')).resolves.toBe(true)
    await set.want('a:4150')
    await set.want('b:4150')
    expect(log.connects.map((c) => c.address)).toEqual(['a:4150', 'b:4150'])
    lose('a:4150') // now waiting to reconnect: still no second attempt
    await set.want('a:4150')
    expect(log.connects).toHaveLength(2)
    timers.advance(200)
    expect(log.connects.map((c) => c.address)).toEqual(['a:4150', 'b:4150', 'a:4150'])
  })

  it("attach makes the link the target's; detach forgets it and hands back what was in flight", async () => {
    const {set, link, timers} = harness()
    timers.advance(1234)
    await set.want('a:4150')
    const a = link('a:4150')
    expect(a).toMatchObject({ready: false, retiring: false, closed: false, inFlight: 0, rdy: 0, since: 1234, connection: {name: 'a:4150'}})
    expect(set.active()).toEqual([])
    set.subscribed(a)
    expect(set.active()).toEqual([a])
    set.received(a)
    set.received(a)
    set.received(a)
    set.answered(a)
    expect(set.detach(a)).toBe(2)
    expect(a).toMatchObject({closed: true, ready: false, inFlight: 0})
    expect(set.get('a:4150')?.link).toBeUndefined()
    expect([...set.links]).toEqual([])
    expect(set.active()).toEqual([])
  })

  it('link ids are distinct across reconnects', async () => {
    const {set, lose, link, timers} = harness()
    await set.want('a:4150')
    const first = link('a:4150').id
    lose('a:4150')
    timers.advance(1000)
    expect(link('a:4150').id).not.toBe(first)
  })
})

describe('TargetSet: reconnect backoff', () => {
  it('delays double from initialMs up to maxMs, jittered by random, and restart after a success', async () => {
    let r = 0
    const {set, timers, log, lose, link} = harness({random: () => r})
    await set.want('a:4150')
    const delays: number[] = []
    for (let i = 0; i < 5; i++) {
      lose('a:4150')
      expect(timers.delays).toHaveLength(1)
      delays.push(timers.delays[0] ?? -1)
      timers.advance(timers.delays[0] ?? 0)
    }
    // 200 × 2^(n−1), capped at 1000; random 0 takes nothing off.
    expect(delays).toEqual([200, 400, 800, 1000, 1000])
    expect(log.connects).toHaveLength(6)
    expect(set.reconnects).toBe(0)

    set.subscribed(link('a:4150'))
    expect(set.reconnects).toBe(1)
    expect(set.get('a:4150')?.failures).toBe(0)
    r = 1 // jitter 0.5: the full random draw takes half off
    lose('a:4150')
    expect(timers.delays).toEqual([100])
    timers.advance(100)
    lose('a:4150')
    expect(timers.delays).toEqual([200])
  })

  it('each target keeps its own failure count', async () => {
    const {set, timers, lose, link} = harness()
    await set.want('a:4150')
    await set.want('b:4150')
    lose('a:4150')
    timers.advance(200)
    lose('a:4150')
    set.subscribed(link('b:4150'))
    lose('b:4150')
    expect(timers.delays.sort((x, y) => x - y)).toEqual([200, 400])
  })

  it('a connection that was never lost is no reconnect', async () => {
    const {set, link} = harness()
    await set.want('a:4150')
    set.subscribed(link('a:4150'))
    expect(set.reconnects).toBe(0)
  })
})

describe('TargetSet: retiring nsqd that lookupd no longer lists', () => {
  it('RDY 0 at once, but closes only once its in-flight messages are answered', async () => {
    const {set, log, link} = harness()
    await set.want('a:4150')
    const a = link('a:4150')
    set.subscribed(a)
    set.received(a)
    set.received(a)
    expect(set.unwant('a:4150')).toBe(true)
    expect(log.retiring).toEqual([a.id])
    expect(set.get('a:4150')?.wanted).toBe(false)
    expect(set.active()).toEqual([])
    expect(log.closed).toEqual([])
    set.answered(a)
    expect(log.closed).toEqual([])
    set.answered(a)
    expect(log.closed).toEqual([a.id])
  })

  it('an idle link closes at once; answers on links that are not retiring close nothing', async () => {
    const {set, log, link} = harness()
    await set.want('a:4150')
    await set.want('b:4150')
    const b = link('b:4150')
    set.received(b)
    set.answered(b)
    expect(log.closed).toEqual([])
    set.unwant('a:4150')
    expect(log.closed).toEqual([link('a:4150').id])
  })

  it('addresses given directly stay whatever lookupd says; unknown addresses are ignored', async () => {
    const {set, log} = harness({pinned: new Set(['a:4150'])})
    await set.want('a:4150')
    expect(set.unwant('a:4150')).toBe(false)
    expect(set.unwant('zzz:4150')).toBe(false)
    expect(log.retiring).toEqual([])
    expect(set.get('a:4150')?.wanted).toBe(true)
  })

  it('cancels a pending reconnect, and a lost link of an unwanted target is not reconnected', async () => {
    const {set, timers, log, lose} = harness()
    await set.want('a:4150')
    await set.want('b:4150')
    lose('a:4150')
    expect(set.unwant('a:4150')).toBe(false) // no link to retire, only the pending reconnect
    set.unwant('b:4150')
    lose('b:4150')
    timers.advance(60_000)
    expect(log.connects).toHaveLength(2)
    await set.want('a:4150') // listed again: connects at once
    expect(log.connects.map((c) => c.address)).toEqual(['a:4150', 'b:4150', 'a:4150'])
  })
})

describe('TargetSet: recovery polls after a lost connection', () => {
  it('asks lookupd at once, then 1, 2, 4, 8 … s later, stopping short of the poll interval', async () => {
    const {set, timers, log, lose} = harness({recoveryPollCeilingMs: 16_000, reconnect: {initialMs: 100_000, maxMs: 100_000, jitter: 0}})
    await set.want('a:4150')
    timers.advance(500)
    lose('a:4150')
    timers.advance(90_000)
    expect(log.polls).toEqual([500, 1500, 3500, 7500, 15_500])
  })

  it('a longer interval lets the series run longer; a new loss restarts it at 1 s', async () => {
    const {set, timers, log, lose} = harness({recoveryPollCeilingMs: 60_000, reconnect: {initialMs: 10, maxMs: 10, jitter: 0}})
    await set.want('a:4150')
    lose('a:4150')
    timers.advance(3000) // polls at 0, 1000, 3000; reconnected at 10
    lose('a:4150') // at 3000
    timers.advance(200_000)
    expect(log.polls).toEqual([0, 1000, 3000, 3000, 4000, 6000, 10_000, 18_000, 34_000, 66_000])
  })

  it('without lookupd there are no polls', async () => {
    const {set, timers, log, lose} = harness({recoveryPollCeilingMs: undefined})
    await set.want('a:4150')
    lose('a:4150')
    timers.advance(100_000)
    expect(log.polls).toEqual([])
  })
})

describe('TargetSet: stop', () => {
  it('cancels reconnects and recovery polls and schedules nothing afterwards', async () => {
    const {set, timers, log, lose, link} = harness({recoveryPollCeilingMs: 60_000})
    await set.want('a:4150')
    await set.want('b:4150')
    lose('a:4150')
    const b = link('b:4150')
    set.stop()
    expect(set.get('b:4150')?.wanted).toBe(false)
    set.detach(b)
    set.lost(b.target)
    timers.advance(100_000)
    expect(log.connects).toHaveLength(2)
    expect(log.polls).toEqual([0])
    expect(timers.delays).toEqual([])
  })
})

describe('UNREF_TIMERS', () => {
  it('never keeps the process alive, and can be cancelled', async () => {
    let fired = false
    const handle = UNREF_TIMERS.setTimeout(() => {
      fired = true
    }, 5)
    expect((handle as NodeJS.Timeout).hasRef()).toBe(false)
    UNREF_TIMERS.clearTimeout(handle)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(fired).toBe(false)
  })
})
