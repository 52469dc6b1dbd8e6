/**
 * npm run bench:publish — our Producer against Go's bench_writer, same nsqd, same run.
 *
 * Both publish 200-byte messages in MPUB batches of 200 for a fixed time over as many
 * connections as bench_writer opens (GOMAXPROCS = CPU count). bench_writer waits for each OK
 * before its next MPUB; ours keeps a few MPUBs in flight per connection (pipelining), which is
 * the point of the comparison. Rounds alternate (Go, ours, Go, ours, …) and medians are quoted,
 * since this 2-core machine is noisy. Env: ROUNDS (3), SECONDS (5), PIPELINE (4).
 */
import os from 'node:os'
import {Producer} from '../src/core/producer/producer.js'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd} from '../test/support/nsq.js'
import {ensureNsqBinaries, fmt, median, parseGoBenchRate, run} from './lib.js'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const SECONDS = Number(process.env.SECONDS ?? 5)
const PIPELINE = Number(process.env.PIPELINE ?? 4)
const SIZE = 200
const BATCH = 200
const CONNECTIONS = Number(process.env.CONNECTIONS ?? os.availableParallelism())

async function ours(address: string, topic: string): Promise<number> {
  const body = Buffer.alloc(SIZE)
  const batch = Array.from({length: BATCH}, () => body)
  const producers = Array.from({length: CONNECTIONS}, () => new Producer({nsqd: [address], maxPending: PIPELINE}))
  await Promise.all(producers.map((p) => p.connect()))
  const deadline = performance.now() + SECONDS * 1000
  let messages = 0
  const started = performance.now()
  await Promise.all(
    producers.flatMap((producer) =>
      Array.from({length: PIPELINE}, async () => {
        while (performance.now() < deadline) {
          await producer.multiPublish(topic, batch)
          messages += BATCH
        }
      }),
    ),
  )
  const elapsed = (performance.now() - started) / 1000
  await Promise.all(producers.map((p) => p.close()))
  return messages / elapsed
}

async function go(address: string, topic: string): Promise<number> {
  const result = await run(`${process.env.NSQ_BIN_DIR}/bench_writer`, [
    `--nsqd-tcp-address=${address}`,
    `--topic=${topic}`,
    `--size=${SIZE}`,
    `--batch-size=${BATCH}`,
    `--runfor=${SECONDS}s`,
  ])
  if (result.code !== 0) throw new Error(`bench_writer failed:\n${result.stderr}`)
  return parseGoBenchRate(result.stderr)
}

async function main(): Promise<void> {
  ensureNsqBinaries()
  const nsqd = await startNsqd({args: ['--mem-queue-size=1000000']})
  const http = new NsqdHttpClient(nsqd.httpAddress)
  process.stderr.write(
    `bench:publish — ${SIZE} B messages, MPUB batches of ${BATCH}, ${CONNECTIONS} connections, ${SECONDS}s × ${ROUNDS} rounds each, pipeline ${PIPELINE}\n`,
  )
  const goRates: number[] = []
  const ourRates: number[] = []
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const goRate = await go(nsqd.tcpAddress, `bw_${round}`)
      await http.deleteTopic(`bw_${round}`)
      const ourRate = await ours(nsqd.tcpAddress, `ours_${round}`)
      await http.deleteTopic(`ours_${round}`)
      goRates.push(goRate)
      ourRates.push(ourRate)
      process.stderr.write(
        `round ${round}: bench_writer ${fmt(goRate)} msg/s · nsq-toolkit ${fmt(ourRate)} msg/s · ratio ${fmt(ourRate / goRate, 2)}×\n`,
      )
    }
  } finally {
    await nsqd.stop()
  }
  const goMedian = median(goRates)
  const ourMedian = median(ourRates)
  const ratios = ourRates.map((r, i) => r / (goRates[i] as number))
  process.stdout.write(
    [
      '',
      'publish throughput (median of rounds)',
      `  Go bench_writer   ${fmt(goMedian).padStart(12)} msg/s  ${fmt((goMedian * SIZE) / 1048576, 1).padStart(7)} MiB/s`,
      `  nsq-toolkit       ${fmt(ourMedian).padStart(12)} msg/s  ${fmt((ourMedian * SIZE) / 1048576, 1).padStart(7)} MiB/s`,
      `  ratio (ours / Go) ${fmt(median(ratios), 2)}× median of per-round ratios (target ≥ 1.0×)`,
      '',
    ].join('\n'),
  )
}

await main()
