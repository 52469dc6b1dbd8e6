/**
 * Relay faults (issue 12): the built CLI's `nsq relay` copies a topic from a source nsqd to two
 * destination nsqd (round-robin with failover) while one of them is killed (-9) and restarted,
 * SIGSTOPped for longer than two heartbeats, or the source nsqd it reads from is killed (-9) and
 * restarted. Afterwards both destinations are read back: every message sent must be there
 * (`lost` 0); copies beyond one are `duplicates` (allowed: at-least-once), and the relay's own
 * count of possible duplicates must cover them.
 *
 * nsqd keeps across kill -9 only what is on disk and synced. A destination runs with
 * `--mem-queue-size=0 --sync-every=1`: an OK it gave survives. The source cannot: nsqd keeps its
 * in-flight messages in memory only, so with its read position saved at every read a kill -9
 * loses what it had handed out and the relay had not received yet (in nsqd's output buffer or the
 * socket; test/faults/cluster-rig.ts measured the same for to-file). So the source runs as the
 * cluster suite's `replay` mode: every message is written and its queue positions saved by a clean
 * restart before the relay starts, and never again (--sync-every 1e9, --sync-timeout 24h): a
 * kill -9 rewinds the channel to its start and nsqd hands everything out again. A message missing
 * at the destinations is then the relay's fault, and the check is strict; nsqd's replays come out
 * as duplicates the relay cannot know of (they arrive as first deliveries, attempts 1).
 * Used by relay-faults.integration.test.ts (short runs), relay.e2e.test.ts and scripts/faults.ts.
 */
import {NsqdHttpClient, Producer} from '../../src/core/index.js'
import {collect, spawnCli} from '../support/cli.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'
import {channelCounts, readBack, waitFor} from '../support/read-back.js'

export type RelayFault = 'kill-destination' | 'pause-destination' | 'kill-source'

export interface RelayScenarioOptions {
  name: string
  faults: readonly RelayFault[]
  messages: number
  /** The relay's --rate (so the faults land mid-stream). */
  rate: number
  /** How long a killed nsqd stays down / a paused one stopped (ms, default 1000 / 3000). */
  faultMs?: number
  /** Both sides' heartbeat interval (ms, default 1000: a 3 s SIGSTOP is past two of them). */
  heartbeatMs?: number
  log?: (line: string) => void
}

export interface RelayScenarioResult {
  name: string
  /** Messages published to the source. */
  sent: number
  /** Source messages the relay says the destination acknowledged (its summary). */
  relayed: number
  /** Messages read back from the destinations, copies included. */
  atDestination: number
  /** Messages sent that are at no destination. */
  lost: number
  /** Copies beyond the first at the destinations. */
  duplicates: number
  /** The relay's summary: messages it sent again or got again from the source (may be duplicates). */
  possibleDuplicates: number
  /** Messages the relay counted as REQ'd at its end. */
  requeued: number
  exitCode: number | null
  /** The relay's stderr (its last 3000 characters) and what went wrong, for a failed assertion. */
  diagnostics: string
}

const DURABLE = ['--mem-queue-size=0', '--sync-every=1']
const REPLAY = ['--mem-queue-size=0', '--sync-every=1000000000', '--sync-timeout=24h']

async function publish(nsqd: NsqdProcess, topic: string, bodies: readonly Buffer[]): Promise<void> {
  const producer = new Producer({nsqd: [nsqd.tcpAddress]})
  await producer.connect()
  for (let i = 0; i < bodies.length; i += 500) await producer.multiPublish(topic, bodies.slice(i, i + 500))
  await producer.close()
}

/** Messages the destination topic holds (its depth: it has no channel until read back; message_count restarts with nsqd). */
async function topicCount(nsqd: NsqdProcess, topic: string): Promise<number> {
  try {
    const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic})
    return stats.topics.find((t) => t.topic_name === topic)?.depth ?? 0
  } catch {
    return 0 // down or stopped right now
  }
}

let seq = 0

