/**
 * bench:compare section `to-http`: `nsq to-http` (the built CLI) against the official
 * `nsq_to_http`, each POSTing the same 100,000 queued messages of 100–200 B from its own channel
 * of one topic on one nsqd to the same loopback node:http server (a process of its own,
 * bench/http-receiver.mjs; it answers 200 with an empty body), both with `--n 100` and
 * `--max-in-flight 200`. Timed from spawn until the server answered every message; peak RSS
 * (VmHWM) read just before stopping each; the 1-minute load average after each run.
 * Env: MESSAGES (100,000), ROUNDS (1), N (100), CPU_PROF=DIR (profile our side), SIDES=ours (one
 * side only, for memory probes), NODE_ARGS (node options for our side, e.g. --trace-gc).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd} from '../test/support/nsq.js'
import type {ComparisonRow} from './compare.js'
import {fmt, median} from './lib.js'

const MESSAGES = Number(process.env.MESSAGES ?? 100_000)
const ROUNDS = Number(process.env.ROUNDS ?? 1)
const CLI = path.resolve('bin/run.js')
const N = Number(process.env.N ?? 100)
/** SIDES=ours: run one side only (memory probes). */
const SIDES = (process.env.SIDES ?? 'ours,theirs').split(',')
/** NODE_ARGS: extra node options for our side (e.g. --trace-gc). */
const NODE_ARGS = (process.env.NODE_ARGS ?? '').split(' ').filter(Boolean)
/** CPU_PROF=DIR: `--cpu-prof` of our side into DIR. */
const PROFILE = process.env.CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`]

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

/**
 * The loopback receiver, a separate process (bench/http-receiver.mjs): in this process it would
 * share an event loop with the polling here, and a receiver starved by the tool it measures
 * makes every request slow. `waitFor(path)` resolves once that path got MESSAGES requests.
 */
async function startReceiver(): Promise<{child: ChildProcess; port: number; done: Set<string>}> {
  const child = spawn(process.execPath, [path.resolve('bench/http-receiver.mjs'), String(MESSAGES)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const done = new Set<string>()
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`http-receiver exited (${code})`)))
    let pending = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString()
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        if (line.startsWith('port ')) resolve(Number(line.slice(5)))
        else if (line.startsWith('done ')) done.add(line.slice(5))
      }
    })
  })
  return {child, port, done}
}

async function deliver(file: string, args: readonly string[], done: () => boolean): Promise<{seconds: number; peakMiB: number}> {
  const started = performance.now()
  const child: ChildProcess = spawn(file, args, {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    while (!done()) {
      if (child.exitCode !== null) throw new Error(`${path.basename(file)} exited early (${child.exitCode}):\n${stderr}`)
      if (performance.now() - started > 300_000) throw new Error(`${path.basename(file)}: not done after 300 s`)
      await new Promise((resolve) => setTimeout(resolve, 10))
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
  const nsqd = await startNsqd({args: [`--mem-queue-size=${MESSAGES * 2}`]})
  const api = new NsqdHttpClient(nsqd.httpAddress)
  const receiver = await startReceiver()
  const load: number[] = []
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
      for (const who of order.filter((w) => SIDES.includes(w))) {
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
        const done = (): boolean => receiver.done.has(key)
        const result =
          who === 'ours'
            ? await deliver(process.execPath, [...PROFILE, ...NODE_ARGS, CLI, 'to-http', '-q', ...common], done)
            : await deliver(path.join(process.env.NSQ_BIN_DIR ?? '', 'nsq_to_http'), [...common, '--status-every=0'], done)
        const rate = MESSAGES / result.seconds
        load.push(os.loadavg()[0] as number)
        rates[who].push(rate)
        peaks[who].push(result.peakMiB)
        process.stderr.write(
          `round ${round + 1} ${who.padEnd(6)} ${fmt(result.seconds, 2)} s  ${fmt(rate)} msg/s  peak RSS ${fmt(result.peakMiB)} MiB\n`,
        )
      }
      await api.deleteTopic(topic)
    }
  } finally {
    receiver.child.kill('SIGTERM')
    await nsqd.stop()
  }
  return [
    {
      name: `to-http vs nsq_to_http: POST ${fmt(MESSAGES)} queued msgs of 100–200 B (avg ${fmt(bytes / MESSAGES)} B) to one loopback node:http server, --n ${N} both, spawn until every message was answered`,
      ours: median(rates.ours),
      theirs: median(rates.theirs),
      unit: 'msg/s',
      target: 1.5,
      notes: `peak RSS ours ${fmt(Math.max(...peaks.ours))} MiB, theirs ${fmt(Math.max(...peaks.theirs))} MiB; load average ${load.map((l) => fmt(l, 1)).join('/')}`,
    },
  ]
}
