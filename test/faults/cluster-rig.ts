/**
 * The fault suite's rig: a 3 nsqd + 2 nsqlookupd cluster with a TCP proxy in front of each nsqd,
 * the topic and its two channels created everywhere, and what the scenario runner and the
 * injector ask of it (channel state per nsqd, lookupd listings, the tools' stderr with times).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {ChildProcess} from 'node:child_process'
import {startCluster, type Cluster, type NsqdProcess} from '../support/nsq.js'
import {startTcpProxy, type TcpProxy} from '../support/tcp-proxy.js'
import type {ScenarioOptions} from './scenario-types.js'
import {sleep} from '../support/wait.js'

/** `list[index]`, which must exist. */
export function at<T>(list: readonly T[], index: number): T {
  const item = list[index]
  if (item === undefined) throw new Error(`no item ${index}`)
  return item
}

export {sleep}

async function httpPost(url: string): Promise<void> {
  const response = await fetch(url, {method: 'POST', signal: AbortSignal.timeout(5000)})
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status}`)
}

/** What one nsqd says of a channel: each client's finish_count (by address) and whether nothing waits. */
export interface ChannelState {
  finished: Map<string, number>
  /** Nothing queued or in flight. */
  idle: boolean
}

/** The channel's state on one nsqd; undefined when nsqd does not answer in time. */
export async function channelState(nsqd: NsqdProcess, topic: string, channel: string): Promise<ChannelState | undefined> {
  try {
    const response = await fetch(`http://${nsqd.httpAddress}/stats?format=json&topic=${topic}&channel=${channel}`, {
      signal: AbortSignal.timeout(500),
    })
    if (!response.ok) return undefined
    type ChannelStats = {
      channel_name: string
      depth: number
      in_flight_count: number
      clients?: {remote_address: string; finish_count: number}[]
    }
    const stats = (await response.json()) as {topics?: {topic_name: string; channels?: ChannelStats[]}[]}
    const found = stats.topics?.find((t) => t.topic_name === topic)?.channels?.find((c) => c.channel_name === channel)
    if (found === undefined) return undefined
    return {
      finished: new Map((found.clients ?? []).map((c) => [c.remote_address, c.finish_count])),
      idle: found.depth === 0 && found.in_flight_count === 0,
    }
  } catch {
    return undefined
  }
}

/**
 * Recovered: a client finished more than it had in `baseline` (a new connection counts from 0),
 * or a client is connected and there is nothing to deliver (no traffic came back to this nsqd).
 */
export function recovered(now: ChannelState, baseline: Map<string, number>): boolean {
  for (const [client, count] of now.finished) if (count > (baseline.get(client) ?? 0)) return true
  return now.finished.size > 0 && now.idle
}

/** Waits (up to 30 s) until every nsqd has taken messages for the topic and both channels have a client there. */
export async function pipelineLive(rig: Rig): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const live = await Promise.all(
      rig.cluster.nsqd.map(async (nsqd) => {
        try {
          const response = await fetch(`http://${nsqd.httpAddress}/stats?format=json&topic=${rig.topic}`, {
            signal: AbortSignal.timeout(500),
          })
          type Stats = {topics?: {topic_name: string; message_count: number; channels?: {client_count: number}[]}[]}
          const topic = ((await response.json()) as Stats).topics?.find((t) => t.topic_name === rig.topic)
          return (
            topic !== undefined &&
            topic.message_count > 0 &&
            (topic.channels ?? []).length === 2 &&
            (topic.channels ?? []).every((c) => c.client_count > 0)
          )
        } catch {
          return false
        }
      }),
    )
    if (live.every(Boolean)) return
    if (Date.now() > deadline) throw new Error(`the pipeline did not start within 30 s (nsqd live: ${live.join(', ')})`)
    await sleep(50)
  }
}

