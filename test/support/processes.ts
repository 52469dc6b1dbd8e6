import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/** Children started by this test process, so an exit handler can kill them by pid. */
const live = new Set<ChildProcess>()

process.on('exit', () => {
  for (const child of live)
    if (child.pid !== undefined)
      try {
        process.kill(child.pid, 'SIGKILL')
      } catch {
        /* gone */
      }
})

/** Where the pid of a running child is recorded, when a test run asked for that (NSQ_TEST_PID_DIR). */
function pidFile(pid: number): string | undefined {
  const dir = process.env.NSQ_TEST_PID_DIR
  return dir ? path.join(dir, String(pid)) : undefined
}

/** Spawns a child that is tracked by pid until it exits (see global-setup.ts). */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe'], ...options})
  if (child.pid === undefined) throw new Error(`could not start ${command}`)
  const pid = child.pid
  live.add(child)
  const file = pidFile(pid)
  if (file !== undefined) fs.writeFileSync(file, command)
  child.once('exit', () => {
    live.delete(child)
    if (file !== undefined) fs.rmSync(file, {force: true})
  })
  return child
}

/** Sends `signal` to the child by pid and waits for it to exit (SIGKILL after `graceMs`). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    process.kill(child.pid, 'SIGCONT')
    process.kill(child.pid, signal)
  } catch {
    return
  }
  const timer = setTimeout(() => {
    if (child.pid !== undefined)
      try {
        process.kill(child.pid, 'SIGKILL')
      } catch {
        /* gone */
      }
  }, graceMs)
  await exited
  clearTimeout(timer)
}

/**
 * Keeps the last `limit` characters of the child's output (so its pipes never fill and block it)
 * and resolves with everything seen once `ready(text)` is true.
 */
export function collectOutput(
  child: ChildProcess,
  limit = 64 * 1024,
): {text: () => string; until: (ready: (text: string) => boolean, timeoutMs: number, what: string) => Promise<string>} {
  let seen = ''
  let waiters: (() => void)[] = []
  const onData = (chunk: Buffer): void => {
    seen += chunk.toString('utf8')
    if (seen.length > limit) seen = seen.slice(-limit)
    for (const wake of waiters) wake()
  }
  child.stderr?.on('data', onData)
  child.stdout?.on('data', onData)
  child.once('exit', () => {
    for (const wake of waiters) wake()
  })
  const until = (ready: (text: string) => boolean, timeoutMs: number, what: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (ready(seen)) {
          done()
          resolve(seen)
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done()
          reject(new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready. Output:\n${seen}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`${what} not ready within ${timeoutMs} ms. Output:\n${seen}`))
      }, timeoutMs)
      function done(): void {
        clearTimeout(timer)
        waiters = waiters.filter((w) => w !== check)
      }
      waiters.push(check)
      check()
    })
  return {text: () => seen, until}
}
