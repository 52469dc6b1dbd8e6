import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient, Producer} from '../../src/core/index.js'
import {collect, runCli, spawnCli} from '../support/cli.js'
import {makeTestPki, tlsRequiredNsqdArgs} from '../support/certs.js'
import {startCluster, startNsqd, stopAllServices, type NsqdProcess} from '../support/nsq.js'
import {multiset} from '../support/official.js'
import {channelCounts, readBack, waitFor} from '../support/read-back.js'
import {stopChild} from '../support/processes.js'

let seq = 0
const topic = (): string => `relay_e2e_${process.pid}_${++seq}`

/** Bodies of varied size and content, every fifth one not UTF-8. */
function makeBodies(count: number, prefix = 'm'): Buffer[] {
  return Array.from({length: count}, (_, i) =>
    i % 5 === 4
      ? Buffer.from([0x00, 0xff, 0xfe, i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff])
      : Buffer.from(`${prefix}-${i}-${'x'.repeat(i % 50)}`),
  )
}

/** Publishes `bodies` spread over `nsqd` (MPUB batches of 500). */
async function publish(nsqd: readonly NsqdProcess[], name: string, bodies: readonly Buffer[]): Promise<void> {
  await Promise.all(
    nsqd.map(async (node, k) => {
      const producer = new Producer({nsqd: [node.tcpAddress]})
      await producer.connect()
      const mine = bodies.filter((_, i) => i % nsqd.length === k)
      for (let i = 0; i < mine.length; i += 500) await producer.multiPublish(name, mine.slice(i, i + 500))
      await producer.close()
    }),
  )
}

/** `nsq relay` of topic `name` from one source nsqd to one destination nsqd, then `extra`. */
function relayArgs(name: string, src: NsqdProcess, dst: NsqdProcess, ...extra: string[]): string[] {
  return ['relay', '--topic', name, '--nsqd-tcp-address', src.tcpAddress, '--destination-nsqd-tcp-address', dst.tcpAddress, ...extra]
}

async function topicCount(nsqd: NsqdProcess, name: string): Promise<number> {
  const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic: name})
  return stats.topics.find((t) => t.topic_name === name)?.message_count ?? 0
}

/** Messages the source channel has FIN'd: put on the channel, minus queued and in flight. */
async function finished(nsqd: NsqdProcess, name: string, channel: string): Promise<number> {
  const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic: name})
  const c = stats.topics.find((t) => t.topic_name === name)?.channels.find((ch) => ch.channel_name === channel)
  if (c === undefined) return 0
  return c.message_count - c.depth - c.in_flight_count - c.deferred_count
}

async function drained(nsqd: readonly NsqdProcess[], name: string): Promise<boolean> {
  const counts = await Promise.all(nsqd.map((n) => channelCounts(n.httpAddress, name, 'nsq_to_nsq')))
  return counts.every((c) => c.depth === 0 && c.inFlight === 0)
}

async function readAll(nsqd: readonly NsqdProcess[], name: string): Promise<Buffer[]> {
  const parts = await Promise.all(nsqd.map((n) => readBack(n.tcpAddress, name, 'readback', undefined, 3000)))
  return parts.flat()
}

afterAll(async () => {
  await stopAllServices()
})

