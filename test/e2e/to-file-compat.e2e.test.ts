/**
 * Compatibility with the official nsq_to_file: the same 50,000 messages, archived by
 * `nsq to-file`, by our drop-in `nsq_to_file` (bin/nsq_to_file.js → `nsq to-file`) and by the
 * official binary with the same argv (only the channel and directories differ), leave output
 * dirs that `ls -R` lists identically, holding the same (decompressed) bytes in each file —
 * plain, --gzip, with rotation and a work dir, and with a --datetime-format that exercises
 * strftime's Go-layout quirks and a subdirectory. `zcat` over a glob of a gzip output dir works
 * (nothing but archives in it) and prints every message in order. Our manifests are still
 * written, hidden beside each file, and describe it.
 *
 * What is controlled so names and contents can match: one topic, one channel per archiver on
 * one nsqd with everything in memory (so each channel gets the messages in the same FIFO order),
 * all published before any archiver starts; the same --host-identifier, --filename-format and
 * --datetime-format for all; all three stopped with SIGTERM once every channel is drained (each
 * syncs and closes its last file). Names carry the local hour, as nsq_to_file's do: a run that
 * straddles an hour boundary may rotate at different messages (not controlled).
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
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
  // Everything stays in memory, so every channel gets the messages in the same (FIFO) order.
  nsqd = await startNsqd({args: ['--mem-queue-size=1000000']})
})

afterAll(async () => {
  await nsqd?.stop()
  dirs.cleanup()
})

interface Case {
  name: string
  args: (workDir: string) => string[]
  gzip: boolean
  /** The glob a user runs zcat over (the subdirectory case has one folder level). */
  glob: string
}

const cases: Case[] = [
  {name: 'plain', args: () => [], gzip: false, glob: '*'},
  {name: 'gzip', args: () => ['--gzip'], gzip: true, glob: '*'},
  {name: 'rotation by size with a work dir', args: (work) => ['--rotate-size=100000', `--work-dir=${work}`], gzip: false, glob: '*'},
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
    gzip: true,
    glob: '*/*',
  },
]

/** What `ls -R` prints in `dir` (run there, so the listing does not hold the temp path). */
const lsR = (dir: string): string => execFileSync('ls', ['-R'], {cwd: dir, encoding: 'utf8', env: {...process.env, LC_ALL: 'C'}})

