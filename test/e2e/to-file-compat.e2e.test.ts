/**
 * Compatibility with the official nsq_to_file: the same 50,000 messages, archived by our
 * drop-in `nsq_to_file` (bin/nsq_to_file.js → `nsq to-file`) and by the official binary with the
 * same argv (only the channel and directories differ), give the same file names and the same
 * (decompressed) contents — plain, --gzip, with rotation and a work dir, and with a
 * --datetime-format that exercises strftime's Go-layout quirks and a subdirectory.
 */
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {collect, spawnCli} from '../support/cli.js'
import {nsqBin, startNsqd, type NsqdProcess} from '../support/nsq.js'
import {collectOutput, spawnTracked, stopChild} from '../support/processes.js'
import {archiveContent, archiveLines, archiveNames, bodies, channelState, publish, tempDirs, waitFor} from './to-file-support.js'

const COUNT = 50_000
let nsqd: NsqdProcess
const dirs = tempDirs('to-file-compat-')

beforeAll(async () => {
  // Everything stays in memory, so both channels get the messages in the same (FIFO) order.
  nsqd = await startNsqd({args: ['--mem-queue-size=1000000']})
})

afterAll(async () => {
  await nsqd?.stop()
  dirs.cleanup()
})

interface Case {
  name: string
  args: (workDir: string) => string[]
}

const cases: Case[] = [
  {name: 'plain', args: () => []},
  {name: 'gzip', args: () => ['--gzip']},
  {name: 'rotation by size with a work dir', args: (work) => ['--rotate-size=100000', `--work-dir=${work}`]},
  {
    name: 'gzip, rotation, strftime quirks and a subdirectory',
    args: (work) => [
      '--gzip',
      '--gzip-level=1',
      '--rotate-size=150000',
      `--work-dir=${work}`,
      '--datetime-format=v1.%Y%m%d-%I%p',
      '--filename-format=<TOPIC>/<HOST><REV>.<DATETIME>.log',
    ],
  },
]

describe('to-file vs the official nsq_to_file (same argv, same messages)', () => {
  cases.forEach((testCase, index) => {
    it(`gives the same file names and contents: ${testCase.name}`, async () => {
      const topic = `compat${index}`
      const http = new NsqdHttpClient(nsqd.httpAddress)
      await http.createTopic(topic)
      await http.createChannel(topic, 'ours')
      await http.createChannel(topic, 'theirs')
      const published = bodies(topic, 0, COUNT)
      await publish(nsqd.httpAddress, topic, published)

      const oursOut = dirs.make()
      const theirsOut = dirs.make()
      const common = [`--topic=${topic}`, `--nsqd-tcp-address=${nsqd.tcpAddress}`, '--host-identifier=host1']
      const ours = spawnCli([...common, '--channel=ours', `--output-dir=${oursOut}`, ...testCase.args(dirs.make())], {
        bin: 'bin/nsq_to_file.js',
        stdin: 'ignore',
      })
      const oursDone = collect(ours, {timeoutMs: 120_000})
      const theirs = spawnTracked(nsqBin('nsq_to_file'), [
        ...common,
        '--channel=theirs',
        `--output-dir=${theirsOut}`,
        ...testCase.args(dirs.make()),
      ])
      const theirsLog = collectOutput(theirs)
      const theirsExit = new Promise<number | null>((resolve) => theirs.once('exit', (code) => resolve(code)))
      try {
        await waitFor(
          'both channels to be delivered',
          async () => {
            const [a, b] = await Promise.all([
              channelState(nsqd.httpAddress, topic, 'ours'),
              channelState(nsqd.httpAddress, topic, 'theirs'),
            ])
            return a.depth === 0 && a.inFlight === 0 && b.depth === 0
          },
          90_000,
          200,
        )
        // nsq_to_file holds its last partial batch until its 30 s sync timer; SIGTERM makes both sync and exit.
        await Promise.all([stopChild(ours, 'SIGTERM', 30_000), stopChild(theirs, 'SIGTERM', 30_000)])
      } finally {
        await Promise.all([stopChild(ours, 'SIGKILL'), stopChild(theirs, 'SIGKILL')])
      }
      const result = await oursDone
      expect(result.code, result.stderr).toBe(0)
      expect(await theirsExit, theirsLog.text()).toBe(0)

      const names = archiveNames(theirsOut)
      expect(names.length).toBeGreaterThan(0)
      expect(archiveNames(oursOut)).toEqual(names)
      for (const name of names) {
        const mine = archiveContent(path.join(oursOut, name))
        const official = archiveContent(path.join(theirsOut, name))
        expect(mine.equals(official), `${name}: ${mine.length} vs ${official.length} bytes`).toBe(true)
      }
      const lines = archiveLines(oursOut)
      expect(lines).toHaveLength(COUNT)
      expect(lines).toEqual(published)
      if (testCase.name.startsWith('rotation')) expect(names.length).toBeGreaterThan(5)
    }, 180_000)
  })
})
