import {Consumer, type ConnectionSettings} from '../../src/core/index.js'
import {until} from './wait.js'

/** A channel's depth (queued, not in flight) and in-flight count, from nsqd's /stats. */
export async function channelCounts(nsqdHttpAddress: string, topic: string, channel: string): Promise<{depth: number; inFlight: number}> {
  const response = await fetch(`http://${nsqdHttpAddress}/stats?format=json&topic=${encodeURIComponent(topic)}`)
  const stats = (await response.json()) as {
    topics: {topic_name: string; channels: {channel_name: string; depth: number; in_flight_count: number}[]}[]
  }
  const found = stats.topics.find((t) => t.topic_name === topic)?.channels.find((c) => c.channel_name === channel)
  return {depth: found?.depth ?? 0, inFlight: found?.in_flight_count ?? 0}
}

/** Polls until `check` holds (or throws after `timeoutMs`). */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  await until(what, check, {timeoutMs, everyMs: 100})
}

/** Reads (and FINs) messages of topic/channel with the core Consumer until `count` arrived or none came for `idleMs`. */
export async function readBack(
  nsqdTcpAddress: string,
  topic: string,
  channel: string,
  count: number | undefined,
  idleMs = 3000,
  settings: ConnectionSettings = {},
): Promise<Buffer[]> {
  const consumer = new Consumer({...settings, topic, channel, nsqd: [nsqdTcpAddress], maxInFlight: 500})
  await consumer.start()
  const bodies: Buffer[] = []
  try {
    while (count === undefined || bodies.length < count) {
      const next = await Promise.race([
        consumer.next(),
        new Promise<'idle'>((resolve) => setTimeout(() => resolve('idle'), idleMs).unref()),
      ])
      if (next === 'idle' || next.done === true) break
      bodies.push(Buffer.from(next.value.body))
      next.value.finish()
    }
  } finally {
    await consumer.stop({timeoutMs: 2000})
  }
  return bodies
}
