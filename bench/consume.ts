/**
 * npm run bench:consume — consume the same queued 200-byte messages from one nsqd with:
 * our Consumer, nsqjs (the incumbent Node client), Go bench_reader and Go nsq_tail.
 *
 * Every contestant is measured the way bench_reader measures itself: it runs for a fixed time
 * (RUNFOR) against a channel deeper than it can drain in that time, from before it connects to
 * the end of the run, and its rate is messages finished ÷ elapsed time. (Draining a fixed count
 * instead would charge the Node contestants for nsqd's 250 ms output-buffer flush of the last
 * partial batch, a cost bench_reader never pays.) Each contestant has its own channel of one
 * topic, in its own process; contestants alternate within a round; medians over rounds.
 * Env: RUNFOR (2s), DEPTH (messages per channel, 1,500,000), ROUNDS (3), MIF (2500 RDY per
 * connection), CONNECTIONS (default: the CPU count, which is what bench_reader opens; nsq_tail
 * always opens one).
 */
import os from 'node:os'
import {spawn} from 'node:child_process'
import {Producer} from '../src/core/producer/producer.js'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd} from '../test/support/nsq.js'
import {parseDuration} from '../src/cli/units.js'
import {ensureNsqBinaries, fmt, median, parseGoBenchRate, run} from './lib.js'

const RUNFOR_MS = parseDuration(process.env.RUNFOR ?? '2s')
const DEPTH = Number(process.env.DEPTH ?? 1_500_000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const MIF = Number(process.env.MIF ?? 2500)
const SIZE = 200
const CONNECTIONS = Number(process.env.CONNECTIONS ?? os.availableParallelism())
const CONTESTANTS = ['nsq-toolkit', 'nsqjs', 'bench_reader', 'nsq_tail'] as const
type Contestant = (typeof CONTESTANTS)[number]

async function fill(address: string, topic: string, count: number): Promise<void> {
  const producer = new Producer({nsqd: [address], maxPending: 8})
  const body = Buffer.alloc(SIZE, 'x')
  const batch = Array.from({length: 500}, () => body)
  const sends: Promise<void>[] = []
  for (let sent = 0; sent < count; sent += 500) sends.push(producer.multiPublish(topic, batch.slice(0, Math.min(500, count - sent))))
  await Promise.all(sends)
  await producer.close()
}

async function worker(kind: 'ours' | 'nsqjs', address: string, topic: string, channel: string): Promise<number> {
  const result = await run(process.execPath, [
    '--import',
    'tsx',
    'bench/consume-worker.ts',
    kind,
    address,
    topic,
    channel,
    String(RUNFOR_MS),
    String(MIF),
    String(CONNECTIONS),
  ])
  if (result.code !== 0) throw new Error(`${kind} worker failed:\n${result.stderr}`)
  const {messages, seconds} = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as {messages: number; seconds: number}
  return messages / seconds
}

/** nsq_tail has no run time: count the lines it prints until RUNFOR has passed, then stop it. */
function nsqTail(address: string, topic: string, channel: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(
      `${process.env.NSQ_BIN_DIR}/nsq_tail`,
      [`--nsqd-tcp-address=${address}`, `--topic=${topic}`, `--channel=${channel}`, `--max-in-flight=${MIF}`],
      {stdio: ['ignore', 'pipe', 'pipe']},
    )
    let lines = 0
    let seconds = 0
    child.stdout.on('data', (chunk: Buffer) => {
      if (seconds > 0) return
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++
    })
    const timer = setTimeout(() => {
      seconds = (performance.now() - started) / 1000
      child.kill('SIGKILL')
    }, RUNFOR_MS)
    child.on('error', reject)
    child.on('exit', () => {
      clearTimeout(timer)
      if (seconds === 0) reject(new Error('nsq_tail exited before its run time'))
      else resolve(lines / seconds)
    })
  })
}

async function benchReader(address: string, topic: string, channel: string): Promise<number> {
  const result = await run(`${process.env.NSQ_BIN_DIR}/bench_reader`, [
    `--nsqd-tcp-address=${address}`,
    `--topic=${topic}`,
    `--channel=${channel}`,
    `--size=${SIZE}`,
    `--rdy=${MIF}`,
    `--runfor=${RUNFOR_MS}ms`,
  ])
  if (result.code !== 0) throw new Error(`bench_reader failed:\n${result.stderr}`)
  return parseGoBenchRate(result.stderr)
}

async function main(): Promise<void> {
  ensureNsqBinaries()
  const nsqd = await startNsqd({args: ['--mem-queue-size=100000000']})
  const http = new NsqdHttpClient(nsqd.httpAddress)
  const rates = new Map<Contestant, number[]>(CONTESTANTS.map((c) => [c, []]))
  process.stderr.write(
    `bench:consume — ${SIZE} B messages, ${RUNFOR_MS} ms per contestant on a channel ${fmt(DEPTH)} deep; ` +
      `${CONNECTIONS} connection(s) × RDY ${MIF} for ours, nsqjs and bench_reader (nsq_tail: 1 × ${MIF}); ${ROUNDS} rounds\n`,
  )
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const topic = `drain_${round}`
      await http.createTopic(topic)
      for (const c of CONTESTANTS) await http.createChannel(topic, c)
      await fill(nsqd.tcpAddress, topic, DEPTH)
      const line: string[] = []
      // Alternate the order between rounds so no contestant always goes first.
      const order = round % 2 === 1 ? CONTESTANTS : [...CONTESTANTS].reverse()
      for (const c of order) {
        const rate =
          c === 'nsq-toolkit'
            ? await worker('ours', nsqd.tcpAddress, topic, c)
            : c === 'nsqjs'
              ? await worker('nsqjs', nsqd.tcpAddress, topic, c)
              : c === 'nsq_tail'
                ? await nsqTail(nsqd.tcpAddress, topic, c)
                : await benchReader(nsqd.tcpAddress, topic, c)
        rates.get(c)?.push(rate)
        line.push(`${c} ${fmt(rate)}`)
      }
      process.stderr.write(`round ${round}: ${line.join(' · ')} msg/s\n`)
      await http.deleteTopic(topic)
    }
  } finally {
    await nsqd.stop()
  }
  const med = (c: Contestant): number => median(rates.get(c) ?? [])
  const ours = med('nsq-toolkit')
  const out = ['', 'consume throughput from a deep queue (median of rounds)']
  for (const c of CONTESTANTS)
    out.push(
      `  ${c.padEnd(14)} ${fmt(med(c)).padStart(10)} msg/s${c === 'nsq-toolkit' ? '' : `   ours / ${c} = ${fmt(ours / med(c), 2)}×`}`,
    )
  out.push('  targets: ≥ 1.0× the Go tools, ≥ 3× nsqjs', '')
  process.stdout.write(out.join('\n'))
}

await main()
