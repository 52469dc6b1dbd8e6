/**
 * `nsq stat lookupd`: each nsqlookupd and what it knows (its version, the nsqd registered with
 * it, and every topic with its channels and producers), so lookupd that disagree stand out.
 */
import {LookupdHttpClient, type AddressMap, type HttpOptions} from '../../core/index.js'
import {errorText, nodeHttpAddress} from './discovery.js'

export interface LookupdTopic {
  topic: string
  channels: string[]
  /** HTTP addresses (`broadcast_address:http_port`) of the nsqd lookupd lists for the topic. */
  producers: string[]
}

export interface LookupdNodeEntry {
  address: string
  hostname: string
  tcp_port: number
  version: string
  topics: number
}

export interface LookupdReport {
  address: string
  status: 'up' | 'down'
  error?: string
  version: string | null
  nodes: LookupdNodeEntry[]
  topics: LookupdTopic[]
}

const PARALLEL_LOOKUPS = 8

/** One report per lookupd address, in the order given. */
export async function lookupdReport(
  addresses: readonly string[],
  http: HttpOptions = {},
  addressMap?: AddressMap,
  signal?: AbortSignal,
): Promise<LookupdReport[]> {
  return Promise.all(
    addresses.map(async (address): Promise<LookupdReport> => {
      const client = new LookupdHttpClient(address, http)
      try {
        const [info, nodes, topics] = await Promise.all([client.info(signal), client.nodes(signal), client.topics(signal)])
        const sorted = [...topics].sort()
        const details: LookupdTopic[] = []
        for (let i = 0; i < sorted.length; i += PARALLEL_LOOKUPS) {
          details.push(
            ...(await Promise.all(
              sorted.slice(i, i + PARALLEL_LOOKUPS).map(async (topic) => {
                const found = await client.lookup(topic, signal)
                return {
                  topic,
                  channels: [...found.channels].sort(),
                  producers: found.producers.map((p) => nodeHttpAddress(p, addressMap)).sort(),
                }
              }),
            )),
          )
        }
        return {
          address,
          status: 'up',
          version: info.version,
          topics: details,
          nodes: nodes
            .map((n) => ({
              address: nodeHttpAddress(n, addressMap),
              hostname: n.hostname,
              tcp_port: n.tcp_port,
              version: n.version,
              topics: n.topics.length,
            }))
            .sort((a, b) => a.address.localeCompare(b.address)),
        }
      } catch (error) {
        return {address, status: 'down', error: errorText(error), version: null, nodes: [], topics: []}
      }
    }),
  )
}
