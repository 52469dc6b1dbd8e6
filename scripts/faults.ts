/**
 * The cluster fault suite at length: every scenario of test/faults/cluster-faults.ts with more
 * messages and more faults than `npm test` runs, on a real 3 nsqd + 2 nsqlookupd cluster, with the
 * built CLI. Prints `scenario | messages in | archived | lost | lost by nsqd (kill -9) |
 * duplicated | tail: duplicated | stall detected | recovery time` (duplicated: in the archive;
 * the tail, which keeps no ids, shows what nsqd redelivered) and ends with `N scenarios, M messages, L lost,
 * D duplicated`. Exits 1 when a line was lost by the tools, duplicated in a scenario without a
 * crash, or when a stall longer than two heartbeat intervals went unnoticed by to-file or tail.
 *
 * Then the relay scenarios (test/faults/relay-faults.ts): `relay scenario | sent | relayed | at
 * destination | lost | duplicates | possible dup. (relay) | exit`; lost must be 0.
 *
 *   npx tsx scripts/faults.ts            (FAULTS_MESSAGES=20000 FAULTS_ONLY=kill-nsqd to narrow;
 *                                         FAULTS_ONLY=relay for the relay's; FAULTS_RELAY_MESSAGES, FAULTS_RELAY_RATE)
 */
import {execFileSync} from 'node:child_process'
import {formatTable, runScenario, type ScenarioOptions, type ScenarioResult} from '../test/faults/cluster-faults.js'
import {formatRelayTable, runRelayScenario, type RelayScenarioOptions, type RelayScenarioResult} from '../test/faults/relay-faults.js'

process.env.NSQ_BIN_DIR ??= execFileSync(process.execPath, ['scripts/ensure-nsq.mjs'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
}).trim()

const messages = Number(process.env.FAULTS_MESSAGES ?? 12_000)
const rate = Number(process.env.FAULTS_RATE ?? 600)
const only = process.env.FAULTS_ONLY

type Scenario = Pick<ScenarioOptions, 'name' | 'faults'> & Partial<ScenarioOptions>
// In lookupd mode a killed nsqd is found again only at to-file's next lookupd poll (60 s ± 30 %):
// those scenarios wait long enough for it.
const scenarios: Scenario[] = [
  {name: 'baseline (no fault)', faults: []},
  {
    name: 'kill -9 nsqd (to-file via lookupd)',
    faults: ['kill-nsqd', 'kill-nsqd', 'kill-nsqd'],
    settleMs: 150_000,
    recoveryTimeoutMs: 150_000,
  },
  {name: 'kill -9 nsqd (to-file via nsqd addresses)', faults: ['kill-nsqd', 'kill-nsqd', 'kill-nsqd'], toFileDiscovery: 'nsqd'},
  {name: 'kill -9 lookupd', faults: ['kill-lookupd', 'kill-lookupd', 'kill-lookupd']},
  {name: 'SIGSTOP nsqd 2s', faults: ['pause-nsqd', 'pause-nsqd', 'pause-nsqd'], msgTimeoutMs: 6000},
  {name: 'cut connections 2s', faults: ['cut', 'cut', 'cut', 'cut']},
  {name: 'stall connections 2s', faults: ['stall', 'stall', 'stall'], msgTimeoutMs: 6000},
  {name: 'stall 8s (past msg-timeout 4s)', faults: ['stall', 'stall'], faultMs: 8000},
  {
    name: 'kill -9 nsqd, nsqd replaying (strict)',
    faults: ['kill-nsqd', 'kill-nsqd', 'kill-nsqd'],
    toFileDiscovery: 'nsqd',
    nsqdSync: 'replay',
  },
  {name: 'stall 6s, heartbeat 1s', faults: ['stall', 'stall', 'stall'], faultMs: 6000, heartbeatMs: 1000, lookupdPollMs: 5000, rate: 300},
  {
    name: 'SIGSTOP nsqd 6s, heartbeat 1s',
    faults: ['pause-nsqd', 'pause-nsqd'],
    faultMs: 6000,
    heartbeatMs: 1000,
    lookupdPollMs: 5000,
    rate: 300,
  },
  {
    name: 'mixed',
    faults: ['cut', 'kill-lookupd', 'pause-nsqd', 'stall', 'kill-nsqd', 'cut'],
    settleMs: 150_000,
    recoveryTimeoutMs: 150_000,
  },
]

