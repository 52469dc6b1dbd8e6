/**
 * npm run bench:consume — drain the same queued 200-byte messages from one nsqd with:
 * our Consumer, nsqjs (the incumbent Node client), Go bench_reader and Go nsq_tail.
 *
 * Each contestant drains its own channel of one topic (so each sees the same COUNT messages),
 * in its own process, rounds alternating; medians are quoted. bench_reader runs for a fixed
 * time and reports ops/s, so its channel holds more than it can drain in that time.
 * Env: COUNT (200000), ROUNDS (3), MIF (2500, max-in-flight / RDY per connection), CONNECTIONS
 * (default: the CPU count, which is what bench_reader opens; nsq_tail always opens one).
 */
import os from 'node:os'
import {Producer} from '../src/core/producer/producer.js'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd} from '../test/support/nsq.js'
import {ensureNsqBinaries, fmt, median, parseGoBenchRate, run} from './lib.js'

const COUNT = Number(process.env.COUNT ?? 200_000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const MIF = Number(process.env.MIF ?? 2500)
const SIZE = 200
/** bench_reader opens GOMAXPROCS connections, each with RDY = --rdy; the Node contestants match it. */
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
  const result = await run(process.execPath, ['--import', 'tsx', 'bench/consume-worker.ts', kind, address, topic, channel, String(COUNT), String(MIF), String(CONNECTIONS)])
  if (result.code !== 0) throw new Error(`${kind} worker failed:\n${result.stderr}`)
  const {messages, seconds} = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as {messages: number; seconds: number}
  return messages / seconds
}

async function nsqTail(address: string, topic: string, channel: string): Promise<number> {
  const started = performance.now()
  const result = await run(`${process.env.NSQ_BIN_DIR}/nsq_tail`, [`--nsqd-tcp-address=${address}`, `--topic=${topic}`, `--channel=${channel}`, `-n=${COUNT}`, `--max-in-flight=${MIF}`])
  const seconds = (performance.now() - started) / 1000
  const lines = result.stdout.split('\n').length - 1
  if (result.code !== 0 || lines !== COUNT) throw new Error(`nsq_tail printed ${lines}/${COUNT} (exit ${result.code}):\n${result.stderr.slice(-500)}`)
  return COUNT / seconds
}

async function benchReader(address: string, topic: string, channel: string): Promise<number> {
  const result = await run(`${process.env.NSQ_BIN_DIR}/bench_reader`, [`--nsqd-tcp-address=${address}`, `--topic=${topic}`, `--channel=${channel}`, `--size=${SIZE}`, `--rdy=${MIF}`, '--runfor=2s'])
  if (result.code !== 0) throw new Error(`bench_reader failed:\n${result.stderr}`)
  return parseGoBenchRate(result.stderr)
}

async function main(): Promise<void> {
  ensureNsqBinaries()
  const nsqd = await startNsqd({args: ['--mem-queue-size=10000000']})
  const http = new NsqdHttpClient(nsqd.httpAddress)
  const rates = new Map<Contestant, number[]>(CONTESTANTS.map((c) => [c, []]))
  process.stderr.write(`bench:consume — ${fmt(COUNT)} queued ${SIZE} B messages per contestant, ${CONNECTIONS} connection(s) × max-in-flight ${MIF} for ours, nsqjs and bench_reader (nsq_tail: 1 × ${MIF}), ${ROUNDS} rounds\n`)
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const topic = `drain_${round}`
      await http.createTopic(topic)
      for (const c of CONTESTANTS) await http.createChannel(topic, c)
      // bench_reader runs for a fixed 2 s, so it needs a deeper queue than the others drain.
      await fill(nsqd.tcpAddress, topic, COUNT)
      const extra = `${topic}_br`
      await http.createTopic(extra)
      await http.createChannel(extra, 'bench_reader')
      await fill(nsqd.tcpAddress, extra, Math.max(COUNT, 1_500_000))
      const line: string[] = []
      for (const c of CONTESTANTS) {
        const rate = c === 'nsq-toolkit' ? await worker('ours', nsqd.tcpAddress, topic, c)
          : c === 'nsqjs' ? await worker('nsqjs', nsqd.tcpAddress, topic, c)
            : c === 'nsq_tail' ? await nsqTail(nsqd.tcpAddress, topic, c)
              : await benchReader(nsqd.tcpAddress, extra, c)
        rates.get(c)?.push(rate)
        line.push(`${c} ${fmt(rate)}`)
      }
      process.stderr.write(`round ${round}: ${line.join(' · ')} msg/s\n`)
      await http.deleteTopic(topic)
      await http.deleteTopic(extra)
    }
  } finally {
    await nsqd.stop()
  }
  const med = (c: Contestant): number => median(rates.get(c) ?? [])
  const ours = med('nsq-toolkit')
  const out = ['', 'consume throughput, draining queued messages (median of rounds)']
  for (const c of CONTESTANTS) out.push(`  ${c.padEnd(14)} ${fmt(med(c)).padStart(10)} msg/s${c === 'nsq-toolkit' ? '' : `   ours / ${c} = ${fmt(ours / med(c), 2)}×`}`)
  out.push('  targets: ≥ 1.0× the Go tools, ≥ 3× nsqjs', '')
  process.stdout.write(out.join('\n'))
}

await main()
