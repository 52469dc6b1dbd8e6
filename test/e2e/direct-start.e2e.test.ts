/**
 * The direct start (src/cli/direct-start.ts): `nsq relay …` and `nsq_to_nsq …` run the relay
 * from one bundle with oclif inlined, without oclif's run() and its plugins. These tests check
 * that path is the one taken (no module of node_modules/@oclif/core is loaded), that it behaves
 * as oclif's path does (NSQ_NO_FAST_START=1, side by side: the same exit codes and the same
 * error text for a refused connection and a misspelled flag, the same summary for a real relay
 * between two real nsqd), and that a help flag anywhere still goes to oclif.
 * Every other relay e2e test (test/e2e/relay.e2e.test.ts) runs through the direct path too.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient, Producer} from '../../src/core/index.js'
import {collect, runCli, spawnCli, type CliOptions} from '../support/cli.js'
import {startNsqd, stopAllServices, type NsqdProcess} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'
import {channelCounts, waitFor} from '../support/read-back.js'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-direct-start-'))
afterAll(async () => {
  await stopAllServices()
  fs.rmSync(work, {recursive: true, force: true})
})

// Preloaded into the CLI (NODE_OPTIONS): on exit, says whether any @oclif/core module was loaded.
const probe = path.join(work, 'oclif-probe.cjs')
fs.writeFileSync(
  probe,
  `process.on('exit', () => {
  const loaded = Object.keys(require.cache).some((file) => file.includes('/node_modules/@oclif/core/'))
  process.stderr.write('oclif-loaded=' + loaded + '\\n')
})
`,
)

const OCLIF = {NSQ_NO_FAST_START: '1'}
const PROBE_LINE = /^oclif-loaded=(true|false)\n/m

interface ProbedRun {
  code: number | null
  stdout: string
  /** stderr without the probe's line. */
  stderr: string
  oclifLoaded: boolean
}

async function probed(args: readonly string[], options: CliOptions = {}): Promise<ProbedRun> {
  const result = await runCli(args, {...options, env: {NODE_OPTIONS: `--require ${probe}`, ...options.env}, timeoutMs: 60_000})
  const match = PROBE_LINE.exec(result.stderr)
  if (match === null) throw new Error(`no probe line on stderr: ${result.stderr}`)
  return {
    code: result.code,
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.replace(PROBE_LINE, ''),
    oclifLoaded: match[1] === 'true',
  }
}

const refused = ['--topic', 't', '--nsqd-tcp-address', '127.0.0.1:1', '--destination-nsqd-tcp-address', '127.0.0.1:2']

describe('direct start of nsq relay', () => {
  it('a refused source: exit 69 and the same error text as through oclif, without loading oclif’s modules', async () => {
    const direct = await probed(['relay', ...refused])
    const viaOclif = await probed(['relay', ...refused], {env: OCLIF})
    expect(direct.oclifLoaded).toBe(false)
    expect(viaOclif.oclifLoaded).toBe(true)
    expect(direct.code).toBe(69)
    expect(viaOclif.code).toBe(69)
    expect(direct.stderr).toContain('connection refused')
    expect(direct.stderr).toBe(viaOclif.stderr)
  }, 60_000)

  it('a misspelled flag: exit 2 and the same did-you-mean as through oclif, naming `nsq relay`', async () => {
    const args = ['relay', '--topic', 't', '--nsqd-tcp-address', '127.0.0.1:1', '--destination-nsqd-tcp-adress', '127.0.0.1:2']
    const direct = await probed(args)
    const viaOclif = await probed(args, {env: OCLIF})
    expect(direct.oclifLoaded).toBe(false)
    expect(direct.code).toBe(2)
    expect(viaOclif.code).toBe(2)
    expect(direct.stderr).toContain('--destination-nsqd-tcp-address?')
    expect(direct.stderr).toContain('nsq relay --help')
    expect(direct.stderr).toBe(viaOclif.stderr)
  }, 60_000)

  it('the nsq_to_nsq drop-in starts the relay directly too, with the same result as through oclif', async () => {
    const args = ['-topic', 't', '-nsqd-tcp-address', '127.0.0.1:1', '-destination-nsqd-tcp-address', '127.0.0.1:2']
    const direct = await probed(args, {bin: 'bin/nsq_to_nsq.js'})
    const viaOclif = await probed(args, {bin: 'bin/nsq_to_nsq.js', env: OCLIF})
    expect(direct.oclifLoaded).toBe(false)
    expect(viaOclif.oclifLoaded).toBe(true)
    expect(direct.code).toBe(69)
    expect(direct.stderr).toBe(viaOclif.stderr)
  }, 60_000)

  it('a help flag anywhere goes to oclif, which prints the relay’s help', async () => {
    for (const flag of ['--help', '-h']) {
      const help = await probed(['relay', '--topic', 't', flag])
      expect(help.oclifLoaded).toBe(true)
      expect(help.code).toBe(0)
      expect(help.stdout).toContain('USAGE\n  $ nsq relay')
    }
  }, 60_000)

  it('relays between two real nsqd with the same summary as through oclif', async () => {
    const source = await startNsqd()
    const dest = await startNsqd()
    const relayOnce = async (name: string, env: NodeJS.ProcessEnv): Promise<{run: ProbedRun; copied: number}> => {
      const producer = new Producer({nsqd: [source.tcpAddress]})
      await producer.connect()
      await producer.multiPublish(
        name,
        Array.from({length: 2000}, (_, i) => Buffer.from(`m-${i}`)),
      )
      await producer.close()
      const child = spawnCli(
        ['relay', '--topic', name, '--nsqd-tcp-address', source.tcpAddress, '--destination-nsqd-tcp-address', dest.tcpAddress, '--json'],
        {env: {NODE_OPTIONS: `--require ${probe}`, ...env}},
      )
      const done = collect(child, {timeoutMs: 60_000})
      await waitFor(async () => (await topicCount(dest, name)) === 2000, 30_000, 'all relayed')
      await waitFor(async () => (await channelCounts(source.httpAddress, name, 'nsq_to_nsq')).inFlight === 0, 30_000, 'all FIN’d')
      await stopChild(child, 'SIGINT')
      const result = await done
      const match = PROBE_LINE.exec(result.stderr)
      const run = {
        code: result.code,
        stdout: result.stdout.toString('utf8'),
        stderr: result.stderr.replace(PROBE_LINE, ''),
        oclifLoaded: match?.[1] === 'true',
      }
      return {run, copied: await topicCount(dest, name)}
    }
    const direct = await relayOnce(`direct_${process.pid}`, {})
    const viaOclif = await relayOnce(`oclif_${process.pid}`, OCLIF)
    expect(direct.run.oclifLoaded).toBe(false)
    expect(viaOclif.run.oclifLoaded).toBe(true)
    for (const {run, copied} of [direct, viaOclif]) {
      expect(run.code, run.stderr).toBe(0)
      expect(copied).toBe(2000)
      const summary = JSON.parse(run.stdout) as {relayed: number; possible_duplicates: number}
      expect(summary.relayed).toBe(2000)
      expect(summary.possible_duplicates).toBe(0)
    }
    const keys = (run: ProbedRun): string[] => Object.keys(JSON.parse(run.stdout) as object).sort()
    expect(keys(direct.run)).toEqual(keys(viaOclif.run))
  }, 120_000)
})

async function topicCount(nsqd: NsqdProcess, name: string): Promise<number> {
  const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic: name})
  return stats.topics.find((t) => t.topic_name === name)?.message_count ?? 0
}
