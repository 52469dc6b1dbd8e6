/**
 * The source's backlog, for the relay's status line: how many messages the source channel still
 * holds (queued and deferred, not yet delivered), summed over the source nsqd, from nsqd's
 * `/stats`. The nsqd are those given (`--nsqd-tcp-address`, HTTP port = TCP port + 1, nsqd's
 * default layout) or those lookupd lists for each topic.
 */
import {AddressMap, NsqdHttpClient, type HttpOptions} from '../../core/index.js'
import {discoverNsqd} from '../publish/discover.js'
import {guessHttpAddress} from '../publish/nsqd-limits.js'

export interface SourceDepthOptions {
  channel: string
  nsqd: readonly string[]
  lookupd: readonly string[]
  http: HttpOptions
  addressMap?: AddressMap
  signal?: AbortSignal
}

/** Messages still at the source for these topics on the channel; undefined when an nsqd could not be asked. */
export async function sourceDepth(topics: readonly string[], options: SourceDepthOptions): Promise<number | undefined> {
  try {
    const counts = await Promise.all(
      topics.map(async (topic) => {
        const http =
          options.lookupd.length > 0
            ? (await discoverNsqd(options.lookupd, topic, options.http, options.addressMap ?? AddressMap.EMPTY, options.signal)).map(
                (n) => n.httpAddress,
              )
            : options.nsqd.map(guessHttpAddress)
        const depths = await Promise.all(
          http.map(async (address) => {
            const stats = await new NsqdHttpClient(address, options.http).stats({topic, channel: options.channel}, options.signal)
            const channel = stats.topics.find((t) => t.topic_name === topic)?.channels.find((c) => c.channel_name === options.channel)
            return channel === undefined ? 0 : channel.depth + channel.deferred_count
          }),
        )
        return depths.reduce((sum, d) => sum + d, 0)
      }),
    )
    return counts.reduce((sum, d) => sum + d, 0)
  } catch {
    return undefined
  }
}
