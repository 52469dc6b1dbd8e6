/**
 * bench:compare section `to-nsq`: `nsq to-nsq` against the official `to_nsq` publishing the same
 * 200,000 lines of ~100 B from a file on stdin into one nsqd, timed from spawn until the process
 * exits (Node's start-up included), and checked by the topic's message count. Rounds alternate
 * (theirs, ours, …); medians are quoted. Also: our byte splitter against split2 in-process.
 * MEMORY=1 adds to-nsq's peak RSS (VmHWM) on a 1 GB input (LINES, ROUNDS, MEMORY_GB env).
 */
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Readable, Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import split2 from 'split2'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {RecordSplitter} from '../src/tools/to-nsq/record-splitter.js'
import {startNsqd, type NsqdProcess} from '../test/support/nsq.js'
import type {ComparisonRow} from './compare.js'
import {fmt, median} from './lib.js'

const LINES = Number(process.env.LINES ?? 200_000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const MEMORY_GB = Number(process.env.MEMORY_GB ?? 1)

/** `count` lines of 90–110 bytes (plus newline), varied so nothing compresses into a pattern. */
function writeLines(file: string, count: number): number {
  const fd = fs.openSync(file, 'w')
  let bytes = 0
  const parts: string[] = []
  for (let i = 0; i < count; i++) {
    const line = `${i.toString().padStart(9, '0')} ${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3).slice(i % 20, 80 + (i % 20) + (i % 21))}\n`
    parts.push(line)
    bytes += line.length
    if (parts.length === 10_000) fs.writeSync(fd, parts.splice(0).join(''))
  }
  if (parts.length > 0) fs.writeSync(fd, parts.join(''))
  fs.closeSync(fd)
  return bytes
}

interface Timed {
  seconds: number
  peakRssKiB: number
  stdout: string
}

/** Runs a command with `input` as stdin; returns its wall time and peak RSS (VmHWM, polled). */
function timedRun(file: string, args: readonly string[], input: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(input, 'r')
    const started = performance.now()
    const child = spawn(file, args, {stdio: [fd, 'pipe', 'pipe']})
    fs.closeSync(fd)
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-100_000)))
    let peak = 0
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)))
    const poll = setInterval(() => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (match !== null) peak = Math.max(peak, Number(match[1]))
      } catch {
        // exited
      }
    }, 100)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearInterval(poll)
      const seconds = (performance.now() - started) / 1000
      if (code !== 0) reject(new Error(`${path.basename(file)} exited ${code}:\n${stderr}`))
      else resolve({seconds, peakRssKiB: peak, stdout})
    })
  })
}

async function publishedCount(http: NsqdHttpClient, topic: string): Promise<number> {
  const stats = await http.stats({topic})
  return stats.topics.find((t) => t.topic_name === topic)?.message_count ?? 0
}

async function oneRun(
  nsqd: NsqdProcess,
  http: NsqdHttpClient,
  who: 'ours' | 'theirs',
  topic: string,
  input: string,
  expected: number,
): Promise<Timed> {
  const timed =
    who === 'ours'
      ? await timedRun(
          process.execPath,
          [
            path.resolve('bin/run.js'),
            'to-nsq',
            topic,
            '--nsqd-tcp-address',
            nsqd.tcpAddress,
            '--nsqd-http-address',
            nsqd.httpAddress,
            '-q',
            '--json',
          ],
          input,
        )
      : await timedRun(
          path.join(process.env.NSQ_BIN_DIR as string, 'to_nsq'),
          [`--topic=${topic}`, `--nsqd-tcp-address=${nsqd.tcpAddress}`],
          input,
        )
  const count = await publishedCount(http, topic)
  if (count !== expected) throw new Error(`${who}: topic ${topic} holds ${count} messages, expected ${expected}`)
  await http.deleteTopic(topic)
  return timed
}

/** Records per second splitting `data` with split2 (a text splitter) and with our byte splitter. */
async function splitterRates(data: Buffer): Promise<{ours: number; split2: number; lines: number}> {
  const chunks: Buffer[] = []
  for (let at = 0; at < data.length; at += 65_536) chunks.push(data.subarray(at, at + 65_536))
  const measure = async (fn: () => Promise<number>): Promise<{rate: number; lines: number}> => {
    const started = performance.now()
    const lines = await fn()
    return {rate: lines / ((performance.now() - started) / 1000), lines}
  }
  const ourRates: number[] = []
  const theirRates: number[] = []
  let lines = 0
  for (let round = 0; round < 5; round++) {
    const theirs = await measure(async () => {
      let n = 0
      await pipeline(
        Readable.from(chunks),
        split2(),
        new Writable({
          objectMode: true,
          write: (_line, _enc, done) => {
            n++
            done()
          },
        }),
      )
      return n
    })
    const ours = await measure(async () => {
      const splitter = new RecordSplitter(Buffer.from('\n'))
      let n = 0
      for (const chunk of chunks) n += splitter.push(chunk).length
      if (splitter.end() !== undefined) n++
      return n
    })
    if (ours.lines !== theirs.lines) throw new Error(`splitters disagree: ${ours.lines} vs ${theirs.lines} lines`)
    lines = ours.lines
    ourRates.push(ours.rate)
    theirRates.push(theirs.rate)
  }
  return {ours: median(ourRates), split2: median(theirRates), lines}
}

