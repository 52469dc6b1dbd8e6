/**
 * bench:compare section `to-file`: `nsq to-file` (the built CLI) against the official
 * `nsq_to_file` archiving the same 200,000 queued messages of 100–200 B, each from its own
 * channel of one topic on one nsqd, plain and --gzip. Timed from spawn until the files in the
 * output dir hold every message — counted by reading the files as they grow (gzip: streaming
 * decompression), not by channel depth, since nsq_to_file FINs its last partial batch only on
 * its sync timer. gzip runs use --sync-interval=1s for both (nsq_to_file's gzip writer keeps
 * the last partial batch in memory until a sync; with the default 30s the row would measure the
 * timer). Peak RSS (VmHWM) is read just before stopping each. Rounds alternate; medians.
 * Also: plain `nsq to-file` against `nsq tail > file` (both ours) draining the same TAIL_MESSAGES
 * (300,000) queued messages, each from its own channel — what durability costs: to-file is timed
 * from spawn until nsqd holds none of the channel's messages queued or in flight (every one FIN'd,
 * so fdatasync'ed), tail from spawn to exit (-n, stdout a file, no sync). Target ≥ 0.5×.
 * Env: MESSAGES (200,000), TAIL_MESSAGES (300,000), ROUNDS (3).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd, type NsqdProcess} from '../test/support/nsq.js'
import type {ComparisonRow} from './compare.js'
import {fmt, makeBodies, measure, median} from './lib.js'

const MESSAGES = Number(process.env.MESSAGES ?? 200_000)
const TAIL_MESSAGES = Number(process.env.TAIL_MESSAGES ?? 300_000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const CLI = path.resolve('bin/run.js')

/** Counts newlines in the files of a dir as they grow (gzip files through a streaming gunzip). */
class LineCounter {
  private readonly files = new Map<string, {offset: number; gunzip?: zlib.Gunzip}>()
  lines = 0

  constructor(private readonly dir: string) {}

  poll(): void {
    for (const name of fs.readdirSync(this.dir)) {
      if (name.startsWith('.') || name.endsWith('.manifest.json')) continue
      let state = this.files.get(name)
      if (state === undefined) {
        state = {offset: 0}
        if (name.endsWith('.gz')) {
          const gunzip = zlib.createGunzip()
          gunzip.on('data', (chunk: Buffer) => this.count(chunk))
          gunzip.on('error', () => undefined)
          state.gunzip = gunzip
        }
        this.files.set(name, state)
      }
      const file = path.join(this.dir, name)
      let size: number
      try {
        size = fs.statSync(file).size
      } catch {
        continue
      }
      if (size <= state.offset) continue
      const fd = fs.openSync(file, 'r')
      const chunk = Buffer.allocUnsafe(size - state.offset)
      const read = fs.readSync(fd, chunk, 0, chunk.length, state.offset)
      fs.closeSync(fd)
      state.offset += read
      if (state.gunzip !== undefined) state.gunzip.write(chunk.subarray(0, read))
      else this.count(chunk.subarray(0, read))
    }
  }

  private count(chunk: Buffer): void {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) this.lines++
  }
}

function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? Number.NaN : Number(match[1]) / 1024
}

interface Archive {
  seconds: number
  peakMiB: number
}

