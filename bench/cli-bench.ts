/**
 * npm run bench:cli — the `nsq bench` CLI (built: bin/run.js) against Go's bench_writer and
 * bench_reader, one nsqd, same run, rounds alternating (the order flips every round), medians.
 *
 * - pub: 200 B messages in MPUB batches of 200 for SECONDS, over as many connections as
 *   bench_writer opens (GOMAXPROCS = CPU count): `nsq bench pub -c N -b 200 --size 200 -d …`.
 * - sub: both drain their own pre-filled channel (FILL messages of 200 B, more than either
 *   drains in SUB_SECONDS) for SUB_SECONDS with N connections and RDY 2500:
 *   `nsq bench sub -c N --max-in-flight 2500 -d …` vs `bench_reader --rdy 2500 --runfor …`. Ours asks
 *   nsqd for a 64 KiB output buffer by default; a third contestant runs ours with nsqd's default
 *   16 KiB (what bench_reader gets), for a like-for-like figure.
 * With more than one client `nsq bench` puts each on its own worker thread (as the Go tools use
 * GOMAXPROCS threads). Each side's own figure is used (bench_* print ops/s; ours msgs_per_sec).
 * Env: ROUNDS (5), SECONDS (5), SUB_SECONDS (2), FILL (1500000), CLIENTS (CPU count), PIPELINE (4).
 */
import os from 'node:os'
import path from 'node:path'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {Producer} from '../src/core/producer/producer.js'
import {startNsqd} from '../test/support/nsq.js'
import {ensureNsqBinaries, fmt, median, parseGoBenchRate, run} from './lib.js'

const ROUNDS = Number(process.env.ROUNDS ?? 5)
const SECONDS = Number(process.env.SECONDS ?? 5)
const SUB_SECONDS = Number(process.env.SUB_SECONDS ?? 2)
const FILL = Number(process.env.FILL ?? 1_500_000)
const CLIENTS = Number(process.env.CLIENTS ?? os.availableParallelism())
const PIPELINE = Number(process.env.PIPELINE ?? 4)
const SIZE = 200
const BATCH = 200
const RDY = 2500
const CLI = path.resolve('bin/run.js')

interface Pair {
  go: number[]
  ours: number[]
}

async function ourBench(args: string[]): Promise<number> {
  const result = await run(process.execPath, [CLI, 'bench', ...args, '--json', '--no-progress'])
  if (result.code !== 0) throw new Error(`nsq bench ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}`)
  const summary = JSON.parse(result.stdout) as {msgs_per_sec: number; disturbed: boolean}
  if (summary.disturbed) process.stderr.write('  (nsq bench reported a disturbed run)\n')
  return summary.msgs_per_sec
}

async function fill(address: string, topic: string, count: number): Promise<void> {
  const producer = new Producer({nsqd: [address], maxPending: 8})
  const batch = Array.from({length: 500}, () => Buffer.alloc(SIZE))
  const sends: Promise<void>[] = []
  for (let sent = 0; sent < count; sent += 500) {
    sends.push(producer.multiPublish(topic, batch.slice(0, Math.min(500, count - sent))))
    if (sends.length >= 64) await Promise.all(sends.splice(0))
  }
  await Promise.all(sends)
  await producer.close()
}

/** Deletes a bench topic; a busy nsqd that drops the HTTP request only costs a warning (and memory). */
async function dropTopic(http: NsqdHttpClient, topic: string): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await http.deleteTopic(topic)
      return
    } catch (error) {
      if (attempt === 3) process.stderr.write(`  (could not delete ${topic}: ${(error as Error).message})\n`)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
}

async function pubRound(nsqd: {tcpAddress: string; httpAddress: string}, http: NsqdHttpClient, round: number, pair: Pair): Promise<void> {
  const go = async (): Promise<void> => {
    const topic = `cli_bw_${round}`
    const result = await run(path.join(process.env.NSQ_BIN_DIR as string, 'bench_writer'), [
      `--nsqd-tcp-address=${nsqd.tcpAddress}`,
      `--topic=${topic}`,
      `--size=${SIZE}`,
      `--batch-size=${BATCH}`,
      `--runfor=${SECONDS}s`,
    ])
    if (result.code !== 0) throw new Error(`bench_writer failed:\n${result.stderr}`)
    pair.go.push(parseGoBenchRate(result.stderr))
    await dropTopic(http, topic)
  }
  const ours = async (): Promise<void> => {
    pair.ours.push(
      await ourBench([
        'pub',
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
        '--nsqd-http-address',
        nsqd.httpAddress,
        '--clients',
        String(CLIENTS),
        '--size',
        String(SIZE),
        '--batch-size',
        String(BATCH),
        '--pipeline',
        String(PIPELINE),
        '--duration',
        `${SECONDS}s`,
      ]),
    )
  }
  if (round % 2 === 1) {
    await go()
    await ours()
  } else {
    await ours()
    await go()
  }
}

