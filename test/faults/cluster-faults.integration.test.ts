/**
 * Cluster faults (issue 7): on a real 3 nsqd + 2 nsqlookupd cluster, the built CLI's pipeline
 * `nsq to-nsq --mode round-robin` → topic → `nsq to-file` (through lookupd) and `nsq tail` keeps
 * every line to-nsq accepted while nodes are killed, paused and cut off. Short runs here;
 * `npm run faults` (scripts/faults.ts) runs every scenario at length and prints the table.
 */
import {describe, expect, it} from 'vitest'
import {skipIntegration} from '../support/nsq.js'
import {runScenario, type ScenarioResult} from './cluster-faults.js'

function explain(result: ScenarioResult): string {
  return JSON.stringify({...result, diagnostics: result.diagnostics.slice(-2000)}, null, 1)
}

describe.skipIf(skipIntegration)('cluster faults: to-nsq → nsqd ×3 → to-file / tail', () => {
  it('kill -9 of an nsqd mid-stream, restarted on its data dir: nothing accepted is lost (duplicates allowed)', async () => {
    // nsqdSync 'replay': nsqd replays what it held instead of losing its in-flight messages, so
    // every accepted line must be in the archive AND in the tail's output: no "lost by nsqd" excuse.
    const result = await runScenario({
      name: 'kill-nsqd',
      messages: 3000,
      rate: 500,
      faults: ['kill-nsqd'],
      faultMs: 1500,
      toFileDiscovery: 'nsqd',
      nsqdSync: 'replay',
      seed: 7,
      recoveryTimeoutMs: 10_000,
      settleMs: 20_000,
    })
    expect(result.lost, explain(result)).toBe(0)
    expect(result.lostByNsqd, explain(result)).toBe(0)
    expect(result.archived, explain(result)).toBe(3000)
    expect(result.tailLost, explain(result)).toBe(0)
    // nsqd replays what it held (the tail prints those twice); to-file's --redelivery-window (on by
    // default) knows the ids it archived and keeps one copy.
    expect(result.tailDuplicated, explain(result)).toBeGreaterThan(0)
    expect(result.duplicated, explain(result)).toBe(0)
    expect(result.foreign, explain(result)).toBe(0)
    expect(result.accepted + result.rejected).toBe(3000)
    // to-nsq fails over to the other nsqd: a short outage of one costs nothing.
    expect(result.accepted, explain(result)).toBe(3000)
    expect(result.exitCodes, explain(result)).toEqual({toNsq: 0, toFile: 0, tail: 0})
    expect(result.faults[0]?.recoveryMs, explain(result)).toBeDefined()
  }, 60_000)

  it('connections stalled through the proxy and an nsqd SIGSTOPped, for less than msg-timeout: no loss, no duplicate', async () => {
    const result = await runScenario({
      name: 'stall-stop',
      messages: 3000,
      rate: 500,
      faults: ['stall', 'pause-nsqd'],
      faultMs: 1500,
      msgTimeoutMs: 6000,
      seed: 3,
      recoveryTimeoutMs: 10_000,
      settleMs: 20_000,
    })
    expect(result.lost, explain(result)).toBe(0)
    expect(result.foreign, explain(result)).toBe(0)
    expect(result.duplicated, explain(result)).toBe(0)
    expect(result.accepted, explain(result)).toBe(3000)
    expect(result.tailLost, explain(result)).toBe(0)
    expect(result.exitCodes, explain(result)).toEqual({toNsq: 0, toFile: 0, tail: 0})
    expect(
      result.faults.every((f) => f.recoveryMs !== undefined),
      explain(result),
    ).toBe(true)
  }, 60_000)

  it('connections cut (and refused for a while) and an nsqlookupd killed: no loss; to-file (via lookupd) and tail reconnect', async () => {
    // A cut connection may duplicate: nsqd requeues what was in flight, which to-file may already have written (it FINs after its sync).
    const result = await runScenario({
      name: 'cut-kill-lookupd',
      messages: 3000,
      rate: 500,
      faults: ['cut', 'kill-lookupd', 'cut'],
      faultMs: 1000,
      seed: 5,
      recoveryTimeoutMs: 10_000,
      settleMs: 20_000,
    })
    expect(result.lost, explain(result)).toBe(0)
    expect(result.foreign, explain(result)).toBe(0)
    expect(result.accepted, explain(result)).toBe(3000)
    expect(result.tailLost, explain(result)).toBe(0)
    expect(result.exitCodes, explain(result)).toEqual({toNsq: 0, toFile: 0, tail: 0})
    // to-file got a message from each cut-off nsqd again (lookupd's own recovery takes nsqd's 15 s re-registration: not waited for here).
    expect(
      result.faults.filter((f) => f.kind === 'cut').every((f) => f.recoveryMs !== undefined),
      explain(result),
    ).toBe(true)
  }, 60_000)

  it('a connection black-holed for 6 s (heartbeat 1 s): to-file, tail and to-nsq notice within about two heartbeats and are back within one lookupd poll interval of its end', async () => {
    const heartbeatMs = 1000
    const lookupdPollMs = 5000
    const result = await runScenario({
      name: 'stall-heartbeat',
      messages: 3000,
      rate: 300,
      faults: ['stall'],
      faultMs: 6000,
      heartbeatMs,
      lookupdPollMs,
      seed: 11,
      recoveryTimeoutMs: 20_000,
      settleMs: 20_000,
    })
    expect(result.lost, explain(result)).toBe(0)
    expect(result.foreign, explain(result)).toBe(0)
    expect(result.accepted, explain(result)).toBe(3000)
    expect(result.tailLost, explain(result)).toBe(0)
    expect(result.exitCodes, explain(result)).toEqual({toNsq: 0, toFile: 0, tail: 0})
    // Messages in flight on the dropped connection come again; to-file archived them once.
    expect(result.duplicated, explain(result)).toBe(0)
    const [stall] = result.faults
    // Two heartbeat intervals is 2 s; the dead-peer check runs every interval / 4, and a loaded
    // 2-core machine adds scheduling delay: 1 s of slack on top.
    expect(stall?.detectedBy?.toFile, explain(result)).toBeLessThanOrEqual(2 * heartbeatMs + 1000)
    expect(stall?.detectedBy?.tail, explain(result)).toBeLessThanOrEqual(2 * heartbeatMs + 1000)
    // to-nsq (publishing for 10 s; the stall starts at 1.5 s) gives up on the black-holed nsqd too and publishes on the others.
    expect(stall?.detectedBy?.toNsq, explain(result)).toBeLessThanOrEqual(2 * heartbeatMs + 1000)
    // Not at once: it is the silence that is detected (two intervals after the last byte, which may have come up to one interval before the stall began).
    expect(stall?.detectedMs, explain(result)).toBeGreaterThanOrEqual(heartbeatMs / 2)
    // to-file (via lookupd) re-polls at 1, 2, 4 … s after a lost connection; tail (nsqd addresses) reconnects with backoff capped at the poll interval.
    expect(stall?.recoveryMs, explain(result)).toBeLessThanOrEqual(lookupdPollMs)
  }, 90_000)
})
