/**
 * to-file checks its folders at start (issue 18, item 1): an output dir that cannot be made
 * (`/proc/nope` used to hang on mkdir with the messages in flight, ignoring the first Ctrl-C),
 * one under a file (`afile/sub` used to fail only at the first message, with a raw ENOTDIR), and
 * a work dir on another filesystem (found at the first rotation) all exit 2 at once with a
 * message naming the flag, before anything is consumed: the messages stay in nsqd.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {runCli} from '../support/cli.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {tempDirs} from './to-file-support.js'

let nsqd: NsqdProcess
const dirs = tempDirs('to-file-preflight-')
let seq = 0

beforeAll(async () => {
  nsqd = await startNsqd()
})

afterAll(async () => {
  await nsqd?.stop()
  dirs.cleanup()
})

/** A topic holding one message, and what nsqd says of it afterwards. */
async function topicWithOneMessage(): Promise<{topic: string; untouched: () => Promise<void>}> {
  const topic = `preflight${++seq}`
  const http = new NsqdHttpClient(nsqd.httpAddress)
  await http.pub(topic, Buffer.from('keep me'))
  return {
    topic,
    untouched: async () => {
      const stats = await http.stats({topic})
      const found = stats.topics.find((t) => t.topic_name === topic)
      // Nobody subscribed: no channel was made, so the message still waits in the topic.
      expect(found?.channels.map((c) => c.channel_name)).toEqual([])
      expect(found?.depth).toBe(1)
    },
  }
}

/** Runs to-file; `message` is its stderr with oclif's line wrapping (`\n ›   `) undone. */
async function toFile(topic: string, extra: string[]): Promise<Awaited<ReturnType<typeof runCli>> & {message: string}> {
  const result = await runCli(['to-file', '--topic', topic, '--nsqd-tcp-address', nsqd.tcpAddress, ...extra], {timeoutMs: 20_000})
  return {...result, message: result.stderr.replaceAll(/\s*\n ›\s*/g, ' ').replaceAll(/\s+/g, ' ')}
}

describe('to-file checks its folders before it consumes', () => {
  it('an output dir that cannot be created (/proc/nope): exit 2 at once, nothing consumed', async () => {
    const {topic, untouched} = await topicWithOneMessage()
    const result = await toFile(topic, ['--output-dir', '/proc/nope'])
    expect(result.signal, result.stderr).toBeNull()
    expect(result.code, result.stderr).toBe(2)
    expect(result.message).toMatch(/--output-dir \/proc\/nope: cannot use it as a folder: \/proc\/nope: cannot be created there \(ENOENT\)/)
    await untouched()
  })

  it('an output dir below a file (afile/sub): exit 2 at start naming the file, nothing consumed', async () => {
    const {topic, untouched} = await topicWithOneMessage()
    const root = dirs.make()
    fs.writeFileSync(path.join(root, 'afile'), '')
    const result = await toFile(topic, ['--output-dir', path.join(root, 'afile', 'sub')])
    expect(result.code, result.stderr).toBe(2)
    expect(result.message).toContain(
      `--output-dir ${path.join(root, 'afile', 'sub')}: cannot use it as a folder: ${path.join(root, 'afile')}: is a file, not a folder`,
    )
    expect(result.message).not.toMatch(/ENOTDIR: not a directory/)
    await untouched()
  })

  it('a work dir on another filesystem than the output dir: exit 2 at start, nothing consumed, nothing left behind', async () => {
    const {topic, untouched} = await topicWithOneMessage()
    const out = dirs.make()
    const work = fs.mkdtempSync(path.join('/dev/shm', 'to-file-preflight-'))
    try {
      expect(fs.statSync(work).dev).not.toBe(fs.statSync(out).dev)
      const result = await toFile(topic, ['--output-dir', out, '--work-dir', work, '--rotate-size', '1MB'])
      expect(result.code, result.stderr).toBe(2)
      expect(result.message).toContain(`--work-dir ${work} and --output-dir ${out} are on different filesystems`)
      await untouched()
      expect(fs.readdirSync(out)).toEqual([])
      expect(fs.readdirSync(work)).toEqual([])
    } finally {
      fs.rmSync(work, {recursive: true, force: true})
    }
  })

  it('a work dir that cannot be written: exit 2 naming --work-dir', async () => {
    const {topic, untouched} = await topicWithOneMessage()
    const out = dirs.make()
    const result = await toFile(topic, ['--output-dir', out, '--work-dir', path.join(os.devNull, 'work'), '--rotate-size', '1MB'])
    expect(result.code, result.stderr).toBe(2)
    expect(result.message).toContain(
      `--work-dir ${path.join(os.devNull, 'work')}: cannot use it as a folder: ${os.devNull}: is a file, not a folder`,
    )
    await untouched()
  })
})
