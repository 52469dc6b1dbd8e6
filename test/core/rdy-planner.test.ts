import {describe, expect, it} from 'vitest'
import {planRdy, type ConnectionView} from '../../src/core/consumer/rdy-planner.js'

const conn = (id: number, over: Partial<ConnectionView> = {}): ConnectionView => ({
  id,
  rdy: 0,
  inFlight: 0,
  maxRdyCount: 2500,
  since: 0,
  ...over,
})
const sum = (plan: Map<number, number>): number => [...plan.values()].reduce((a, b) => a + b, 0)

describe('planRdy', () => {
  it('splits max-in-flight evenly, remainder to the first connections', () => {
    const plan = planRdy({maxInFlight: 200, connections: [conn(1), conn(2), conn(3)], mode: 'normal', now: 0, rotateAfterMs: 1000})
    expect([...plan.values()]).toEqual([67, 67, 66])
    expect(sum(plan)).toBe(200)
  })

  it('when nsqd join a connection that holds all of max-in-flight, they wait for those slots: the total in flight stays within it', () => {
    const occupancy = (plan: Map<number, number>, views: ConnectionView[]): number =>
      views.reduce((total, c) => total + Math.max(plan.get(c.id) ?? c.rdy, c.inFlight), 0)
    // Connection 1 had RDY 12 alone and holds 12 in flight; 2 and 3 just connected.
    let views = [conn(1, {rdy: 12, inFlight: 12}), conn(2), conn(3)]
    let plan = planRdy({maxInFlight: 12, connections: views, mode: 'normal', now: 0, rotateAfterMs: 1000})
    expect([...plan.values()]).toEqual([4, 0, 0])
    expect(occupancy(plan, views)).toBe(12)
    // Half of connection 1's messages answered: the others get what was freed, evenly.
    views = [conn(1, {rdy: 4, inFlight: 6}), conn(2), conn(3)]
    plan = planRdy({maxInFlight: 12, connections: views, mode: 'normal', now: 0, rotateAfterMs: 1000})
    expect([...plan.values()]).toEqual([4, 3, 3])
    expect(occupancy(plan, views)).toBe(12)
    // All answered: even shares again.
    views = [conn(1, {rdy: 4, inFlight: 2}), conn(2, {rdy: 3, inFlight: 3}), conn(3, {rdy: 3, inFlight: 1})]
    plan = planRdy({maxInFlight: 12, connections: views, mode: 'normal', now: 0, rotateAfterMs: 1000})
    expect([...plan.values()]).toEqual([4, 4, 4])
  })

  it("respects each nsqd's max_rdy_count", () => {
    const plan = planRdy({
      maxInFlight: 10_000,
      connections: [conn(1, {maxRdyCount: 2500}), conn(2, {maxRdyCount: 100})],
      mode: 'normal',
      now: 0,
      rotateAfterMs: 1000,
    })
    expect(plan.get(1)).toBe(2500)
    expect(plan.get(2)).toBe(100)
  })

  it('pauses everything while backing off, and probes one connection with RDY 1', () => {
    const connections = [conn(1, {rdy: 5, since: 10}), conn(2, {rdy: 5, since: 5})]
    expect(sum(planRdy({maxInFlight: 10, connections, mode: 'paused', now: 0, rotateAfterMs: 1000}))).toBe(0)
    const probe = planRdy({
      maxInFlight: 10,
      connections: [conn(1, {since: 10}), conn(2, {since: 5})],
      mode: 'probing',
      now: 0,
      rotateAfterMs: 1000,
    })
    expect([...probe.entries()]).toEqual([
      [1, 0],
      [2, 1],
    ])
  })

  it('with fewer slots than connections, rotates RDY 1 so no nsqd starves and the total never exceeds max-in-flight', () => {
    // Simulate: 5 connections, max-in-flight 2, time advancing; every connection must get a turn.
    let views = [1, 2, 3, 4, 5].map((id) => conn(id, {since: id}))
    const served = new Set<number>()
    for (let now = 0; now < 10_000; now += 500) {
      const plan = planRdy({maxInFlight: 2, connections: views, mode: 'normal', now, rotateAfterMs: 1000})
      views = views.map((v) => {
        const rdy = plan.get(v.id) ?? v.rdy
        if (rdy > 0) served.add(v.id)
        return rdy === v.rdy ? v : {...v, rdy, since: now}
      })
      expect(views.reduce((a, v) => a + v.rdy, 0)).toBeLessThanOrEqual(2)
      expect(views.filter((v) => v.rdy > 0)).toHaveLength(2)
    }
    expect([...served].sort()).toEqual([1, 2, 3, 4, 5])
  })

  it('counts a connection that still holds messages against the budget when it loses RDY', () => {
    const plan = planRdy({
      maxInFlight: 1,
      connections: [conn(1, {rdy: 1, since: 0, inFlight: 1}), conn(2, {since: 0})],
      mode: 'normal',
      now: 5000,
      rotateAfterMs: 1000,
    })
    expect(plan.get(1)).toBe(0)
    expect(plan.get(2)).toBeUndefined() // waits until connection 1's message is answered
  })
})