/** Runs `zcat <glob>` in `dir` through a shell, as a user would. */
function zcat(dir: string, glob: string): {status: number | null; stdout: string; stderr: string} {
  const result = spawnSync('sh', ['-c', `zcat ${glob}`], {cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
  return {status: result.status, stdout: result.stdout, stderr: result.stderr}
}

const ARCHIVERS = ['nsq to-file', 'drop-in nsq_to_file', 'official nsq_to_file'] as const
type Archiver = (typeof ARCHIVERS)[number]
const channelOf = (archiver: Archiver): string => ['ours', 'dropin', 'theirs'][ARCHIVERS.indexOf(archiver)] as string

describe('nsq to-file and the drop-in vs the official nsq_to_file (same argv, same messages)', () => {
  cases.forEach((testCase, index) => {
    it(`leave the same ls -R listing and contents: ${testCase.name}`, async () => {
      const topic = `compat${index}`
      const http = new NsqdHttpClient(nsqd.httpAddress)
      await http.createTopic(topic)
      for (const archiver of ARCHIVERS) await http.createChannel(topic, channelOf(archiver))
      const published = bodies(topic, 0, COUNT)
      await publish(nsqd.httpAddress, topic, published)

      const out = new Map<Archiver, string>(ARCHIVERS.map((a) => [a, dirs.make()]))
      const common = [`--topic=${topic}`, `--nsqd-tcp-address=${nsqd.tcpAddress}`, '--host-identifier=host1']
      const argv = (archiver: Archiver): string[] => [
        ...common,
        `--channel=${channelOf(archiver)}`,
        `--output-dir=${out.get(archiver) as string}`,
        ...testCase.args(dirs.make()),
      ]
      const ours = spawnCli(['to-file', ...argv('nsq to-file')], {stdin: 'ignore'})
      const dropIn = spawnCli(argv('drop-in nsq_to_file'), {bin: 'bin/nsq_to_file.js', stdin: 'ignore'})
      const oursDone = collect(ours, {timeoutMs: 120_000})
      const dropInDone = collect(dropIn, {timeoutMs: 120_000})
      const theirs = spawnTracked(nsqBin('nsq_to_file'), argv('official nsq_to_file'))
      const theirsLog = collectOutput(theirs)
      const theirsExit = new Promise<number | null>((resolve) => theirs.once('exit', (code) => resolve(code)))
      const children = [ours, dropIn, theirs]
      try {
        await waitFor(
          'every channel to be delivered',
          async () => {
            const states = await Promise.all(ARCHIVERS.map((a) => channelState(nsqd.httpAddress, topic, channelOf(a))))
            // Ours FIN only after the sync; nsq_to_file FINs at its sync too, which SIGTERM forces.
            return states.every((s, i) => s.depth === 0 && (i === 2 || s.inFlight === 0))
          },
          90_000,
          200,
        )
        // nsq_to_file holds its last partial batch until its 30 s sync timer; SIGTERM makes every one sync and exit.
        await Promise.all(children.map((child) => stopChild(child, 'SIGTERM', 30_000)))
      } finally {
        await Promise.all(children.map((child) => stopChild(child, 'SIGKILL')))
      }
      for (const result of [await oursDone, await dropInDone]) expect(result.code, result.stderr).toBe(0)
      expect(await theirsExit, theirsLog.text()).toBe(0)

      const official = out.get('official nsq_to_file') as string
      const names = archiveNames(official)
      expect(names.length).toBeGreaterThan(0)
      if (testCase.name.startsWith('rotation')) expect(names.length).toBeGreaterThan(5)
      const officialListing = lsR(official)
      for (const archiver of ['nsq to-file', 'drop-in nsq_to_file'] as const) {
        const dir = out.get(archiver) as string
        // The listing a user sees (ls without -a) is the official app's, folders included.
        expect(lsR(dir), archiver).toBe(officialListing)
        expect(archiveNames(dir), archiver).toEqual(names)
        for (const name of names) {
          const mine = archiveContent(path.join(dir, name))
          const theirsContent = archiveContent(path.join(official, name))
          expect(mine.equals(theirsContent), `${archiver} ${name}: ${mine.length} vs ${theirsContent.length} bytes`).toBe(true)
          // The manifest is still written, hidden beside the file, and describes it.
          const stored = fs.readFileSync(path.join(dir, name))
          const manifestFile = path.join(dir, path.dirname(name), `.${path.basename(name)}.manifest.json`)
          const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
            messages: number
            bytes: number
            sha256: string
            gzip: boolean
          }
          expect(manifest, `${archiver} ${name}`).toMatchObject({
            messages: mine.toString().split('\n').length - 1,
            bytes: stored.length,
            sha256: createHash('sha256').update(stored).digest('hex'),
            gzip: testCase.gzip,
          })
        }
        const lines = archiveLines(dir)
        expect(lines).toHaveLength(COUNT)
        expect(lines).toEqual(published)
        if (testCase.gzip) {
          // What nsq_to_file users run: every file in the glob is an archive, so zcat reads them all.
          const cat = zcat(dir, testCase.glob)
          expect(cat.status, `${archiver}: ${cat.stderr}`).toBe(0)
          expect(cat.stderr).toBe('')
          expect(cat.stdout).toBe(zcat(official, testCase.glob).stdout)
          expect(cat.stdout).toBe(`${published.join('\n')}\n`)
        }
      }
    }, 240_000)
  })
})
