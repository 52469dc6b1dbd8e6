/**
 * `nsq to-file --topic-pattern` with nsqlookupd: topics matching the pattern are found (also
 * ones created while it runs, at the next --topic-refresh) and each gets its own files; other
 * topics are left alone.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {collect, spawnCli} from '../support/cli.js'
import {startLookupd, startNsqd, type LookupdProcess, type NsqdProcess} from '../support/nsq.js'
import {stopChild} from '../support/processes.js'
import {archiveLines, archiveNames, bodies, publish, tempDirs, waitFor} from './to-file-support.js'

let lookupd: LookupdProcess
let nsqd: NsqdProcess
const dirs = tempDirs('to-file-discovery-')

beforeAll(async () => {
  lookupd = await startLookupd()
  nsqd = await startNsqd({lookupd: [lookupd]})
})

afterAll(async () => {
  await nsqd?.stop()
  await lookupd?.stop()
  dirs.cleanup()
})

describe('to-file --topic-pattern', () => {
  it('archives every matching topic lookupd knows, including new ones, and nothing else', async () => {
    const http = new NsqdHttpClient(nsqd.httpAddress)
    for (const topic of ['orders.eu', 'orders.us', 'clicks']) await http.createTopic(topic)
    await publish(nsqd.httpAddress, 'orders.eu', bodies('eu', 0, 100))
    await publish(nsqd.httpAddress, 'clicks', bodies('clicks', 0, 100))
    await waitFor(
      'lookupd to list the topics',
      async () => {
        const response = await fetch(`http://${lookupd.httpAddress}/topics`)
        const {topics} = (await response.json()) as {topics: string[]}
        return topics.includes('orders.us') && topics.includes('clicks')
      },
      30_000,
    )
    const out = dirs.make()
    const child = spawnCli(
      [
        'to-file',
        '--topic-pattern',
        '^orders\\.',
        '--topic-refresh',
        '1s',
        '--lookupd-http-address',
        lookupd.httpAddress,
        '--output-dir',
        out,
        '--host-identifier',
        'h',
      ],
      {stdin: 'ignore'},
    )
    const done = collect(child, {timeoutMs: 90_000})
    try {
      await publish(nsqd.httpAddress, 'orders.us', bodies('us', 0, 100))
      await http.createTopic('orders.asia')
      await publish(nsqd.httpAddress, 'orders.asia', bodies('asia', 0, 100))
      // Plain files without rotation stay open (and readable) until the stop.
      await waitFor('all three order topics archived', () => archiveLines(out).length === 300, 60_000, 200)
      await stopChild(child, 'SIGTERM', 30_000)
    } finally {
      await stopChild(child, 'SIGKILL')
    }
    const result = await done
    expect(result.code, result.stderr).toBe(0)
    expect(archiveNames(out).map((n) => n.split('.h.')[0])).toEqual(['orders.asia', 'orders.eu', 'orders.us'])
    expect(archiveLines(out).sort()).toEqual([...bodies('asia', 0, 100), ...bodies('eu', 0, 100), ...bodies('us', 0, 100)].sort())
  }, 120_000)
})
