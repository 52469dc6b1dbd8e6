/**
 * The cluster fault scenario runner (issue 7): the built CLI's pipeline `nsq to-nsq --mode
 * round-robin` → topic → `nsq to-file` and `nsq tail` on a real 3 nsqd + 2 nsqlookupd cluster,
 * while faults are injected (fault-injection.ts) on the rig (cluster-rig.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import type {ChildProcess} from 'node:child_process'
import {collect, spawnCli, type CliResult} from '../support/cli.js'
import {stopChild} from '../support/processes.js'
import {seededRandom} from '../support/seeded-random.js'
import {at, pipelineLive, sleep, startRig, timedLines} from './cluster-rig.js'
import {inject} from './fault-injection.js'
import {CONNECTION_LOSS_FAULTS, type FaultRecord, type ScenarioOptions, type ScenarioResult} from './scenario-types.js'

export * from './scenario-types.js'
export {formatTable} from './fault-table.js'

/** Every line of every archive file in `dir` (finished or in progress; not markers or manifests). */
export function readArchive(dir: string): string[] {
  const lines: string[] = []
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith('.') || name.endsWith('.json')) continue
    const text = fs.readFileSync(path.join(dir, name), 'utf8')
    for (const line of text.split('\n')) if (line !== '') lines.push(line)
  }
  return lines
}

/** Bodies of the records to-nsq wrote to its errors file. */
function rejectedBodies(file: string): Set<string> {
  const bodies = new Set<string>()
  if (!fs.existsSync(file)) return bodies
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    const record = JSON.parse(line) as {body?: string}
    if (record.body !== undefined) bodies.add(record.body)
  }
  return bodies
}

/** Collects a child's stdout as text lines (kept whole; the tail prints a few MB at most). */
function lineCollector(child: ChildProcess): {lines: () => string[]} {
  let text = ''
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (chunk: string) => (text += chunk))
  return {lines: () => text.split('\n').filter((l) => l !== '')}
}

