/** Helpers shared by the to-file e2e tests (not a test file). */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import {NsqdHttpClient} from '../../src/core/index.js'
import {splitLines} from '../support/official.js'
import {until} from '../support/wait.js'

/** A fresh temp dir, removed by `cleanup`. */
export function tempDirs(prefix: string): {make(): string; cleanup(): void} {
  const made: string[] = []
  return {
    make: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
      made.push(dir)
      return dir
    },
    cleanup: () => {
      for (const dir of made.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
    },
  }
}

/** Bodies `prefix-<n>-ppp…` of varied length (never containing a newline). */
export function bodies(prefix: string, from: number, count: number): string[] {
  return Array.from({length: count}, (_, i) => `${prefix}-${from + i}-${'p'.repeat((from + i) % 41)}`)
}

/** Publishes with binary MPUB in batches. */
export async function publish(httpAddress: string, topic: string, list: readonly string[]): Promise<void> {
  const client = new NsqdHttpClient(httpAddress)
  for (let i = 0; i < list.length; i += 2000)
    await client.mpub(
      topic,
      list.slice(i, i + 2000).map((b) => Buffer.from(b)),
    )
}

/** depth, in-flight, clients and messages received (message_count) of a channel. */
export async function channelState(
  httpAddress: string,
  topic: string,
  channel: string,
): Promise<{depth: number; inFlight: number; clients: number; received: number}> {
  const stats = await new NsqdHttpClient(httpAddress).stats({topic, channel})
  const c = stats.topics.find((t) => t.topic_name === topic)?.channels.find((ch) => ch.channel_name === channel)
  return {depth: c?.depth ?? -1, inFlight: c?.in_flight_count ?? -1, clients: c?.client_count ?? 0, received: c?.message_count ?? 0}
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  await until(what, check, {timeoutMs, everyMs})
}

/** Archive data files below `dir` (relative names): every visible file (manifests and sidecars are hidden). */
export function archiveNames(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort()
}

/** The (decompressed) content of an archive file. */
export function archiveContent(file: string): Buffer {
  const data = fs.readFileSync(file)
  return file.endsWith('.gz') ? zlib.gunzipSync(data) : data
}

/** Every line of every archive file below `dir`. */
export function archiveLines(dir: string): string[] {
  return archiveNames(dir).flatMap((name) => splitLines(archiveContent(path.join(dir, name))).map((b) => b.toString()))
}

/** Counts of each line. */
export function counts(lines: readonly string[]): Map<string, number> {
  const map = new Map<string, number>()
  for (const line of lines) map.set(line, (map.get(line) ?? 0) + 1)
  return map
}