const results: ScenarioResult[] = []
let failed = false
for (const [index, scenario] of scenarios.entries()) {
  if (only !== undefined && !scenario.name.includes(only)) continue
  const result = await runScenario({messages, rate, seed: index + 1, ...scenario, log: (line) => process.stderr.write(`${line}\n`)})
  results.push(result)
  const recoveries = result.faults
    .map(
      (f) =>
        `${f.kind} ${f.target} ${f.recoveryMs === undefined ? '-' : `${f.recoveryMs} ms`}${f.detectedBy === undefined ? '' : ` (detected by to-file ${f.detectedBy.toFile ?? '-'} ms, tail ${f.detectedBy.tail ?? '-'} ms, to-nsq ${f.detectedBy.toNsq ?? '-'} ms)`}`,
    )
    .join(', ')
  process.stderr.write(
    `${result.name}: accepted ${result.accepted}, rejected ${result.rejected}, archived ${result.archived}, lost ${result.lost}, duplicated ${result.duplicated}, foreign ${result.foreign}, tail lost ${result.tailLost} ${result.tailLostSample.join(' ')}, tail duplicated ${result.tailDuplicated}; duplicates e.g. ${result.duplicateSample.join(', ')}; exit ${JSON.stringify(result.exitCodes)}; ${recoveries}\n`,
  )
  const stallMissed =
    scenario.heartbeatMs !== undefined && (scenario.faultMs ?? 2000) > 2 * scenario.heartbeatMs
      ? result.faults.filter((f) => (f.kind === 'stall' || f.kind === 'pause-nsqd') && f.detectedMs === undefined).length
      : 0
  if (stallMissed > 0) process.stderr.write(`${result.name}: ${stallMissed} stall(s) not detected by both tools\n`)
  if (result.lost > 0 || result.foreign > 0 || stallMissed > 0 || (result.duplicated > 0 && !result.duplicatesExpected)) {
    failed = true
    process.stderr.write(`${result.name}: FAILED. lost e.g. ${result.lostSample.join(' ')}\n${result.diagnostics}\n`)
  }
}
process.stdout.write(`${formatTable(results)}\n`)

// Relay (issue 12): source nsqd → nsq relay → 2 destination nsqd (round-robin), see test/faults/relay-faults.ts.
const relayMessages = Number(process.env.FAULTS_RELAY_MESSAGES ?? 20_000)
const relayRate = Number(process.env.FAULTS_RELAY_RATE ?? 2000)
const relayScenarios: (Pick<RelayScenarioOptions, 'name' | 'faults'> & Partial<RelayScenarioOptions>)[] = [
  {name: 'relay: baseline (no fault)', faults: []},
  {name: 'relay: kill -9 a destination nsqd, restart', faults: ['kill-destination', 'kill-destination', 'kill-destination']},
  {
    name: 'relay: SIGSTOP a destination nsqd 3s (heartbeat 1s)',
    faults: ['pause-destination', 'pause-destination', 'pause-destination'],
  },
  {name: 'relay: kill -9 the source nsqd, restart', faults: ['kill-source', 'kill-source']},
]
const relayResults: RelayScenarioResult[] = []
for (const scenario of relayScenarios) {
  if (only !== undefined && !scenario.name.includes(only)) continue
  const result = await runRelayScenario({
    messages: relayMessages,
    rate: relayRate,
    ...scenario,
    log: (line) => process.stderr.write(`${line}\n`),
  })
  relayResults.push(result)
  // With a destination fault every extra copy is one the relay sent again and counted; a killed source replays on its own.
  const uncounted = !scenario.faults.includes('kill-source') && result.duplicates > result.possibleDuplicates
  if (result.lost > 0 || result.exitCode !== 0 || uncounted || (scenario.faults.length === 0 && result.duplicates > 0)) {
    failed = true
    process.stderr.write(`${result.name}: FAILED\n${result.diagnostics}\n`)
  }
}
if (relayResults.length > 0) process.stdout.write(`\n${formatRelayTable(relayResults)}\n`)
if (failed) process.exitCode = 1