async function subRound(
  nsqd: {tcpAddress: string; httpAddress: string},
  http: NsqdHttpClient,
  round: number,
  pair: Pair,
  likeForLike: number[],
): Promise<void> {
  const prepare = async (topic: string, channel: string): Promise<void> => {
    await http.createTopic(topic)
    await http.createChannel(topic, channel)
    await fill(nsqd.tcpAddress, topic, FILL)
  }
  const go = async (): Promise<void> => {
    const topic = `cli_br_${round}`
    await prepare(topic, 'ch')
    const result = await run(path.join(process.env.NSQ_BIN_DIR as string, 'bench_reader'), [
      `--nsqd-tcp-address=${nsqd.tcpAddress}`,
      `--topic=${topic}`,
      '--channel=ch',
      `--size=${SIZE}`,
      `--rdy=${RDY}`,
      `--runfor=${SUB_SECONDS}s`,
    ])
    if (result.code !== 0) throw new Error(`bench_reader failed:\n${result.stderr}`)
    pair.go.push(parseGoBenchRate(result.stderr))
    await dropTopic(http, topic)
  }
  const ours = (extra: string[], into: number[]) => async (): Promise<void> => {
    const topic = `cli_sub_${round}_${into === pair.ours ? 'default' : 'nsqd16k'}`
    await prepare(topic, 'ch')
    into.push(
      await ourBench([
        'sub',
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
        '--nsqd-http-address',
        nsqd.httpAddress,
        '--topic',
        topic,
        '--channel',
        'ch',
        '--clients',
        String(CLIENTS),
        '--size',
        String(SIZE),
        '--max-in-flight',
        String(RDY),
        '--duration',
        `${SUB_SECONDS}s`,
        ...extra,
      ]),
    )
    await dropTopic(http, topic)
  }
  // The order rotates every round, so no contestant always runs first.
  const contestants = [go, ours([], pair.ours), ours(['--output-buffer-size', '16384'], likeForLike)]
  for (let i = 0; i < contestants.length; i++) await (contestants[(i + round) % contestants.length] as () => Promise<void>)()
}

function report(title: string, theirs: string, pair: Pair): string[] {
  const ratios = pair.ours.map((r, i) => r / (pair.go[i] as number))
  return [
    title,
    `  ${theirs.padEnd(18)} ${fmt(median(pair.go)).padStart(12)} msg/s  ${fmt((median(pair.go) * SIZE) / 1048576, 1).padStart(7)} MiB/s   rounds: ${pair.go.map((r) => fmt(r)).join(', ')}`,
    `  nsq bench          ${fmt(median(pair.ours)).padStart(12)} msg/s  ${fmt((median(pair.ours) * SIZE) / 1048576, 1).padStart(7)} MiB/s   rounds: ${pair.ours.map((r) => fmt(r)).join(', ')}`,
    `  ratio (ours / Go)  ${fmt(median(ratios), 2)}× median of per-round ratios (${ratios.map((r) => fmt(r, 2)).join(', ')}); target ≥ 1.0×`,
  ]
}

async function main(): Promise<void> {
  ensureNsqBinaries()
  const nsqd = await startNsqd({args: ['--mem-queue-size=10000000']})
  const http = new NsqdHttpClient(nsqd.httpAddress)
  process.stderr.write(
    `bench:cli — ${SIZE} B messages, ${CLIENTS} connections each side, ${ROUNDS} rounds alternating; pub: MPUB ${BATCH}, ${SECONDS}s, pipeline ${PIPELINE}; sub: ${fmt(FILL)} queued, ${SUB_SECONDS}s, RDY ${RDY}\n`,
  )
  const pub: Pair = {go: [], ours: []}
  const sub: Pair = {go: [], ours: []}
  const sub16k: number[] = []
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      await pubRound(nsqd, http, round, pub)
      process.stderr.write(
        `round ${round} pub: bench_writer ${fmt(pub.go.at(-1) ?? 0)} · nsq bench pub ${fmt(pub.ours.at(-1) ?? 0)} msg/s\n`,
      )
      await subRound(nsqd, http, round, sub, sub16k)
      process.stderr.write(
        `round ${round} sub: bench_reader ${fmt(sub.go.at(-1) ?? 0)} · nsq bench sub ${fmt(sub.ours.at(-1) ?? 0)} · with nsqd's 16 KiB buffer ${fmt(sub16k.at(-1) ?? 0)} msg/s\n`,
      )
    }
  } finally {
    await nsqd.stop()
  }
  process.stdout.write(
    [
      '',
      ...report('publish (nsq bench pub vs bench_writer, 200 B, MPUB 200)', 'Go bench_writer', pub),
      ...report('consume (nsq bench sub vs bench_reader, RDY 2500; ours asks nsqd for a 64 KiB output buffer)', 'Go bench_reader', sub),
      ...report(
        "consume, like for like (nsq bench sub --output-buffer-size 16384, nsqd's default that bench_reader gets)",
        'Go bench_reader',
        {go: sub.go, ours: sub16k},
      ),
      '',
    ].join('\n'),
  )
}

await main()