/**
 * Runs one fault scenario on a fresh 3 nsqd + 2 nsqlookupd cluster: `nsq to-nsq --mode
 * round-robin` publishes `messages` numbered lines through a proxy per nsqd, `nsq to-file` archives
 * the topic (found through both lookupd, dialled through the proxies with --address-map; see
 * `toFileDiscovery`) and `nsq tail` reads a durable channel through the proxies, while the faults are injected. Then to-file and tail are
 * stopped with SIGTERM (they drain) and the archive is checked against what to-nsq accepted.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const log = options.log ?? (() => undefined)
  const faultMs = options.faultMs ?? 2000
  const random = seededRandom(options.seed ?? 1) // node picks replay by seed
  const rig = await startRig(options)
  const {cluster, proxies, topic, dir} = rig
  const children: ChildProcess[] = []
  try {
    const lookupdFlags = cluster.lookupd.flatMap((l) => ['--lookupd-http-address', l.httpAddress])
    const mapFlags = cluster.nsqd.flatMap((n, i) => ['--address-map', `${n.tcpAddress}=${at(proxies, i).address}`])
    const nsqdFlags = proxies.flatMap((p) => ['--nsqd-tcp-address', p.address])
    const discovery = (options.toFileDiscovery ?? 'lookupd') === 'lookupd' ? [...lookupdFlags, ...mapFlags] : nsqdFlags
    const liveness = [
      ...(options.heartbeatMs === undefined ? [] : ['--heartbeat-interval', `${options.heartbeatMs}ms`]),
      ...(options.lookupdPollMs === undefined ? [] : ['--lookupd-poll-interval', `${options.lookupdPollMs}ms`]),
    ]
    const toFile = spawnCli([
      'to-file',
      topic,
      ...discovery,
      ...liveness,
      '--output-dir',
      dir,
      '--sync-interval',
      '250ms',
      '--drain-timeout',
      '10s',
    ])
    children.push(toFile)
    timedLines(toFile, rig.stderr.toFile)
    const toFileDone = collect(toFile, {timeoutMs: 3_600_000})
    // The tail takes the other path: the nsqd addresses (through the proxies), reconnecting with backoff.
    const tail = spawnCli(['tail', topic, '--channel', 'faults_tail', ...nsqdFlags, ...liveness])
    children.push(tail)
    timedLines(tail, rig.stderr.tail)
    const tailLines = lineCollector(tail)
    let tailStderr = ''
    tail.stderr?.on('data', (chunk: Buffer) => (tailStderr += chunk.toString('utf8')))
    const tailDone = new Promise<number | null>((resolve) => tail.once('exit', (code) => resolve(code)))

    const sent = Array.from({length: options.messages}, (_, i) => `${options.name}-${String(i).padStart(8, '0')}`)
    const errorsFile = path.join(dir, '.to-nsq-errors.ndjson')
    const heartbeat = options.heartbeatMs === undefined ? [] : ['--heartbeat-interval', `${options.heartbeatMs}ms`]
    const toNsq = spawnCli([
      'to-nsq',
      topic,
      ...nsqdFlags,
      ...heartbeat,
      '--nsqd-http-address',
      at(cluster.nsqd, 0).httpAddress,
      '--mode',
      'round-robin',
      '--errors',
      errorsFile,
      '--rate',
      String(options.rate),
      '--batch-size',
      '50',
      '--json',
    ])
    children.push(toNsq)
    timedLines(toNsq, rig.stderr.toNsq)
    toNsq.stdin?.on('error', () => undefined)
    toNsq.stdin?.end(`${sent.join('\n')}\n`)
    const toNsqDone: Promise<CliResult> = collect(toNsq, {timeoutMs: 3_600_000})

    // Faults start once the pipeline is live (every nsqd has taken messages and both channels
    // have a client there), else a fault could hit a node nothing uses yet; then they are spread
    // over the first ~70% of the publishing time, one at a time.
    await pipelineLive(rig)
    const publishMs = (options.messages / options.rate) * 1000
    const start = Date.now()
    const records: FaultRecord[] = []
    const watchers: Promise<void>[] = []
    for (const [index, kind] of options.faults.entries()) {
      const at = start + publishMs * (0.15 + (0.55 * index) / Math.max(1, options.faults.length))
      if (at > Date.now()) await sleep(at - Date.now())
      // One fault at a time: the previous one's recovery is seen (or 10 s pass) before the next,
      // so a fault never lands on connections still coming back from the last one.
      const previous = watchers.at(-1)
      if (previous !== undefined) await Promise.race([previous, sleep(10_000)])
      const record = await inject(kind, rig, random, faultMs, options.recoveryTimeoutMs ?? 120_000, log, options.heartbeatMs ?? 30_000)
      records.push(record.record)
      watchers.push(record.watch())
    }
    const toNsqResult = await toNsqDone
    log(`${options.name}: to-nsq exited ${toNsqResult.code}`)

    // What to-nsq accepted: every line not in its errors file.
    const rejected = rejectedBodies(errorsFile)
    const accepted = sent.filter((line) => !rejected.has(line))
    const acceptedSet = new Set(accepted)
    let settleDeadline = Date.now() + (options.settleMs ?? 30_000)
    for (;;) {
      const archived = new Set(readArchive(dir))
      const tailSet = new Set(tailLines.lines())
      const missing = accepted.filter((l) => !archived.has(l)).length
      const tailMissing = accepted.filter((l) => !tailSet.has(l)).length
      if ((missing === 0 && tailMissing === 0) || Date.now() > settleDeadline) break
      // The archive is what the suite checks; the tail gets a few seconds more at most.
      if (missing === 0) settleDeadline = Math.min(settleDeadline, Date.now() + 5000)
      await sleep(250)
    }
    await Promise.all(watchers)
    await stopChild(toFile, 'SIGTERM', 20_000)
    await stopChild(tail, 'SIGTERM', 20_000)
    const toFileResult = await toFileDone
    const tailCode = await tailDone

    const archive = readArchive(dir)
    const counts = new Map<string, number>()
    for (const line of archive) counts.set(line, (counts.get(line) ?? 0) + 1)
    const lostLines = accepted.filter((l) => !counts.has(l))
    let duplicated = 0
    let foreign = 0
    for (const [line, count] of counts) {
      duplicated += count - 1
      if (!acceptedSet.has(line)) foreign += count
    }
    const tailPrinted = tailLines.lines()
    const tailSet = new Set(tailPrinted)
    const tailLostLines = accepted.filter((l) => !tailSet.has(l))
    // With nsqd replaying after kill -9 (nsqdSync 'replay'), every missing line is the tools'.
    const killsNsqd = options.faults.includes('kill-nsqd') && options.nsqdSync !== 'replay'
    const lostByNsqd = killsNsqd ? lostLines.filter((l) => !tailSet.has(l)) : []
    const ours = lostLines.filter((l) => !lostByNsqd.includes(l))
    const measured = records.map((r) => r.recoveryMs).filter((ms): ms is number => ms !== undefined)
    const detected = records.map((r) => r.detectedMs).filter((ms): ms is number => ms !== undefined)
    const result: ScenarioResult = {
      name: options.name,
      messagesIn: sent.length,
      accepted: accepted.length,
      rejected: rejected.size,
      archived: accepted.length - lostLines.length,
      lost: ours.length,
      lostByNsqd: lostByNsqd.length,
      duplicated,
      foreign,
      tailLost: tailLostLines.length,
      tailLostSample: tailLostLines.slice(0, 10),
      tailPrinted: tailPrinted.length,
      tailDuplicated: tailPrinted.length - tailSet.size,
      duplicateSample: [...counts]
        .filter(([, n]) => n > 1)
        .slice(0, 10)
        .map(([line, n]) => `${line} x${n} (tail x${tailPrinted.filter((l) => l === line).length})`),
      faults: records,
      recoveryMs: measured.length === 0 ? undefined : Math.max(...measured),
      detectedMs: detected.length === 0 ? undefined : Math.max(...detected),
      // A stall or stop past msg-timeout makes nsqd redeliver; past two heartbeat intervals the connection is dropped (by both sides).
      duplicatesExpected:
        options.faults.some((f) => CONNECTION_LOSS_FAULTS.has(f)) ||
        ((faultMs >= (options.msgTimeoutMs ?? 4000) || faultMs > 2 * (options.heartbeatMs ?? 30_000)) &&
          options.faults.some((f) => f === 'stall' || f === 'pause-nsqd')),
      exitCodes: {toNsq: toNsqResult.code, toFile: toFileResult.code, tail: tailCode},
      lostSample: (ours.length > 0 ? ours : lostLines).slice(0, 10),
      diagnostics:
        lostLines.length > 0 ||
        foreign > 0 ||
        records.some((r) => r.detectedBy !== undefined && (r.detectedBy.toFile === undefined || r.detectedBy.tail === undefined))
          ? `to-nsq stderr:\n${toNsqResult.stderr.slice(-3000)}\nto-file stderr:\n${toFileResult.stderr.slice(-3000)}\ntail stderr:\n${tailStderr.slice(-2000)}`
          : '',
    }
    return result
  } finally {
    await Promise.all(children.map((c) => stopChild(c, 'SIGKILL')))
    await Promise.all(proxies.map((p) => p.close()))
    for (const nsqd of cluster.nsqd) {
      try {
        nsqd.resume()
      } catch {
        // not running
      }
    }
    await cluster.stop()
    for (const nsqd of cluster.nsqd) fs.rmSync(nsqd.dataPath, {recursive: true, force: true})
    fs.rmSync(dir, {recursive: true, force: true})
  }
}