async function memory(nsqd: NsqdProcess, http: NsqdHttpClient, dir: string): Promise<string> {
  const file = path.join(dir, 'big.txt')
  const lines = Math.round((MEMORY_GB * 1024 ** 3) / 101)
  process.stderr.write(`memory: writing ${fmt(lines)} lines (${MEMORY_GB} GiB) … `)
  const bytes = writeLines(file, lines)
  process.stderr.write(`${fmt(bytes / 1024 ** 2)} MiB; publishing …\n`)
  const timed = await oneRun(nsqd, http, 'ours', 'bench_to_nsq_memory', file, lines)
  fs.rmSync(file)
  const mib = timed.peakRssKiB / 1024
  process.stderr.write(
    `memory: peak RSS ${fmt(mib, 1)} MiB over ${fmt(bytes / 1024 ** 2)} MiB in ${fmt(timed.seconds, 1)} s (${fmt(lines / timed.seconds)} msg/s)\n`,
  )
  return `to-nsq peak RSS on ${fmt(bytes / 1024 ** 3, 2)} GiB of input: ${fmt(mib, 1)} MiB (target < 150 MiB${mib < 150 ? ', met' : ', MISSED'}), ${fmt(lines / timed.seconds)} msg/s`
}

export async function compare(): Promise<ComparisonRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-to-nsq-'))
  const input = path.join(dir, 'lines.txt')
  const bytes = writeLines(input, LINES)
  const splitInput = Buffer.concat(Array.from({length: 4}, () => fs.readFileSync(input)))
  const nsqd = await startNsqd({args: ['--mem-queue-size=10000000']})
  const http = new NsqdHttpClient(nsqd.httpAddress)
  process.stderr.write(`to-nsq vs to_nsq: ${fmt(LINES)} lines, ${fmt(bytes / LINES)} B average, ${ROUNDS} alternating rounds\n`)
  const ours: number[] = []
  const oursInRun: number[] = []
  const theirs: number[] = []
  let oursRss = 0
  const notes: string[] = []
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const t = await oneRun(nsqd, http, 'theirs', `bench_to_nsq_theirs_${round}`, input, LINES)
      const o = await oneRun(nsqd, http, 'ours', `bench_to_nsq_ours_${round}`, input, LINES)
      theirs.push(LINES / t.seconds)
      ours.push(LINES / o.seconds)
      oursInRun.push((JSON.parse(o.stdout) as {rate: number}).rate)
      oursRss = Math.max(oursRss, o.peakRssKiB)
      process.stderr.write(
        `round ${round}: to_nsq ${fmt(t.seconds, 2)} s (${fmt(LINES / t.seconds)} msg/s) · nsq to-nsq ${fmt(o.seconds, 2)} s (${fmt(LINES / o.seconds)} msg/s, ${fmt(oursInRun.at(-1) ?? 0)} msg/s after start-up, peak RSS ${fmt(o.peakRssKiB / 1024)} MiB) · ${fmt(t.seconds / o.seconds, 1)}×\n`,
      )
    }
    if (process.env.MEMORY === '1') notes.push(await memory(nsqd, http, dir))
  } finally {
    await nsqd.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  }
  const split = await splitterRates(splitInput)
  process.stderr.write(
    `splitters on ${fmt(split.lines)} lines in memory: ours ${fmt(split.ours)} lines/s, split2 ${fmt(split.split2)} lines/s\n`,
  )
  return [
    {
      name: `to-nsq vs to_nsq, ${fmt(LINES)} lines of ~${fmt(bytes / LINES)} B into one nsqd (until exit)`,
      ours: median(ours),
      theirs: median(theirs),
      unit: 'msg/s',
      target: 10,
      notes: [
        `to-nsq after its start-up (from its --json summary): ${fmt(median(oursInRun))} msg/s`,
        `to-nsq peak RSS ${fmt(oursRss / 1024)} MiB`,
        ...notes,
      ].join('; '),
    },
    {
      name: `byte splitter vs split2, ${fmt(split.lines)} lines in memory`,
      ours: split.ours,
      theirs: split.split2,
      unit: 'lines/s',
      target: 1,
      notes: 'split2 decodes to strings; ours keeps bytes (binary-safe)',
    },
  ]
}
