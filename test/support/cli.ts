import path from 'node:path'
import type {ChildProcess, SpawnOptions} from 'node:child_process'
import {spawnTracked, stopChild} from './processes.js'

/** The built CLI as a user runs it (`npm run build` / `npm test` build it first). */
export const CLI = path.resolve('bin/run.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: Buffer
  stderr: string
}

export interface CliOptions {
  /** Bytes or text written to stdin, then closed. Without it stdin is /dev/null. */
  input?: Buffer | string
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** Run another bin of the package (e.g. `bin/nsq_tail.js`) instead of bin/run.js. */
  bin?: string
}

/** Starts the CLI; the caller owns the child (stop it with stopChild). Tracked by pid. */
export function spawnCli(
  args: readonly string[],
  options: Omit<CliOptions, 'input' | 'timeoutMs'> & {stdin?: 'pipe' | 'ignore'} = {},
): ChildProcess {
  const spawnOptions: SpawnOptions = {
    stdio: [options.stdin ?? 'pipe', 'pipe', 'pipe'],
    env: {...process.env, NO_COLOR: '1', ...options.env},
  }
  return spawnTracked(process.execPath, [options.bin === undefined ? CLI : path.resolve(options.bin), ...args], spawnOptions)
}

/** Runs the CLI to completion and collects its output; kills it (SIGKILL) after `timeoutMs`. */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, {...options, stdin: options.input === undefined ? 'ignore' : 'pipe'})
  return collect(child, options)
}

/** Waits for a spawned CLI to exit and returns what it printed. */
export async function collect(child: ChildProcess, options: Pick<CliOptions, 'input' | 'timeoutMs'> = {}): Promise<CliResult> {
  const stdout: Buffer[] = []
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    child.once('exit', (code, signal) => resolve({code, signal})),
  )
  if (options.input !== undefined && child.stdin !== null) {
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input)
  }
  const timer = setTimeout(() => void stopChild(child, 'SIGKILL'), options.timeoutMs ?? 60_000)
  const {code, signal} = await exited
  clearTimeout(timer)
  // 'exit' can come before the pipes are drained.
  await Promise.all(
    [child.stdout, child.stderr].map((s) =>
      s === null || s.readableEnded || s.destroyed ? Promise.resolve() : new Promise((r) => s.once('close', r)),
    ),
  )
  return {code, signal, stdout: Buffer.concat(stdout), stderr}
}
