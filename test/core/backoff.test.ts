import {describe, expect, it} from 'vitest'
import {INITIAL_BACKOFF, nextBackoff, type BackoffState} from '../../src/core/consumer/backoff.js'
import {backoffDelay} from '../../src/core/util/backoff.js'

const config = {initialMs: 1000, maxMs: 8000, jitter: 0}

describe('consumer backoff', () => {
  it('doubles per level, capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((l) => backoffDelay(config, l, 0))).toEqual([1000, 2000, 4000, 8000, 8000, 8000])
    expect(backoffDelay({...config, jitter: 0.5}, 2, 1)).toBe(1000)
  })

  it('failure pauses; only the timer ends a pause; then probe; success steps down to normal', () => {
    let s: BackoffState = INITIAL_BACKOFF
    s = nextBackoff(s, 'failure', config, 0, 0)
    expect(s).toEqual({level: 1, phase: {kind: 'paused', until: 1000}})
    expect(nextBackoff(s, 'failure', config, 10, 0)).toBe(s) // ignored during the pause
    expect(nextBackoff(s, 'success', config, 10, 0)).toBe(s)
    s = nextBackoff(s, 'timer', config, 1000, 0)
    expect(s.phase.kind).toBe('probing')
    s = nextBackoff(s, 'failure', config, 1000, 0)
    expect(s).toEqual({level: 2, phase: {kind: 'paused', until: 3000}})
    s = nextBackoff(nextBackoff(s, 'timer', config, 3000, 0), 'success', config, 3000, 0)
    expect(s).toEqual({level: 1, phase: {kind: 'paused', until: 4000}})
    s = nextBackoff(nextBackoff(s, 'timer', config, 4000, 0), 'success', config, 4000, 0)
    expect(s).toEqual({level: 0, phase: {kind: 'normal'}})
  })

  it('stops raising the level once the delay hits the cap', () => {
    let s: BackoffState = INITIAL_BACKOFF
    for (let i = 0; i < 20; i++) s = nextBackoff(nextBackoff(s, 'failure', config, 0, 0), 'timer', config, 0, 0)
    expect(s.level).toBe(4)
  })

  it('successes at level 0 change nothing', () => {
    expect(nextBackoff(INITIAL_BACKOFF, 'success', config, 0, 0)).toBe(INITIAL_BACKOFF)
  })
})

describe('reconnect backoff', () => {
  it('grows exponentially with jitter under the cap', () => {
    const policy = {initialMs: 100, maxMs: 1000, jitter: 0.5}
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, 0))).toEqual([100, 200, 400, 800, 1000])
    expect(backoffDelay(policy, 3, 1)).toBe(200)
  })
})
