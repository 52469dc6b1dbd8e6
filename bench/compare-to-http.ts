/**
 * bench:compare section `to-http`: `nsq to-http` (the built CLI) against the official
 * `nsq_to_http`, each POSTing the same 100,000 queued messages of 100–200 B from its own channel
 * of one topic on one nsqd to the same loopback node:http server (in this process; it answers
 * 200 with an empty body), both with `--n 100` and `--max-in-flight 200`. Timed from spawn until
 * the server answered every message; peak RSS (VmHWM, polled until each exits).
 * Env: MESSAGES (100,000), ROUNDS (1).
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd} from '../test/support/nsq.js'
import type {ComparisonRow} from './compare.js'
import {fmt, makeBodies, measure, median} from './lib.js'

const MESSAGES = Number(process.env.MESSAGES ?? 100_000)
const ROUNDS = Number(process.env.ROUNDS ?? 1)
const CLI = path.resolve('bin/run.js')
const N = 100

/** The loopback receiver: counts requests per path (one path per run). */
function startReceiver(): Promise<{server: http.Server; port: number; counts: Map<string, number>}> {
  const counts = new Map<string, number>()
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined)
    req.on('end', () => {
      const key = req.url ?? ''
      counts.set(key, (counts.get(key) ?? 0) + 1)
      res.writeHead(200, {'content-length': '0'})
      res.end()
    })
  })
  server.keepAliveTimeout = 60_000
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({server, port: (server.address() as AddressInfo).port, counts})),
  )
}

export async function compare(): Promise<ComparisonRow[]> {
  const nsqd = await startNsqd({args: [`--mem-queue-size=${MESSAGES * 2}`]})
  const api = new NsqdHttpClient(nsqd.httpAddress)
  const receiver = await startReceiver()
  const bodies = makeBodies(MESSAGES)
  const bytes = bodies.reduce((sum, b) => sum + b.length, 0)
  const rates = {ours: [] as number[], theirs: [] as number[]}
  const peaks = {ours: [] as number[], theirs: [] as number[]}
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const topic = `to_http_bench_${round}`
      await api.createTopic(topic)
      for (const channel of ['ours', 'theirs']) await api.createChannel(topic, channel)
      for (let i = 0; i < bodies.length; i += 20_000) await api.mpub(topic, bodies.slice(i, i + 20_000))
      const order = round % 2 === 0 ? (['theirs', 'ours'] as const) : (['ours', 'theirs'] as const)
      for (const who of order) {
        const url = `http://127.0.0.1:${receiver.port}/${who}/${round}`
        const key = `/${who}/${round}`
        const common = [
          `--topic=${topic}`,
          `--channel=${who}`,
          `--nsqd-tcp-address=${nsqd.tcpAddress}`,
          `--post=${url}`,
          `--n=${N}`,
          '--max-in-flight=200',
        ]
        const done = (): boolean => (receiver.counts.get(key) ?? 0) >= MESSAGES
        const result =
          who === 'ours'
            ? await measure(process.execPath, [CLI, 'to-http', '-q', ...common], {until: done})
            : await measure(path.join(process.env.NSQ_BIN_DIR ?? '', 'nsq_to_http'), [...common, '--status-every=0'], {until: done})
        const rate = MESSAGES / result.seconds
        rates[who].push(rate)
        peaks[who].push(result.peakMiB)
        process.stderr.write(
          `round ${round + 1} ${who.padEnd(6)} ${fmt(result.seconds, 2)} s  ${fmt(rate)} msg/s  peak RSS ${fmt(result.peakMiB)} MiB\n`,
        )
      }
      await api.deleteTopic(topic)
    }
  } finally {
    receiver.server.closeAllConnections()
    receiver.server.close()
    await nsqd.stop()
  }
  return [
    {
      name: `to-http vs nsq_to_http: POST ${fmt(MESSAGES)} queued msgs of 100–200 B (avg ${fmt(bytes / MESSAGES)} B) to one loopback node:http server, --n ${N} both, spawn until every message was answered`,
      ours: median(rates.ours),
      theirs: median(rates.theirs),
      unit: 'msg/s',
      target: 1.5,
      notes: `peak RSS ours ${fmt(Math.max(...peaks.ours))} MiB, theirs ${fmt(Math.max(...peaks.theirs))} MiB`,
    },
  ]
}