/** Runs one scenario on its own nsqd (stopped at the end) and the built CLI. */
export async function runRelayScenario(options: RelayScenarioOptions): Promise<RelayScenarioResult> {
  const log = options.log ?? (() => undefined)
  const killsSource = options.faults.includes('kill-source')
  const heartbeatMs = options.heartbeatMs ?? 1000
  const source = await startNsqd({args: killsSource ? REPLAY : [`--mem-queue-size=${options.messages * 2}`]})
  const destinations = await Promise.all([startNsqd({args: DURABLE}), startNsqd({args: DURABLE})])
  const topic = `relay_fault_${process.pid}_${++seq}`
  const channel = 'nsq_to_nsq'
  const bodies = Array.from({length: options.messages}, (_, i) => Buffer.from(`${options.name}:${i}`))
  const notes: string[] = []
  try {
    const api = new NsqdHttpClient(source.httpAddress)
    await api.createTopic(topic)
    await api.createChannel(topic, channel)
    await publish(source, topic, bodies)
    // Saves the queues' positions (every message written, none read) once: see the top of this file.
    if (killsSource) await source.restart()
    const child = spawnCli([
      'relay',
      '--topic',
      topic,
      '--nsqd-tcp-address',
      source.tcpAddress,
      '--destination-nsqd-tcp-address',
      destinations[0].tcpAddress,
      '--destination-nsqd-tcp-address',
      destinations[1].tcpAddress,
      '--mode',
      'round-robin',
      '--rate',
      String(options.rate),
      '--heartbeat-interval',
      `${heartbeatMs}ms`,
      '--json',
    ])
    const done = collect(child, {timeoutMs: 600_000})
    const atDestinations = async (): Promise<number> =>
      (await topicCount(destinations[0], topic)) + (await topicCount(destinations[1], topic))
    const faults = options.faults
    for (const [i, fault] of faults.entries()) {
      // Spread the faults over the run: the i-th once (i+1)/(n+1) of the messages arrived.
      const mark = Math.floor((options.messages * (i + 1)) / (faults.length + 1))
      const reached = await waitFor(async () => (await atDestinations()) >= mark, 60_000, `${mark} relayed before fault ${i + 1}`).then(
        () => true,
        (error: unknown) => {
          notes.push(`${String(error)} (at ${new Date().toISOString()})`)
          return false
        },
      )
      if (!reached) break
      const victim = fault === 'kill-source' ? source : (destinations[i % 2] as NsqdProcess)
      log(`${options.name}: ${fault} ${victim.tcpAddress} at ${await atDestinations()} relayed`)
      if (fault === 'pause-destination') {
        victim.pause()
        await new Promise((resolve) => setTimeout(resolve, options.faultMs ?? 3 * heartbeatMs))
        victim.resume()
      } else {
        await victim.kill()
        await new Promise((resolve) => setTimeout(resolve, options.faultMs ?? 1000))
        await victim.restart()
      }
    }
    await waitFor(
      async () => {
        const counts = await channelCounts(source.httpAddress, topic, channel).catch(() => undefined)
        return counts !== undefined && counts.depth === 0 && counts.inFlight === 0
      },
      notes.length > 0 ? 1000 : 180_000,
      'source channel drained',
    ).catch((error: unknown) => notes.push(String(error)))
    await stopChild(child, 'SIGINT', 60_000)
    const result = await done
    let summary = {relayed: 0, possible_duplicates: 0, requeued: 0}
    try {
      summary = JSON.parse(result.stdout.toString('utf8')) as typeof summary
    } catch {
      notes.push(`no JSON summary: ${result.stdout.toString('utf8').slice(0, 500)}`)
    }
    const copied = (await Promise.all(destinations.map((d) => readBack(d.tcpAddress, topic, 'readback', undefined, 3000)))).flat()
    const counts = new Map<string, number>()
    for (const body of copied) {
      const key = body.toString('utf8')
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    const missing = bodies.filter((b) => !counts.has(b.toString('utf8')))
    if (missing.length > 0) notes.push(`lost e.g. ${missing.slice(0, 5).join(' ')}`)
    return {
      name: options.name,
      sent: bodies.length,
      relayed: summary.relayed,
      atDestination: copied.length,
      lost: missing.length,
      duplicates: copied.length - counts.size,
      possibleDuplicates: summary.possible_duplicates,
      requeued: summary.requeued,
      exitCode: result.code,
      diagnostics: `${notes.join('\n')}\n${result.stderr.slice(-3000)}`,
    }
  } finally {
    await Promise.all([source, ...destinations].map((n) => n.stop()))
  }
}

/** `scenario | sent | relayed | at destination | lost | duplicates | possible duplicates (relay's count) | exit`. */
export function formatRelayTable(results: readonly RelayScenarioResult[]): string {
  const header = ['relay scenario', 'sent', 'relayed', 'at destination', 'lost', 'duplicates', 'possible dup. (relay)', 'exit']
  const rows = results.map((r) => [
    r.name,
    String(r.sent),
    String(r.relayed),
    String(r.atDestination),
    String(r.lost),
    String(r.duplicates),
    String(r.possibleDuplicates),
    String(r.exitCode),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')
  const lost = results.reduce((sum, r) => sum + r.lost, 0)
  const duplicates = results.reduce((sum, r) => sum + r.duplicates, 0)
  const sent = results.reduce((sum, r) => sum + r.sent, 0)
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
    `${results.length} relay scenarios, ${sent} messages, ${lost} lost, ${duplicates} duplicates`,
  ].join('\n')
}
