import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/** Makes NSQ_BIN_DIR point at the v1.3.0 binaries (building them if needed) and returns it. */
export function ensureNsqBinaries(): string {
  process.env.NSQ_BIN_DIR ??= execFileSync(process.execPath, [path.join('scripts', 'ensure-nsq.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim()
  return process.env.NSQ_BIN_DIR
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: digits})
}

/** Runs a command to completion and returns its stdout and stderr. */
export function run(file: string, args: readonly string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('exit', (code) => resolve({code, stdout, stderr}))
  })
}

/** Parses the `… - 171625.780ops/s - …` line that bench_writer and bench_reader print. */
export function parseGoBenchRate(output: string): number {
  const match = /([\d.]+)ops\/s/.exec(output)
  if (match === null) throw new Error(`no ops/s in Go bench output:\n${output}`)
  return Number(match[1])
}

/** `count` bodies of 100–200 bytes (avg ~150 B), varied so nothing compresses into a pattern. */
export function makeBodies(count: number): Buffer[] {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(8)
  return Array.from({length: count}, (_, i) =>
    Buffer.from(`${i.toString().padStart(9, '0')} ${alphabet.slice(i % 36, (i % 36) + 90 + (i % 101))}`),
  )
}

/** The peak resident set (VmHWM) of a live process, in MiB; NaN once it is gone. */
export function peakRssMiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? Number.NaN : Number(match[1]) / 1024
  } catch {
    return Number.NaN
  }
}

/** VmRSS and its anonymous / file-backed parts (kB → MiB) of a live process; undefined once it is gone. */
export function rssParts(pid: number): {rss: number; anon: number; file: number} | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024
    return {rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile')}
  } catch {
    return undefined
  }
}

export interface MeasureOptions {
  /** A file to give the child as stdin (default: none). */
  stdin?: string
  env?: NodeJS.ProcessEnv
  /** Count the newlines the child prints (stdout on a pipe); otherwise stdout is discarded. */
  countLines?: boolean
  /** Polled every 20 ms: once true the run is timed and the child SIGTERMed (peak RSS still includes its shutdown). Without it: runs to exit. */
  until?: () => boolean | Promise<boolean>
  timeoutMs?: number
}

export interface Measured {
  /** Spawn until `until` held (or until exit). */
  seconds: number
  /** The highest VmHWM read (every 10 ms, until exit), MiB. */
  peakMiB: number
  /** At the highest VmRSS sampled: how much of it was anonymous memory (heaps, buffers) and file-backed pages (node's own code), MiB. */
  atPeak: {anon: number; file: number}
  code: number | null
  lines: number
  stderr: string
}

/**
 * Spawns a command and follows its peak RSS (VmHWM from /proc, polled every 10 ms until it exits;
 * VmHWM only grows, so the last read before exit misses at most its last 10 ms). With `until`,
 * the child is SIGTERMed once that holds (SIGKILL after 60 s); an exit before it is an error.
 */
export async function measure(file: string, args: readonly string[], options: MeasureOptions = {}): Promise<Measured> {
  const stdinFd = options.stdin === undefined ? 'ignore' : fs.openSync(options.stdin, 'r')
  const started = performance.now()
  const child: ChildProcess = spawn(file, args, {
    stdio: [stdinFd, options.countLines === true ? 'pipe' : 'ignore', 'pipe'],
    env: options.env ?? process.env,
  })
  if (typeof stdinFd === 'number') fs.closeSync(stdinFd)
  const pid = child.pid as number
  let peakMiB = 0
  let highest = 0
  const atPeak = {anon: Number.NaN, file: Number.NaN}
  let lines = 0
  let stderr = ''
  let seconds = Number.NaN
  child.stdout?.on('data', (chunk: Buffer) => {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++
  })
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)))
  const poll = setInterval(() => {
    const now = peakRssMiB(pid)
    if (now > peakMiB) peakMiB = now
    const parts = rssParts(pid)
    if (parts !== undefined && parts.rss > highest) {
      highest = parts.rss
      atPeak.anon = parts.anon
      atPeak.file = parts.file
    }
  }, 10)
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => {
      clearInterval(poll)
      resolve(code)
    })
  })
  const timeoutMs = options.timeoutMs ?? 300_000
  const name = path.basename(file === process.execPath ? (args[1] ?? file) : file)
  try {
    if (options.until !== undefined) {
      while (!(await options.until())) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${name} exited early (${child.exitCode ?? child.signalCode}):\n${stderr}`)
        if (performance.now() - started > timeoutMs) throw new Error(`${name}: not done after ${timeoutMs / 1000} s`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      seconds = (performance.now() - started) / 1000
      child.kill('SIGTERM')
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.until === undefined ? timeoutMs : 60_000)
    const code = await exited
    clearTimeout(timer)
    if (options.until === undefined) seconds = (performance.now() - started) / 1000
    return {seconds, peakMiB, atPeak, code, lines, stderr}
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    throw error
  }
}
