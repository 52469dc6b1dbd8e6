/**
 * npm run bench:defaults — `nsq bench pub` / `sub` against Go's bench_writer / bench_reader, each
 * with its DEFAULTS, as a user comparing the two would run them: only the address, the topic
 * (and channel) and the run time are given, the same on both sides. One nsqd, rounds alternating
 * (the order flips every round), medians and the median of the per-round ratios.
 *
 * - pub: `bench_writer --runfor S` (GOMAXPROCS connections, MPUB 200, 200 B) vs
 *   `nsq bench pub -d S` (one client per core, its own defaults for batch, pipeline and size).
 * - sub: each side drains its own topic pre-filled with FILL messages of 200 B (more than
 *   either drains in S): `bench_reader --topic T --channel ch --runfor S` vs
 *   `nsq bench sub --topic T --channel ch -d S` (one client per core, RDY 2500 as bench_reader).
 * Env: ROUNDS (3), SECONDS (5), FILL (1500000).
 */
import os from 'node:os'
import path from 'node:path'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {Producer} from '../src/core/producer/producer.js'
import {startNsqd, type NsqdProcess} from '../test/support/nsq.js'
import {ensureNsqBinaries, fmt, median, parseGoBenchRate, run} from './lib.js'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const SECONDS = Number(process.env.SECONDS ?? 5)
const FILL = Number(process.env.FILL ?? 1_500_000)
const CLI = path.resolve('bin/run.js')

interface Pair {
  go: number[]
  ours: number[]
}

async function ours(args: string[]): Promise<number> {
  const result = await run(process.execPath, [CLI, 'bench', ...args, '--json', '--no-progress'])
  if (result.code !== 0) throw new Error(`nsq bench ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}`)
  const banner = /clients=([^,\]]+)/.exec(result.stderr)?.[1]
  if (banner !== undefined && !banner.includes('one per core'))
    throw new Error(`expected the per-core default, banner says clients=${banner}`)
  return (JSON.parse(result.stdout) as {msgs_per_sec: number}).msgs_per_sec
}

async function go(name: string, args: string[]): Promise<number> {
  const result = await run(path.join(process.env.NSQ_BIN_DIR as string, name), args)
  if (result.code !== 0) throw new Error(`${name} failed:\n${result.stderr}`)
  return parseGoBenchRate(result.stderr)
}

async function fill(address: string, topic: string, count: number): Promise<void> {
  const producer = new Producer({nsqd: [address], maxPending: 8})
  const batch = Array.from({length: 500}, () => Buffer.alloc(200))
  const sends: Promise<void>[] = []
  for (let sent = 0; sent < count; sent += 500) {
    sends.push(producer.multiPublish(topic, batch.slice(0, Math.min(500, count - sent))))
    if (sends.length >= 64) await Promise.all(sends.splice(0))
  }
  await Promise.all(sends)
  await producer.close()
}

async function round(nsqd: NsqdProcess, http: NsqdHttpClient, n: number, pub: Pair, sub: Pair): Promise<void> {
  const address = ['--nsqd-tcp-address', nsqd.tcpAddress, '--nsqd-http-address', nsqd.httpAddress]
  const goPub = async (): Promise<void> => {
    const topic = `defaults_bw_${n}`
    pub.go.push(await go('bench_writer', [`--nsqd-tcp-address=${nsqd.tcpAddress}`, `--topic=${topic}`, `--runfor=${SECONDS}s`]))
    await http.deleteTopic(topic)
  }
  const ourPub = async (): Promise<void> => {
    pub.ours.push(await ours(['pub', ...address, '--duration', `${SECONDS}s`]))
  }
  const prepare = async (topic: string): Promise<void> => {
    await http.createTopic(topic)
    await http.createChannel(topic, 'ch')
    await fill(nsqd.tcpAddress, topic, FILL)
  }
  const goSub = async (): Promise<void> => {
    const topic = `defaults_br_${n}`
    await prepare(topic)
    sub.go.push(
      await go('bench_reader', [`--nsqd-tcp-address=${nsqd.tcpAddress}`, `--topic=${topic}`, '--channel=ch', `--runfor=${SECONDS}s`]),
    )
    await http.deleteTopic(topic)
  }
  const ourSub = async (): Promise<void> => {
    const topic = `defaults_sub_${n}`
    await prepare(topic)
    sub.ours.push(await ours(['sub', ...address, '--topic', topic, '--channel', 'ch', '--duration', `${SECONDS}s`]))
    await http.deleteTopic(topic)
  }
  for (const step of n % 2 === 1 ? [goPub, ourPub, goSub, ourSub] : [ourPub, goPub, ourSub, goSub]) await step()
}

function report(title: string, theirs: string, pair: Pair): string[] {
  const ratios = pair.ours.map((r, i) => r / (pair.go[i] as number))
  return [
    title,
    `  ${theirs.padEnd(16)} ${fmt(median(pair.go)).padStart(10)} msg/s   rounds: ${pair.go.map((r) => fmt(r)).join(', ')}`,
    `  nsq bench        ${fmt(median(pair.ours)).padStart(10)} msg/s   rounds: ${pair.ours.map((r) => fmt(r)).join(', ')}`,
    `  ratio (ours/Go)  ${fmt(median(ratios), 2)}× median of per-round ratios (${ratios.map((r) => fmt(r, 2)).join(', ')}); target ≥ 1.0×`,
  ]
}

async function main(): Promise<void> {
  ensureNsqBinaries()
  const nsqd = await startNsqd({args: ['--mem-queue-size=10000000']})
  const http = new NsqdHttpClient(nsqd.httpAddress)
  const load = (): string =>
    os
      .loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')
  process.stderr.write(
    `bench:defaults — both sides at their defaults, ${os.availableParallelism()} cores, ${SECONDS}s runs, ${ROUNDS} rounds; load average ${load()}\n`,
  )
  const pub: Pair = {go: [], ours: []}
  const sub: Pair = {go: [], ours: []}
  try {
    for (let n = 1; n <= ROUNDS; n++) {
      await round(nsqd, http, n, pub, sub)
      process.stderr.write(
        `round ${n}: bench_writer ${fmt(pub.go.at(-1) ?? 0)} · nsq bench pub ${fmt(pub.ours.at(-1) ?? 0)} · bench_reader ${fmt(sub.go.at(-1) ?? 0)} · nsq bench sub ${fmt(sub.ours.at(-1) ?? 0)} msg/s\n`,
      )
    }
  } finally {
    await nsqd.stop()
  }
  process.stdout.write(
    [
      '',
      ...report('publish at defaults (nsq bench pub vs bench_writer)', 'Go bench_writer', pub),
      ...report('consume at defaults (nsq bench sub vs bench_reader, pre-filled topic)', 'Go bench_reader', sub),
      `load average after: ${load()}`,
      '',
    ].join('\n'),
  )
}

await main()