/** How many nsqd a lookupd lists for the topic (0 when it does not answer). */
export async function producerCount(lookupdHttp: string, topic: string): Promise<number> {
  try {
    const response = await fetch(`http://${lookupdHttp}/lookup?topic=${topic}`, {signal: AbortSignal.timeout(500)})
    if (!response.ok) return 0
    const body = (await response.json()) as {producers?: unknown[]}
    return body.producers?.length ?? 0
  } catch {
    return 0
  }
}

export interface Rig {
  cluster: Cluster
  proxies: TcpProxy[]
  topic: string
  dir: string
  /** stderr lines of to-file, tail and to-nsq, with the time each arrived. */
  stderr: {toFile: TimedLine[]; tail: TimedLine[]; toNsq: TimedLine[]}
}

export interface TimedLine {
  at: number
  text: string
}

/** Collects a child's stderr as lines stamped with their arrival time. */
export function timedLines(child: ChildProcess, into: TimedLine[]): void {
  let partial = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    const now = Date.now()
    const parts = (partial + chunk.toString('utf8')).split('\n')
    partial = parts.pop() ?? ''
    for (const text of parts) into.push({at: now, text})
  })
}

/** When a tool first said it lost a connection to one of `addresses` at or after `since` (ms since then). */
export function firstLoss(lines: readonly TimedLine[], addresses: readonly string[], since: number): number | undefined {
  const hit = lines.find((l) => l.at >= since && /(^| )lost /.test(l.text) && addresses.some((a) => l.text.includes(a)))
  return hit === undefined ? undefined : hit.at - since
}

/** Starts the cluster, one proxy per nsqd TCP port, and creates the topic and its channels everywhere. */
export async function startRig(options: ScenarioOptions): Promise<Rig> {
  const msgTimeout = options.msgTimeoutMs ?? 4000
  // --mem-queue-size=0: every message goes to nsqd's disk queue. nsqd 1.3.0 still has a window
  // of its own on kill -9: its disk queue saves its read/write positions only every --sync-every
  // (2500) messages or --sync-timeout (2 s). Writes after the last save are overwritten after the
  // restart (acknowledged, then gone from every channel: see lostByNsqd), reads after it are
  // replayed (duplicates). --sync-every=1 closes the write side but makes in-flight messages lost
  // instead (measured: 171 of 36,000 in the kill -9 scenarios), so the defaults stay.
  const sync = options.nsqdSync === 'replay' ? ['--sync-every=1000000000', '--sync-timeout=24h'] : []
  const cluster = await startCluster(3, 2, ['--mem-queue-size=0', `--msg-timeout=${msgTimeout}ms`, ...sync])
  const proxies = await Promise.all(cluster.nsqd.map((n) => startTcpProxy(n.tcpAddress)))
  const topic = `faults_${options.name.replaceAll(/[^\w.-]/g, '_')}_${process.pid}_${Date.now() % 100_000}`
  for (const nsqd of cluster.nsqd) {
    await httpPost(`http://${nsqd.httpAddress}/topic/create?topic=${topic}`)
    for (const channel of ['nsq_to_file', 'faults_tail'])
      await httpPost(`http://${nsqd.httpAddress}/channel/create?topic=${topic}&channel=${channel}`)
  }
  // 'replay': a clean restart writes every queue's positions once (nsqd saves them on exit); with
  // saves off during the run, a kill -9 then rewinds each queue to that point and nsqd replays.
  // (With no positions on disk at all, nsqd would start its queues empty and write over the data.)
  if (options.nsqdSync === 'replay') for (const nsqd of cluster.nsqd) await nsqd.restart()
  const deadline = Date.now() + 15_000
  for (;;) {
    const counts = await Promise.all(cluster.lookupd.map((l) => producerCount(l.httpAddress, topic)))
    if (counts.every((c) => c === 3)) break
    if (Date.now() > deadline) throw new Error(`lookupd lists ${counts.join('/')} nsqd for ${topic}, not 3`)
    await sleep(100)
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-archive-'))
  return {cluster, proxies, topic, dir, stderr: {toFile: [], tail: [], toNsq: []}}
}
