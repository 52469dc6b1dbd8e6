/**
 * bench:compare section `relay`: `nsq relay` (the built CLI) against the official `nsq_to_nsq`,
 * each copying the same queued messages of 100–200 B from its own channel of one topic on a
 * source nsqd to its own topic on a second (destination) nsqd, both with `--max-in-flight 200`
 * and their default mode (hostpool). Timed from spawn until the destination topic holds every
 * message (nsqd's stats, polled every 20 ms); peak RSS (VmHWM, polled until each exits).
 * Rounds alternate who goes first; medians. Env: MESSAGES (100,000), ROUNDS (1).
 */
import path from 'node:path'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd} from '../test/support/nsq.js'
import type {ComparisonRow} from './compare.js'
import {fmt, makeBodies, measure, median} from './lib.js'

const MESSAGES = Number(process.env.MESSAGES ?? 100_000)
const ROUNDS = Number(process.env.ROUNDS ?? 1)
const CLI = path.resolve('bin/run.js')

async function topicCount(api: NsqdHttpClient, topic: string): Promise<number> {
  const stats = await api.stats({topic})
  return stats.topics.find((t) => t.topic_name === topic)?.message_count ?? 0
}

export async function compare(): Promise<ComparisonRow[]> {
  const [source, destination] = await Promise.all([
    startNsqd({args: [`--mem-queue-size=${MESSAGES * 2}`]}),
    startNsqd({args: [`--mem-queue-size=${MESSAGES * 2}`]}),
  ])
  const sourceApi = new NsqdHttpClient(source.httpAddress)
  const destinationApi = new NsqdHttpClient(destination.httpAddress)
  const bodies = makeBodies(MESSAGES)
  const bytes = bodies.reduce((sum, b) => sum + b.length, 0)
  const rates = {ours: [] as number[], theirs: [] as number[]}
  const peaks = {ours: [] as number[], theirs: [] as number[]}
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const topic = `relay_bench_${round}`
      await sourceApi.createTopic(topic)
      for (const channel of ['ours', 'theirs']) await sourceApi.createChannel(topic, channel)
      for (let i = 0; i < bodies.length; i += 20_000) await sourceApi.mpub(topic, bodies.slice(i, i + 20_000))
      const order = round % 2 === 0 ? (['theirs', 'ours'] as const) : (['ours', 'theirs'] as const)
      for (const who of order) {
        const copy = `${topic}_${who}`
        const common = [
          `--topic=${topic}`,
          `--channel=${who}`,
          `--nsqd-tcp-address=${source.tcpAddress}`,
          `--destination-nsqd-tcp-address=${destination.tcpAddress}`,
          `--destination-topic=${copy}`,
          '--max-in-flight=200',
        ]
        const done = async (): Promise<boolean> => (await topicCount(destinationApi, copy)) >= MESSAGES
        const result =
          who === 'ours'
            ? await measure(process.execPath, [CLI, 'relay', '-q', ...common], {until: done})
            : await measure(path.join(process.env.NSQ_BIN_DIR ?? '', 'nsq_to_nsq'), [...common, '--status-every=0'], {until: done})
        const rate = MESSAGES / result.seconds
        rates[who].push(rate)
        peaks[who].push(result.peakMiB)
        process.stderr.write(
          `round ${round + 1} ${who.padEnd(6)} ${fmt(result.seconds, 2)} s  ${fmt(rate)} msg/s  peak RSS ${fmt(result.peakMiB)} MiB\n`,
        )
        await destinationApi.deleteTopic(copy)
      }
      await sourceApi.deleteTopic(topic)
    }
  } finally {
    await Promise.all([source.stop(), destination.stop()])
  }
  return [
    {
      name: `relay vs nsq_to_nsq: ${fmt(MESSAGES)} queued msgs of 100–200 B (avg ${fmt(bytes / MESSAGES)} B), one source nsqd → one destination nsqd, --max-in-flight 200 both, spawn until the destination topic held every message`,
      ours: median(rates.ours),
      theirs: median(rates.theirs),
      unit: 'msg/s',
      target: 5, // issue 12
      notes: `peak RSS ours ${fmt(Math.max(...peaks.ours))} MiB, theirs ${fmt(Math.max(...peaks.theirs))} MiB`,
    },
  ]
}
