/**
 * Relay faults (issue 12), short runs: `nsq relay` from a source nsqd to two destination nsqd
 * while a destination is killed -9 and restarted, a destination is SIGSTOPped past two heartbeats,
 * and the source nsqd is killed -9 and restarted. Nothing sent is missing at the destinations;
 * with a destination fault, every extra copy there is one the relay counted as a possible duplicate. `npm run faults`
 * (scripts/faults.ts) runs them at length and prints the table.
 */
import {describe, expect, it} from 'vitest'
import {skipIntegration} from '../support/nsq.js'
import {runRelayScenario, type RelayScenarioResult} from './relay-faults.js'

function explain(result: RelayScenarioResult): string {
  return JSON.stringify(result, null, 1)
}

function expectNoneLost(result: RelayScenarioResult, messages: number): void {
  expect(result.sent).toBe(messages)
  expect(result.lost, explain(result)).toBe(0)
  expect(result.atDestination, explain(result)).toBe(messages + result.duplicates)
  expect(result.exitCode, explain(result)).toBe(0)
}

describe.skipIf(skipIntegration)('relay faults: source nsqd → nsq relay → 2 destination nsqd', () => {
  it('kill -9 one destination nsqd mid-stream and restart it: none lost, duplicates counted', async () => {
    const result = await runRelayScenario({name: 'kill-destination', faults: ['kill-destination'], messages: 3000, rate: 1000})
    expectNoneLost(result, 3000)
    // Every extra copy is one the relay sent again (it could not know whether the dead nsqd had it).
    expect(result.duplicates, explain(result)).toBeLessThanOrEqual(result.possibleDuplicates)
  }, 120_000)

  it('SIGSTOP one destination nsqd past two heartbeats (1 s, stopped 3 s): none lost, duplicates counted', async () => {
    const result = await runRelayScenario({name: 'pause-destination', faults: ['pause-destination'], messages: 3000, rate: 1000})
    expectNoneLost(result, 3000)
    expect(result.duplicates, explain(result)).toBeLessThanOrEqual(result.possibleDuplicates)
  }, 120_000)

  it('kill -9 the source nsqd the relay reads from and restart it: none lost, duplicates counted', async () => {
    const result = await runRelayScenario({name: 'kill-source', faults: ['kill-source'], messages: 3000, rate: 1000})
    expectNoneLost(result, 3000)
    // The killed source rewinds and hands out again what it had delivered before (see relay-faults.ts).
    expect(result.duplicates, explain(result)).toBeGreaterThan(0)
  }, 120_000)
})