describe('nsq relay against real nsqd', () => {
  it('relays 100,000 messages (binary bodies included) from a 3 nsqd + 2 lookupd cluster to 2 nsqd: the destination holds exactly the source multiset', async () => {
    const source = await startCluster(3, 2, ['--mem-queue-size=200000'])
    const dest = await Promise.all([startNsqd({args: ['--mem-queue-size=200000']}), startNsqd({args: ['--mem-queue-size=200000']})])
    const name = topic()
    const bodies = makeBodies(100_000)
    await publish(source.nsqd, name, bodies)
    const child = spawnCli([
      'relay',
      '--topic',
      name,
      '--lookupd-http-address',
      source.lookupd[0]!.httpAddress,
      '--lookupd-http-address',
      source.lookupd[1]!.httpAddress,
      '--destination-nsqd-tcp-address',
      dest[0].tcpAddress,
      '--destination-nsqd-tcp-address',
      dest[1].tcpAddress,
      '--destination-topic',
      '{topic}-copy',
      '--max-in-flight',
      '2000',
      '--json',
    ])
    const done = collect(child, {timeoutMs: 180_000})
    await waitFor(
      async () => (await topicCount(dest[0], `${name}-copy`)) + (await topicCount(dest[1], `${name}-copy`)) >= 100_000,
      150_000,
      'all relayed',
    )
    await waitFor(() => drained(source.nsqd, name), 30_000, 'source channel drained')
    await stopChild(child, 'SIGINT')
    const result = await done
    expect(result.stderr).not.toContain('Error')
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout.toString('utf8')) as {
      relayed: number
      possible_duplicates: number
      destination: {published: Record<string, number>}
    }
    expect(summary.relayed).toBe(100_000)
    // Per destination nsqd: what each acknowledged is what its topic holds.
    for (const node of dest) expect(summary.destination.published[node.tcpAddress]).toBe(await topicCount(node, `${name}-copy`))
    const copied = await readAll(dest, `${name}-copy`)
    expect(copied.length).toBe(100_000)
    expect(multiset(copied)).toEqual(multiset(bodies))
  }, 300_000)

  it('--topic-pattern with a {topic} template: the summary counts each destination topic by its name, and each destination nsqd', async () => {
    const source = await startCluster(1, 1)
    const dst = await startNsqd()
    const base = topic()
    const [a, b] = [`${base}_a`, `${base}_b`]
    await publish(source.nsqd, a, makeBodies(300, 'a'))
    await publish(source.nsqd, b, makeBodies(700, 'b'))
    const child = spawnCli([
      'relay',
      '--topic-pattern',
      `^${base}_`,
      '--lookupd-http-address',
      source.lookupd[0]!.httpAddress,
      '--destination-nsqd-tcp-address',
      dst.tcpAddress,
      '--destination-topic',
      '{topic}-copy',
      '--json',
    ])
    const done = collect(child, {timeoutMs: 60_000})
    await waitFor(async () => (await topicCount(dst, `${a}-copy`)) + (await topicCount(dst, `${b}-copy`)) >= 1000, 30_000, 'all relayed')
    await waitFor(() => drained(source.nsqd, a), 10_000, 'a drained')
    await waitFor(() => drained(source.nsqd, b), 10_000, 'b drained')
    await stopChild(child, 'SIGINT')
    const result = await done
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.stdout.toString('utf8')) as {
      relayed: number
      destination: {nsqd: string[]; published: Record<string, number>; topics: Record<string, {nsqd: string[]; relayed: number}>}
    }
    expect(summary.relayed).toBe(1000)
    expect(summary.destination.topics[`${a}-copy`]).toMatchObject({nsqd: [dst.tcpAddress], relayed: 300})
    expect(summary.destination.topics[`${b}-copy`]).toMatchObject({nsqd: [dst.tcpAddress], relayed: 700})
    expect(summary.destination.published).toEqual({[dst.tcpAddress]: 1000})
    await source.stop()
  }, 120_000)

  it("never FINs at the source before the destination acknowledged: SIGSTOP the destination, the source's finished count stays put with messages in flight; SIGCONT, all arrive", async () => {
    const [src, dst] = await Promise.all([startNsqd(), startNsqd()])
    const name = topic()
    const bodies = makeBodies(20_000, 's')
    await publish([src], name, bodies)
    const child = spawnCli(relayArgs(name, src, dst, '--heartbeat-interval', '1s', '--rate', '2000', '--json'))
    const done = collect(child, {timeoutMs: 120_000})
    await waitFor(async () => (await topicCount(dst, name)) > 1000, 30_000, 'some relayed')
    dst.pause()
    try {
      // Let the in-flight publishes fail over to "down" (two heartbeats), then watch the source for a while.
      await new Promise((resolve) => setTimeout(resolve, 2500))
      const before = await finished(src, name, 'nsq_to_nsq')
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 500))
        const counts = await channelCounts(src.httpAddress, name, 'nsq_to_nsq')
        expect(counts.inFlight).toBeGreaterThan(0)
        expect(await finished(src, name, 'nsq_to_nsq')).toBe(before)
      }
    } finally {
      dst.resume()
    }
    await waitFor(() => drained([src], name), 60_000, 'source drained after SIGCONT')
    await stopChild(child, 'SIGINT')
    const result = await done
    expect(result.code).toBe(0)
    const copied = await readAll([dst], name)
    const unique = new Set(multiset(copied))
    for (const body of multiset(bodies)) expect(unique.has(body)).toBe(true)
    const summary = JSON.parse(result.stdout.toString('utf8')) as {possible_duplicates: number}
    // Every extra copy at the destination is one the relay counted as possibly duplicated.
    expect(copied.length - bodies.length).toBeLessThanOrEqual(summary.possible_duplicates)
  }, 180_000)

  it('kill -9 one destination mid-stream and restart it: every message ends up in the destination (duplicates counted, none lost)', async () => {
    const src = await startNsqd({args: ['--mem-queue-size=100000']})
    // No memory queue and the disk queue synced at every write: an OK from the destination then
    // survives kill -9 (by default nsqd persists its disk queue's positions only every 2500 messages or 2 s).
    const durable = ['--mem-queue-size=0', '--sync-every=1']
    const dest = await Promise.all([startNsqd({args: durable}), startNsqd({args: durable})])
    const name = topic()
    const bodies = makeBodies(10_000, 'k')
    await publish([src], name, bodies)
    const child = spawnCli([
      'relay',
      '--topic',
      name,
      '--nsqd-tcp-address',
      src.tcpAddress,
      '--destination-nsqd-tcp-address',
      dest[0].tcpAddress,
      '--destination-nsqd-tcp-address',
      dest[1].tcpAddress,
      '--mode',
      'round-robin',
      '--rate',
      '2000',
      '--json',
    ])
    const done = collect(child, {timeoutMs: 120_000})
    await waitFor(async () => (await topicCount(dest[0], name)) > 1000, 30_000, 'some relayed')
    await dest[0].kill()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await dest[0].restart()
    await waitFor(() => drained([src], name), 60_000, 'source drained')
    await stopChild(child, 'SIGINT')
    const result = await done
    expect(result.code).toBe(0)
    const copied = await readAll(dest, name)
    const unique = new Set(multiset(copied))
    for (const body of multiset(bodies)) expect(unique.has(body)).toBe(true)
    const summary = JSON.parse(result.stdout.toString('utf8')) as {possible_duplicates: number}
    expect(copied.length - bodies.length).toBeLessThanOrEqual(summary.possible_duplicates)
  }, 180_000)

  it('kill -9 the source nsqd the relay reads from and restart it: every message ends up in the destination, the copies are counted, none lost', async () => {
    // nsqd keeps in-flight messages in memory only; with its queue positions saved once, after
    // every message was written (a clean restart) and never during the run, a kill -9 rewinds the
    // channel and nsqd hands everything out again: a missing message can only be the relay's.
    // (With --sync-every=1 nsqd would lose what it had handed out and the relay not yet received:
    // see test/faults/relay-faults.ts.)
    const src = await startNsqd({args: ['--mem-queue-size=0', '--sync-every=1000000000', '--sync-timeout=24h']})
    const dst = await startNsqd({args: ['--mem-queue-size=200000']})
    const name = topic()
    const bodies = makeBodies(10_000, 'src')
    const api = new NsqdHttpClient(src.httpAddress)
    await api.createTopic(name)
    await api.createChannel(name, 'nsq_to_nsq')
    await publish([src], name, bodies)
    await src.restart()
    const child = spawnCli(relayArgs(name, src, dst, '--rate', '2500', '--json'))
    const done = collect(child, {timeoutMs: 120_000})
    await waitFor(async () => (await topicCount(dst, name)) > 4000, 30_000, 'some relayed')
    await src.kill()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await src.restart()
    await waitFor(() => drained([src], name), 60_000, 'source drained after the restart')
    await stopChild(child, 'SIGINT')
    const result = await done
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/lost source .*\(reconnecting\)/)
    const summary = JSON.parse(result.stdout.toString('utf8')) as {relayed: number}
    const copied = await readAll([dst], name)
    // None lost: every body sent is at the destination.
    const unique = new Set(multiset(copied))
    for (const body of multiset(bodies)) expect(unique.has(body)).toBe(true)
    expect(unique.size).toBe(bodies.length)
    // The copies: every message the relay counted as relayed is at the destination, the replayed ones twice.
    expect(copied.length).toBe(summary.relayed)
    expect(summary.relayed).toBeGreaterThan(bodies.length)
  }, 180_000)

  it('Ctrl-C while the destination is stalled (SIGSTOP): after --drain-timeout what is unanswered is REQ’d before the source connection closes, so nothing is left in flight at the source', async () => {
    const [src, dst] = await Promise.all([startNsqd(), startNsqd()])
    const name = topic()
    const bodies = makeBodies(20_000, 'stall')
    await publish([src], name, bodies)
    const child = spawnCli(relayArgs(name, src, dst, '--rate', '2000', '--drain-timeout', '1s', '--json'))
    const done = collect(child, {timeoutMs: 60_000})
    try {
      await waitFor(async () => (await topicCount(dst, name)) > 1000, 30_000, 'some relayed')
      dst.pause()
      // The relay holds what it took: in flight at the source, unanswered at the destination.
      await waitFor(async () => (await channelCounts(src.httpAddress, name, 'nsq_to_nsq')).inFlight > 0, 10_000, 'messages held')
      const stopping = Date.now()
      await stopChild(child, 'SIGINT', 30_000)
      // --drain-timeout 1s, then the REQs, then at most 1 s for the stalled destination's connection.
      expect(Date.now() - stopping).toBeLessThan(10_000)
      const result = await done
      expect(result.code, result.stderr).toBe(0)
      // nsqd would keep a closed connection's in-flight messages for its --msg-timeout (60 s):
      // zero at once means every one was REQ'd on the open connection.
      const counts = await channelCounts(src.httpAddress, name, 'nsq_to_nsq')
      expect(counts.inFlight).toBe(0)
    } finally {
      dst.resume()
    }
    // Nothing FIN'd that the destination did not take: what is not finished is still on the channel.
    const summary = JSON.parse((await done).stdout.toString('utf8')) as {relayed: number}
    expect(await finished(src, name, 'nsq_to_nsq')).toBe(summary.relayed)
  }, 120_000)

  it("a destination that refuses for good (nsqd --tls-required, no --destination-tls): exit 69 with nsqd's reason and a hint, and nothing FIN'd at the source", async () => {
    const pki = makeTestPki()
    const [src, dst] = await Promise.all([
      startNsqd(),
      startNsqd({
        args: tlsRequiredNsqdArgs(pki),
      }),
    ])
    const name = topic()
    const bodies = makeBodies(2000, 't')
    await publish([src], name, bodies)
    const result = await runCli(relayArgs(name, src, dst), {
      timeoutMs: 60_000,
    })
    expect(result.signal).toBeNull()
    expect(result.code).toBe(69)
    // oclif may wrap long lines; compare on one line.
    const stderr = result.stderr.replace(/\s+/g, ' ')
    expect(stderr).toMatch(/Error: .*TLS required/)
    expect(stderr).toMatch(/hint: .*add --destination-tls/)
    expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+/m)
    // The refusal is said as one, not as a connection lost and being re-made.
    expect(result.stderr).not.toContain('(reconnecting)')
    expect(stderr.match(/destination nsqd \S+ refused publishing: .*?TLS required\) \(hint: nsqd requires TLS/g)?.length).toBe(1)
    // The relay's connection is gone, so nsqd has requeued what it had in flight: every message is still on the channel.
    await waitFor(async () => (await channelCounts(src.httpAddress, name, 'nsq_to_nsq')).inFlight === 0, 30_000, 'in-flight requeued')
    const stats = await new NsqdHttpClient(src.httpAddress).stats({topic: name})
    const channel = stats.topics.find((t) => t.topic_name === name)?.channels.find((c) => c.channel_name === 'nsq_to_nsq')
    expect(channel).toBeDefined()
    expect(channel!.depth + channel!.in_flight_count + channel!.deferred_count).toBe(bodies.length)
    expect(await finished(src, name, 'nsq_to_nsq')).toBe(0)
  }, 120_000)
  it('--destination-context: the destination (TLS required, its own CA) comes from a named context; the source is not touched by it', async () => {
    const pki = makeTestPki()
    const [src, dst] = await Promise.all([
      startNsqd(),
      startNsqd({
        args: tlsRequiredNsqdArgs(pki),
      }),
    ])
    const xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-relay-ctx-'))
    try {
      const env = {XDG_CONFIG_HOME: xdg, NSQ_CONTEXT: undefined, NSQ_DESTINATION_CONTEXT: undefined}
      const added = await runCli(
        ['context', 'add', 'dc2', '--nsqd-tcp-address', `localhost:${dst.tcpPort}`, '--tls', '--tls-ca', pki.caFile],
        {env},
      )
      expect(added.code, added.stderr).toBe(0)
      const name = topic()
      const bodies = makeBodies(3000, 'c')
      await publish([src], name, bodies)
      const child = spawnCli(['relay', '--topic', name, '--nsqd-tcp-address', src.tcpAddress, '--destination-context', 'dc2', '--json'], {
        env,
      })
      const done = collect(child, {timeoutMs: 60_000})
      await waitFor(async () => (await topicCount(dst, name)) >= bodies.length, 30_000, 'all at the destination')
      await waitFor(() => drained([src], name), 30_000, 'source drained')
      await stopChild(child, 'SIGINT')
      const result = await done
      expect(result.code, result.stderr).toBe(0)
      // Every message went to the TLS-only nsqd the context names (reading it back would need TLS too: counted over HTTP).
      expect(await topicCount(dst, name)).toBe(bodies.length)
      expect((JSON.parse(result.stdout.toString('utf8')) as {relayed: number}).relayed).toBe(bodies.length)
      // Through NSQ_DESTINATION_CONTEXT, a context without TLS: refused for good, and the hint names the context.
      const plain = await runCli(['context', 'add', 'plain', '--nsqd-tcp-address', dst.tcpAddress], {env})
      expect(plain.code, plain.stderr).toBe(0)
      await publish([src], name, makeBodies(100, 'p'))
      const refused = await runCli(['relay', '--topic', name, '--nsqd-tcp-address', src.tcpAddress], {
        env: {...env, NSQ_DESTINATION_CONTEXT: 'plain'},
        timeoutMs: 60_000,
      })
      expect(refused.code).toBe(69)
      expect(refused.stderr.replace(/\s+/g, ' ')).toMatch(/TLS required.*destination settings came from context "plain"/)
      // An unknown destination context is a clear error before anything connects.
      const unknown = await runCli(['relay', '--topic', name, '--nsqd-tcp-address', src.tcpAddress, '--destination-context', 'nope'], {env})
      expect(unknown.code).not.toBe(0)
      expect(unknown.stderr).toMatch(/nope/)
    } finally {
      fs.rmSync(xdg, {recursive: true, force: true})
    }
  }, 120_000)
})
