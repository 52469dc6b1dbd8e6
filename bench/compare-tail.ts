/**
 * bench:compare section `tail`: `nsq tail` (the built CLI, bin/run.js) against the official
 * `nsq_tail` draining the same 200,000 queued messages of 100–200 B, each from its own durable
 * channel of one topic on one nsqd. Both run with their defaults (max-in-flight 200) and `-n`,
 * printing to a pipe whose lines we count (so each is checked to have printed every message);
 * timed from spawn to exit, Node's start-up included. Rounds alternate which goes first; medians.
 * Also quoted: our start-up alone (`-n 1` on a one-message channel), to show the steady rate.
 * Env: MESSAGES (200,000), ROUNDS (3).
 */
import {spawn} from 'node:child_process'
import path from 'node:path'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd, type NsqdProcess} from '../test/support/nsq.js'
import type {ComparisonRow} from './compare.js'
import {fmt, median} from './lib.js'

const MESSAGES = Number(process.env.MESSAGES ?? 200_000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const CLI = path.resolve('bin/run.js')

/** `count` bodies of 100–200 bytes, varied. */
function makeBodies(count: number): Buffer[] {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(8)
  return Array.from({length: count}, (_, i) =>
    Buffer.from(`${i.toString().padStart(9, '0')} ${alphabet.slice(i % 36, (i % 36) + 90 + (i % 101))}`),
  )
}

interface Drain {
  seconds: number
  lines: number
}

/** Runs a tail to completion with stdout on a pipe; counts the lines it printed. */
function drain(file: string, args: readonly string[]): Promise<Drain> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(file, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let lines = 0
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++
    })
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)))
    child.on('error', reject)
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000
      if (code !== 0) reject(new Error(`${path.basename(file)} ${args.join(' ')} exited ${code}:\n${stderr}`))
      else resolve({seconds, lines})
    })
  })
}

async function fill(http: NsqdHttpClient, topic: string, channels: readonly string[], bodies: readonly Buffer[]): Promise<void> {
  await http.createTopic(topic)
  for (const channel of channels) await http.createChannel(topic, channel)
  for (let i = 0; i < bodies.length; i += 20_000) await http.mpub(topic, bodies.slice(i, i + 20_000))
}

function ours(nsqd: NsqdProcess, topic: string, count: number): Promise<Drain> {
  return drain(process.execPath, [
    CLI,
    'tail',
    topic,
    '--channel',
    'ours',
    '-n',
    String(count),
    '-q',
    '--nsqd-tcp-address',
    nsqd.tcpAddress,
  ])
}

function theirs(nsqd: NsqdProcess, topic: string, count: number): Promise<Drain> {
  return drain(path.join(process.env.NSQ_BIN_DIR ?? '', 'nsq_tail'), [
    `--topic=${topic}`,
    '--channel=theirs',
    `-n=${count}`,
    `--nsqd-tcp-address=${nsqd.tcpAddress}`,
  ])
}

export async function compare(): Promise<ComparisonRow[]> {
  const nsqd = await startNsqd({args: [`--mem-queue-size=${MESSAGES * 2}`]})
  const http = new NsqdHttpClient(nsqd.httpAddress)
  const bodies = makeBodies(MESSAGES)
  const bytes = bodies.reduce((sum, b) => sum + b.length, 0)
  const rates = {ours: [] as number[], theirs: [] as number[]}
  const startup: number[] = []
  try {
    // Start-up alone: one message.
    for (let i = 0; i < ROUNDS; i++) {
      const topic = `tail_startup_${i}`
      await fill(http, topic, ['ours'], bodies.slice(0, 1))
      startup.push((await ours(nsqd, topic, 1)).seconds)
    }
    for (let round = 0; round < ROUNDS; round++) {
      const topic = `tail_bench_${round}`
      await fill(http, topic, ['ours', 'theirs'], bodies)
      const order = round % 2 === 0 ? (['theirs', 'ours'] as const) : (['ours', 'theirs'] as const)
      for (const who of order) {
        const result = await (who === 'ours' ? ours : theirs)(nsqd, topic, MESSAGES)
        if (result.lines !== MESSAGES) throw new Error(`${who} printed ${result.lines} lines, expected ${MESSAGES}`)
        const rate = MESSAGES / result.seconds
        rates[who].push(rate)
        process.stderr.write(`round ${round + 1} ${who.padEnd(6)} ${fmt(result.seconds, 2)} s  ${fmt(rate)} msg/s\n`)
      }
      await http.deleteTopic(topic)
    }
  } finally {
    await nsqd.stop()
  }
  const startupMs = median(startup) * 1000
  const oursRate = median(rates.ours)
  const oursSeconds = MESSAGES / oursRate
  const steady = MESSAGES / Math.max(0.001, oursSeconds - startupMs / 1000)
  return [
    {
      name: `tail vs nsq_tail, drain ${fmt(MESSAGES)} queued msgs of 100–200 B (avg ${fmt(bytes / MESSAGES)} B) to a pipe, spawn to exit`,
      ours: oursRate,
      theirs: median(rates.theirs),
      unit: 'msg/s',
      target: 1,
      notes: `our start-up (-n 1) ${fmt(startupMs)} ms; ours without it ≈ ${fmt(steady)} msg/s`,
    },
  ]
}
