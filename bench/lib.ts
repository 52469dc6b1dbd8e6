import {execFileSync, spawn} from 'node:child_process'
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
