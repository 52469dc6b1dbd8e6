/**
 * Issue 18 item 5: `tail` on a topic lookupd does not know (or with nsqd's HTTP port given as
 * lookupd) says what it waits for, and picks up a topic created later long before the regular
 * lookupd poll (set to 10 minutes here, so only the quicker polls while waiting can find it).
 */
import type {ChildProcess} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {collect, spawnCli} from '../support/cli.js'
import {startLookupd, startNsqd, type LookupdProcess, type NsqdProcess} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'

/** Resolves with stderr once it matches `pattern`; rejects if the process exits first or after `boundMs`. */
function stderrUntil(child: ChildProcess, pattern: RegExp, boundMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`stderr never matched ${String(pattern)}:\n${seen}`)), boundMs)
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      if (pattern.test(seen)) {
        clearTimeout(timer)
        resolve(seen)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited ${code} before stderr matched ${String(pattern)}:\n${seen}`))
    })
  })
}

describe('nsq tail while lookupd has nothing for it yet', () => {
  let lookupd: LookupdProcess
  let nsqd: NsqdProcess
  let http: NsqdHttpClient

  beforeAll(async () => {
    lookupd = await startLookupd()
    nsqd = await startNsqd({lookupd: [lookupd]})
    http = new NsqdHttpClient(nsqd.httpAddress)
  })
  afterAll(async () => {
    await nsqd?.stop()
    await lookupd?.stop()
  })

  it('a topic lookupd does not know: says it waits, and reads the topic once it is created (before the regular poll)', async () => {
    const topic = `later_${process.pid}`
    const child = spawnCli(
      ['tail', topic, '-c', 'later', '-n', '1', '--lookupd-poll-interval', '10m', '--lookupd-http-address', lookupd.httpAddress],
      {stdin: 'ignore'},
    )
    const exited = collect(child, {timeoutMs: 60_000})
    const said = await stderrUntil(child, /waiting for topic/)
    expect(said).toContain(`waiting for topic ${topic}: lookupd ${lookupd.httpAddress} lists no nsqd for it yet`)
    await http.createTopic(topic)
    await http.createChannel(topic, 'later')
    await http.pub(topic, Buffer.from('arrived'))
    const result = await exited
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.toString()).toBe('arrived\n')
    // Said once, not at every poll.
    expect(result.stderr.match(/waiting for topic/g)).toHaveLength(1)
  })

  it("nsqd's HTTP port given as lookupd: says what it waits for and what may be wrong", async () => {
    const child = spawnCli(['tail', `x_${process.pid}`, '--lookupd-http-address', nsqd.httpAddress], {stdin: 'ignore'})
    try {
      const said = await stderrUntil(child, /waiting for topic/)
      expect(said).toContain(`lookupd ${nsqd.httpAddress} lists no nsqd for it yet`)
      expect(said).toContain("nsqlookupd's HTTP port (4161 by default), not nsqd's")
    } finally {
      await stopChild(child, 'SIGINT')
    }
  })

  it('--topic-pattern with no match yet: says it waits, and reads a matching topic created later (before the regular refresh)', async () => {
    const prefix = `pat_later_${process.pid}`
    const child = spawnCli(
      [
        'tail',
        '--topic-pattern',
        `^${prefix}`,
        '-c',
        'later',
        '-n',
        '1',
        '--topic-refresh',
        '10m',
        '--lookupd-http-address',
        lookupd.httpAddress,
      ],
      {stdin: 'ignore'},
    )
    const exited = collect(child, {timeoutMs: 60_000})
    const said = await stderrUntil(child, /waiting for a topic/)
    expect(said).toContain(`waiting for a topic matching /^${prefix}/: lookupd ${lookupd.httpAddress} lists none yet`)
    const topic = `${prefix}_a`
    await http.createTopic(topic)
    await http.createChannel(topic, 'later')
    await http.pub(topic, Buffer.from('matched'))
    const result = await exited
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.toString()).toBe('matched\n')
    expect(result.stderr.match(/waiting for a topic/g)).toHaveLength(1)
  })
})
