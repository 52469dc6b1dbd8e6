import {nsqBin} from './nsq.js'
import {collectOutput, spawnTracked, stopChild} from './processes.js'

/**
 * Reads `count` messages of `topic` with the official nsq_tail (which prints each body plus
 * `\n`) and returns the bodies. Fails if they do not all arrive within `timeoutMs`.
 * It reads from a durable channel: nsq_tail's default ephemeral channel silently drops what
 * exceeds nsqd's --mem-queue-size (10,000) when the topic holds a larger backlog.
 */
export async function readWithNsqTail(
  nsqdTcpAddress: string,
  topic: string,
  count: number,
  extraArgs: string[] = [],
  timeoutMs = 30_000,
): Promise<Buffer[]> {
  const child = spawnTracked(
    nsqBin('nsq_tail'),
    [`--nsqd-tcp-address=${nsqdTcpAddress}`, `--topic=${topic}`, '--channel=readback', `-n=${count}`, ...extraArgs],
    {stdio: ['ignore', 'pipe', 'pipe']},
  )
  const stdout: Buffer[] = []
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
  const log = collectOutput(child)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const timer = setTimeout(() => void stopChild(child, 'SIGKILL'), timeoutMs)
  const code = await exited
  clearTimeout(timer)
  const text = Buffer.concat(stdout)
  const lines = splitLines(text)
  if (code !== 0 || lines.length !== count) {
    throw new Error(`nsq_tail exited ${code} with ${lines.length}/${count} messages. Log:\n${log.text().slice(-2000)}`)
  }
  return lines
}

/** Splits on `\n`, dropping the empty piece after a final newline. */
export function splitLines(data: Buffer): Buffer[] {
  const lines: Buffer[] = []
  let start = 0
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, start)) {
    lines.push(data.subarray(start, i))
    start = i + 1
  }
  if (start < data.length) lines.push(data.subarray(start))
  return lines
}

/** Sorted hex of each buffer: compares multisets of bodies byte for byte. */
export function multiset(bodies: readonly Buffer[]): string[] {
  return bodies.map((b) => b.toString('hex')).sort()
}