/** Spawns an archiver; resolves once the output dir holds `count` lines; then SIGTERMs it. */
async function archive(file: string, args: readonly string[], outputDir: string, count: number): Promise<Archive> {
  const started = performance.now()
  const child: ChildProcess = spawn(file, args, {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const counter = new LineCounter(outputDir)
  let seconds = 0
  let peakMiB = Number.NaN
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${path.basename(file)} exited early (${child.exitCode}):\n${stderr}`)
      counter.poll()
      await new Promise((resolve) => setImmediate(resolve))
      if (counter.lines >= count) {
        seconds = (performance.now() - started) / 1000
        break
      }
      if (performance.now() - started > 300_000)
        throw new Error(`${path.basename(file)}: only ${counter.lines} of ${count} lines after 300 s`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    peakMiB = peakRssMiB(child.pid as number)
  } finally {
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    await exited
    clearTimeout(timer)
  }
  return {seconds, peakMiB}
}

async function fill(http: NsqdHttpClient, topic: string, bodies: readonly Buffer[]): Promise<void> {
  await http.createTopic(topic)
  for (const channel of ['ours', 'theirs']) await http.createChannel(topic, channel)
  for (let i = 0; i < bodies.length; i += 20_000) await http.mpub(topic, bodies.slice(i, i + 20_000))
}

function run(who: 'ours' | 'theirs', nsqd: NsqdProcess, topic: string, outputDir: string, extra: readonly string[]): Promise<Archive> {
  const args = [
    `--topic=${topic}`,
    `--channel=${who}`,
    `--nsqd-tcp-address=${nsqd.tcpAddress}`,
    `--output-dir=${outputDir}`,
    '--host-identifier=bench',
    ...extra,
  ]
  return who === 'ours'
    ? archive(process.execPath, [CLI, 'to-file', '-q', ...args], outputDir, MESSAGES)
    : archive(path.join(process.env.NSQ_BIN_DIR ?? '', 'nsq_to_file'), args, outputDir, MESSAGES)
}

function countLines(dir: string): number {
  const counter = new LineCounter(dir)
  counter.poll()
  return counter.lines
}

/** Plain to-file (every message FIN'd, i.e. fdatasync'ed) against `nsq tail -n N > file` on the same messages. */
async function againstTail(nsqd: NsqdProcess, http: NsqdHttpClient, scratch: string): Promise<ComparisonRow> {
  const bodies = makeBodies(TAIL_MESSAGES)
  const rates = {toFile: [] as number[], tail: [] as number[]}
  for (let round = 0; round < ROUNDS; round++) {
    const topic = `to_file_vs_tail_${round}`
    await http.createTopic(topic)
    for (const channel of ['tofile', 'tail']) await http.createChannel(topic, channel)
    for (let i = 0; i < bodies.length; i += 20_000) await http.mpub(topic, bodies.slice(i, i + 20_000))
    const order = round % 2 === 0 ? (['tail', 'toFile'] as const) : (['toFile', 'tail'] as const)
    for (const who of order) {
      const out = fs.mkdtempSync(path.join(scratch, `${who}-`))
      let seconds: number
      if (who === 'toFile') {
        const until = async (): Promise<boolean> => {
          const stats = await http.stats({topic, channel: 'tofile'})
          const c = stats.topics.find((t) => t.topic_name === topic)?.channels.find((ch) => ch.channel_name === 'tofile')
          return c !== undefined && c.depth === 0 && c.in_flight_count === 0
        }
        const args = [
          'to-file',
          '-q',
          `--topic=${topic}`,
          '--channel=tofile',
          `--nsqd-tcp-address=${nsqd.tcpAddress}`,
          `--output-dir=${out}`,
        ]
        const result = await measure(process.execPath, [CLI, ...args], {until})
        seconds = result.seconds
        const lines = countLines(out)
        if (lines !== TAIL_MESSAGES) throw new Error(`to-file archived ${lines} lines, expected ${TAIL_MESSAGES}`)
      } else {
        const file = path.join(out, 'tail.log')
        const fd = fs.openSync(file, 'w')
        const started = performance.now()
        const child = spawn(
          process.execPath,
          [CLI, 'tail', topic, '--channel=tail', `-n=${TAIL_MESSAGES}`, '-q', `--nsqd-tcp-address=${nsqd.tcpAddress}`],
          {
            stdio: ['ignore', fd, 'inherit'],
          },
        )
        fs.closeSync(fd)
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
        seconds = (performance.now() - started) / 1000
        if (code !== 0) throw new Error(`nsq tail exited ${code}`)
        const lines = countLines(out)
        if (lines !== TAIL_MESSAGES) throw new Error(`nsq tail printed ${lines} lines, expected ${TAIL_MESSAGES}`)
      }
      const rate = TAIL_MESSAGES / seconds
      rates[who].push(rate)
      process.stderr.write(`to-file vs tail round ${round + 1} ${who.padEnd(6)} ${fmt(seconds, 2)} s  ${fmt(rate)} msg/s\n`)
      fs.rmSync(out, {recursive: true, force: true})
    }
    await http.deleteTopic(topic)
  }
  return {
    name: `plain to-file (spawn until every message FIN'd, i.e. fdatasync'ed) vs \`nsq tail -n ${fmt(TAIL_MESSAGES)} > file\` (spawn to exit), both ours, ${fmt(TAIL_MESSAGES)} queued msgs of 100–200 B, defaults`,
    ours: median(rates.toFile),
    theirs: median(rates.tail),
    unit: 'msg/s',
    target: 0.5,
    notes: `"theirs" is nsq tail`,
  }
}

export async function compare(): Promise<ComparisonRow[]> {
  const nsqd = await startNsqd({args: [`--mem-queue-size=${Math.max(MESSAGES, TAIL_MESSAGES) * 2}`]})
  const http = new NsqdHttpClient(nsqd.httpAddress)
  const bodies = makeBodies(MESSAGES)
  const bytes = bodies.reduce((sum, b) => sum + b.length, 0)
  const modes = [
    {name: 'plain', extra: [] as string[]},
    {name: 'gzip', extra: ['--gzip', '--sync-interval=1s']},
  ]
  const rows: ComparisonRow[] = []
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-to-file-'))
  try {
    for (const mode of modes) {
      const rates = {ours: [] as number[], theirs: [] as number[]}
      const peaks = {ours: [] as number[], theirs: [] as number[]}
      for (let round = 0; round < ROUNDS; round++) {
        const topic = `to_file_bench_${mode.name}_${round}`
        await fill(http, topic, bodies)
        const order = round % 2 === 0 ? (['theirs', 'ours'] as const) : (['ours', 'theirs'] as const)
        for (const who of order) {
          const out = fs.mkdtempSync(path.join(scratch, `${who}-`))
          const result = await run(who, nsqd, topic, out, mode.extra)
          const rate = MESSAGES / result.seconds
          rates[who].push(rate)
          peaks[who].push(result.peakMiB)
          process.stderr.write(
            `${mode.name} round ${round + 1} ${who.padEnd(6)} ${fmt(result.seconds, 2)} s  ${fmt(rate)} msg/s  peak RSS ${fmt(result.peakMiB)} MiB\n`,
          )
          fs.rmSync(out, {recursive: true, force: true})
        }
        await http.deleteTopic(topic)
      }
      rows.push({
        name: `to-file vs nsq_to_file, ${mode.name}${mode.name === 'gzip' ? ' (--sync-interval=1s both)' : ''}: archive ${fmt(MESSAGES)} queued msgs of 100–200 B (avg ${fmt(bytes / MESSAGES)} B), spawn until the files hold every message`,
        ours: median(rates.ours),
        theirs: median(rates.theirs),
        unit: 'msg/s',
        target: 1,
        notes: `peak RSS ours ${fmt(Math.max(...peaks.ours))} MiB, theirs ${fmt(Math.max(...peaks.theirs))} MiB`,
      })
    }
    if (TAIL_MESSAGES > 0) rows.push(await againstTail(nsqd, http, scratch))
  } finally {
    await nsqd.stop()
    fs.rmSync(scratch, {recursive: true, force: true})
  }
  return rows
}
