/**
 * Crash safety of `nsq to-file --work-dir` (--gzip, and plain with its sync journal): kill -9 at random moments while it archives
 * (with rotations, and more messages arriving meanwhile), a restart after each, then a clean
 * stop. Every published message must be in the output, every file must decompress and match
 * its manifest, and the work dir must be empty. Duplicates (at-least-once) are counted and
 * reported.
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {collect, spawnCli} from '../support/cli.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {collectOutput, stopChild} from '../support/processes.js'
import {archiveLines, archiveNames, bodies, channelState, publish, tempDirs, waitFor} from './to-file-support.js'
import {sleep} from '../support/wait.js'

let nsqd: NsqdProcess
const dirs = tempDirs('to-file-crash-')

beforeAll(async () => {
  // A short msg-timeout, so what a kill -9 left in flight comes back quickly.
  nsqd = await startNsqd({args: ['--msg-timeout=3s']})
})

afterAll(async () => {
  await nsqd?.stop()
  dirs.cleanup()
})

describe('to-file under kill -9', () => {
  it.each([
    {mode: 'gzip', flags: ['--gzip']},
    {mode: 'plain (sync journal)', flags: [] as string[]},
  ])(
    '$mode: loses nothing across repeated kill -9 and restarts; every file is readable; the work dir ends empty',
    async ({mode, flags}) => {
      const topic = `crash_${mode.split(' ')[0] as string}`
      const http = new NsqdHttpClient(nsqd.httpAddress)
      await http.createTopic(topic)
      await http.createChannel(topic, 'nsq_to_file')
      const out = dirs.make()
      const work = dirs.make()
      const args = [
        'to-file',
        '--topic',
        topic,
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
        ...flags,
        '--work-dir',
        work,
        '--output-dir',
        out,
        '--rotate-size',
        '40000',
        '--sync-interval',
        '1s',
        '--max-in-flight',
        '100',
        '--host-identifier',
        'h',
      ]

      const published: string[] = bodies('c', 0, 20_000)
      await publish(nsqd.httpAddress, topic, published)
      // More messages keep arriving while the archiver is being killed.
      let next = 20_000
      let publishing = true
      const feeder = (async () => {
        while (publishing) {
          const batch = bodies('c', next, 500)
          next += 500
          await publish(nsqd.httpAddress, topic, batch)
          published.push(...batch)
          await sleep(150)
        }
      })()

      const delays: number[] = []
      let repairs = 0
      const countRepairs = (text: string): number => text.split('\n').filter((line) => line.startsWith('repaired')).length
      for (let round = 0; round < 6; round++) {
        const child = spawnCli(args, {stdin: 'ignore'})
        const output = collectOutput(child)
        child.once('exit', () => (repairs += countRepairs(output.text())))
        // Killed while it archives: once it consumes (after its crash repair; start-up time varies
        // with the machine's load), then after a random moment of writing.
        await waitFor(
          'to-file subscribed',
          async () => (await channelState(nsqd.httpAddress, topic, 'nsq_to_file')).clients > 0,
          60_000,
          50,
        )
        const delay = 200 + Math.floor(Math.random() * 2000)
        delays.push(delay)
        await sleep(delay)
        await stopChild(child, 'SIGKILL')
        await waitFor(
          'nsqd saw the killed client go',
          async () => (await channelState(nsqd.httpAddress, topic, 'nsq_to_file')).clients === 0,
          30_000,
          50,
        )
      }
      publishing = false
      await feeder

      const final = spawnCli(args, {stdin: 'ignore'})
      const finalDone = collect(final, {timeoutMs: 120_000})
      try {
        await waitFor(
          "every message archived and FIN'd",
          async () => {
            const state = await channelState(nsqd.httpAddress, topic, 'nsq_to_file')
            return state.depth === 0 && state.inFlight === 0 && state.clients > 0
          },
          90_000,
          250,
        )
        await stopChild(final, 'SIGTERM', 30_000)
      } finally {
        await stopChild(final, 'SIGKILL')
      }
      const result = await finalDone
      expect(result.code, result.stderr).toBe(0)
      repairs += countRepairs(result.stderr)
      // Files a crash left behind were found and repaired on restart.
      expect(repairs).toBeGreaterThan(0)

      // The work dir is empty: every file (and sidecar) was repaired and moved out.
      expect(fs.readdirSync(work, {recursive: true})).toEqual([])
      // Every file decompresses (archiveLines gunzips each one whole) and matches its manifest.
      const names = archiveNames(out)
      for (const name of names) {
        const file = path.join(out, name)
        const manifest = JSON.parse(fs.readFileSync(path.join(path.dirname(file), `.${path.basename(file)}.manifest.json`), 'utf8')) as {
          sha256: string
          bytes: number
          messages: number
        }
        const data = fs.readFileSync(file)
        expect(manifest.sha256, name).toBe(createHash('sha256').update(data).digest('hex'))
        expect(manifest.bytes, name).toBe(data.length)
      }
      const lines = archiveLines(out)
      const seen = new Set(lines)
      const missing = published.filter((b) => !seen.has(b))
      const duplicates = lines.length - seen.size
      const manifested = names.reduce(
        (sum, name) => sum + (JSON.parse(fs.readFileSync(path.join(out, `.${name}.manifest.json`), 'utf8')) as {messages: number}).messages,
        0,
      )
      process.stderr.write(
        `to-file crash test (${mode}): ${published.length} published, ${lines.length} archived in ${names.length} files, ${duplicates} duplicates, ${repairs} files repaired, kill -9 after ${delays.join(', ')} ms\n`,
      )
      expect(missing).toEqual([])
      expect(seen.size).toBe(published.length)
      expect(manifested).toBe(lines.length)
    },
    300_000,
  )
})
