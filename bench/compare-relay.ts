/**
 * bench:compare section `relay`: `nsq relay` (the built CLI) against the official `nsq_to_nsq`,
 * each copying the same queued messages of 100–200 B from its own channel of one topic on a
 * source nsqd to its own topic on a second (destination) nsqd, default mode (hostpool) both.
 * Two comparisons from the same rounds: `--max-in-flight 200` for both (the flag means the same:
 * messages in flight from the source), and each at its defaults (what a user gets: nsq_to_nsq's
 * max-in-flight is 200, ours 1000), nsq_to_nsq's run serving both rows. Timed from spawn until
 * the destination topic holds every message (nsqd's stats, polled every 20 ms); also the rate from
 * the first message at the destination to the last (startup left out), CPU time (user + system)
 * and peak RSS (VmHWM) read just before stopping each. Rounds alternate who goes first; medians.
 * Env: MESSAGES (200,000, as issue 12 says), ROUNDS (3).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd} from '../test/support/nsq.js'
import type {ComparisonRow} from './compare.js'
import {fmt, median} from './lib.js'

const MESSAGES = Number(process.env.MESSAGES ?? 200_000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const CLI = path.resolve('bin/run.js')
const CLOCK_TICK = 100 // USER_HZ on Linux

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

/** User + system CPU seconds of a running process (/proc/PID/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICK
}

async function topicCount(api: NsqdHttpClient, topic: string): Promise<number> {
  const stats = await api.stats({topic})
  return stats.topics.find((t) => t.topic_name === topic)?.message_count ?? 0
}

interface Run {
  /** msg/s from spawn until the destination held every message. */
  rate: number
  /** msg/s from the first message at the destination to the last. */
  steady: number
  cpuSeconds: number
  peakMiB: number
}

async function relay(file: string, args: readonly string[], count: () => Promise<number>): Promise<Run> {
  const started = performance.now()
  let first: number | undefined
  const child: ChildProcess = spawn(file, args, {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    for (;;) {
      const n = await count()
      if (n > 0) first ??= performance.now()
      if (n >= MESSAGES) break
      if (child.exitCode !== null) throw new Error(`${path.basename(file)} exited early (${child.exitCode}):\n${stderr}`)
      if (performance.now() - started > 300_000) throw new Error(`${path.basename(file)}: not done after 300 s`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const now = performance.now()
    const pid = child.pid as number
    return {
      rate: MESSAGES / ((now - started) / 1000),
      steady: MESSAGES / Math.max(0.001, (now - (first ?? started)) / 1000),
      cpuSeconds: cpuSeconds(pid),
      peakMiB: peakRssMiB(pid),
    }
  } finally {
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    await exited
    clearTimeout(timer)
  }
}

type Who = 'theirs' | 'ours200' | 'ours'

export async function compare(): Promise<ComparisonRow[]> {
  const [source, destination] = await Promise.all([
    startNsqd({args: [`--mem-queue-size=${MESSAGES * 2}`]}),
    startNsqd({args: [`--mem-queue-size=${MESSAGES * 2}`]}),
  ])
  const sourceApi = new NsqdHttpClient(source.httpAddress)
  const destinationApi = new NsqdHttpClient(destination.httpAddress)
  const bodies = makeBodies(MESSAGES)
  const bytes = bodies.reduce((sum, b) => sum + b.length, 0)
  const runs: Record<Who, Run[]> = {theirs: [], ours200: [], ours: []}
  const loads: number[] = []
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const topic = `relay_bench_${round}`
      const order: Who[] = round % 2 === 0 ? ['theirs', 'ours200', 'ours'] : ['ours', 'ours200', 'theirs']
      await sourceApi.createTopic(topic)
      for (const channel of order) await sourceApi.createChannel(topic, channel)
      for (let i = 0; i < bodies.length; i += 20_000) await sourceApi.mpub(topic, bodies.slice(i, i + 20_000))
      for (const who of order) {
        const copy = `${topic}_${who}`
        const common = [
          `--topic=${topic}`,
          `--channel=${who}`,
          `--nsqd-tcp-address=${source.tcpAddress}`,
          `--destination-nsqd-tcp-address=${destination.tcpAddress}`,
          `--destination-topic=${copy}`,
        ]
        const done = (): Promise<number> => topicCount(destinationApi, copy)
        loads.push(os.loadavg()[0] as number)
        const result =
          who === 'theirs'
            ? await relay(path.join(process.env.NSQ_BIN_DIR ?? '', 'nsq_to_nsq'), [...common, '--status-every=0'], done)
            : await relay(process.execPath, [CLI, 'relay', '-q', ...common, ...(who === 'ours200' ? ['--max-in-flight=200'] : [])], done)
        runs[who].push(result)
        const label = {
          theirs: 'nsq_to_nsq (defaults: max-in-flight 200)',
          ours200: 'nsq relay --max-in-flight 200',
          ours: 'nsq relay (defaults: max-in-flight 1000)',
        }[who]
        process.stderr.write(
          `round ${round + 1} ${label.padEnd(42)} ${fmt(result.rate)} msg/s (first to last at the destination ${fmt(result.steady)} msg/s), CPU ${fmt((result.cpuSeconds * 1e6) / MESSAGES, 1)} µs/msg, peak RSS ${fmt(result.peakMiB)} MiB\n`,
        )
        await destinationApi.deleteTopic(copy)
      }
      await sourceApi.deleteTopic(topic)
    }
  } finally {
    await Promise.all([source.stop(), destination.stop()])
  }
  const med = (who: Who, pick: (r: Run) => number): number => median(runs[who].map(pick))
  const peak = (who: Who): string => fmt(Math.max(...runs[who].map((r) => r.peakMiB)))
  const cpu = (who: Who): string => fmt((med(who, (r) => r.cpuSeconds) * 1e6) / MESSAGES, 1)
  const what = `${fmt(MESSAGES)} queued msgs of 100–200 B (avg ${fmt(bytes / MESSAGES)} B), one source nsqd → one destination nsqd, spawn until the destination topic held every message`
  const load = `load average ${fmt(median(loads), 1)} (1 min, median at the starts)`
  const row = (ours: Who, label: string): ComparisonRow => ({
    name: `relay vs nsq_to_nsq, ${label}: ${what}`,
    ours: med(ours, (r) => r.rate),
    theirs: med('theirs', (r) => r.rate),
    unit: 'msg/s',
    target: 5, // issue 12
    notes: `first to last message at the destination: ours ${fmt(med(ours, (r) => r.steady))}, theirs ${fmt(med('theirs', (r) => r.steady))} msg/s (${fmt(med(ours, (r) => r.steady) / med('theirs', (r) => r.steady), 2)}×); CPU ours ${cpu(ours)}, theirs ${cpu('theirs')} µs/msg; peak RSS ours ${peak(ours)} MiB, theirs ${peak('theirs')} MiB; ${load}`,
  })
  return [row('ours200', '--max-in-flight 200 both'), row('ours', "each at its defaults (max-in-flight: ours 1000, nsq_to_nsq's 200)")]
}
