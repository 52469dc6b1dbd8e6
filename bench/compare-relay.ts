/**
 * bench:compare section `relay`: `nsq relay` (the built CLI) against the official `nsq_to_nsq`,
 * each copying the same queued messages of 100–200 B from its own channel of one topic on a
 * source nsqd to its own topic on a second (destination) nsqd, both with `--max-in-flight 200`
 * and their default mode (hostpool). Timed from spawn until the destination topic holds every
 * message (nsqd's stats, polled every 20 ms); peak RSS (VmHWM) read just before stopping each.
 * Rounds alternate who goes first; medians. Env: MESSAGES (100,000), ROUNDS (1).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd} from '../test/support/nsq.js'
import type {ComparisonRow} from './compare.js'
import {fmt, median} from './lib.js'

const MESSAGES = Number(process.env.MESSAGES ?? 100_000)
const ROUNDS = Number(process.env.ROUNDS ?? 1)
const CLI = path.resolve('bin/run.js')

function makeBodies(count: number): Buffer[] {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(8)
  return Array.from({length: count}, (_, i) =>
    Buffer.from(`${i.toString().padStart(9, '0')} ${alphabet.slice(i % 36, (i % 36) + 90 + (i % 101))}`),
  )
}

function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? Number.NaN : Number(match[1]) / 1024
}

async function topicCount(api: NsqdHttpClient, topic: string): Promise<number> {
  const stats = await api.stats({topic})
  return stats.topics.find((t) => t.topic_name === topic)?.message_count ?? 0
}

async function relay(file: string, args: readonly string[], done: () => Promise<boolean>): Promise<{seconds: number; peakMiB: number}> {
  const started = performance.now()
  const child: ChildProcess = spawn(file, args, {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    while (!(await done())) {
      if (child.exitCode !== null) throw new Error(`${path.basename(file)} exited early (${child.exitCode}):\n${stderr}`)
      if (performance.now() - started > 300_000) throw new Error(`${path.basename(file)}: not done after 300 s`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return {seconds: (performance.now() - started) / 1000, peakMiB: peakRssMiB(child.pid as number)}
  } finally {
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    await exited
    clearTimeout(timer)
  }
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
            ? await relay(process.execPath, [CLI, 'relay', '-q', ...common], done)
            : await relay(path.join(process.env.NSQ_BIN_DIR ?? '', 'nsq_to_nsq'), [...common, '--status-every=0'], done)
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
