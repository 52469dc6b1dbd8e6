/**
 * Filling a channel and reading what is left in it, for e2e tests against a real nsqd: the
 * topic and a durable channel are made first, bodies go in MPUBs well under nsqd's body limit.
 */
import type {NsqdHttpClient} from '../../src/core/http/nsqd-client.js'

/** Creates the topic and a durable channel, then publishes the bodies in MPUBs of `perMpub`. */
export async function fillChannel(
  api: NsqdHttpClient,
  topic: string,
  channel: string,
  messages: readonly Buffer[],
  perMpub = 5000,
): Promise<void> {
  await api.createTopic(topic)
  await api.createChannel(topic, channel)
  for (let i = 0; i < messages.length; i += perMpub) await api.mpub(topic, messages.slice(i, i + perMpub))
}

/** depth + in flight + deferred of a channel: every message not FIN'd yet. */
export async function channelBacklog(api: NsqdHttpClient, topic: string, channel: string): Promise<number> {
  const stats = await api.stats({topic, channel})
  const c = stats.topics.find((t) => t.topic_name === topic)?.channels.find((ch) => ch.channel_name === channel)
  if (c === undefined) throw new Error(`no channel ${topic}/${channel}`)
  return c.depth + c.in_flight_count + c.deferred_count
}
