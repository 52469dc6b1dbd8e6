import {AddressMap, LookupdHttpClient, NsqError, formatHostPort, type HttpOptions, type PeerInfo} from '../../core/index.js'

/** An nsqd found through nsqlookupd. */
export interface DiscoveredNsqd {
  tcpAddress: string
  httpAddress: string
}

/**
 * The nsqds to publish `topic` to, found through nsqlookupd: those that already carry the topic,
 * or, when none does yet, every nsqd registered (the topic is created where it is published).
 * `addressMap` says where to dial (TCP and HTTP) the nsqd lookupd reports (see AddressMap). Lookupds that fail are skipped; if all fail, the last error is thrown.
 */
export async function discoverNsqd(
  lookupd: readonly string[],
  topic: string,
  options: HttpOptions,
  addressMap: AddressMap = AddressMap.EMPTY,
  signal?: AbortSignal,
): Promise<DiscoveredNsqd[]> {
  const clients = lookupd.map((address) => new LookupdHttpClient(address, options))
  let lastError: unknown
  let answered = false
  const carrying = new Map<string, DiscoveredNsqd>()
  const all = new Map<string, DiscoveredNsqd>()
  await Promise.all(
    clients.map(async (client) => {
      try {
        const [lookup, nodes] = await Promise.all([client.lookup(topic, signal), client.nodes(signal)])
        answered = true
        for (const peer of lookup.producers) add(carrying, peer, addressMap)
        for (const peer of nodes) add(all, peer, addressMap)
      } catch (error) {
        lastError = error
      }
    }),
  )
  if (!answered) throw lastError instanceof Error ? lastError : new NsqError('HTTP', String(lastError))
  const found = carrying.size > 0 ? carrying : all
  if (found.size === 0)
    throw new NsqError(
      'CONNECTION_FAILED',
      `nsqlookupd (${lookupd.join(', ')}) knows no nsqd: is any nsqd running with --lookupd-tcp-address?`,
    )
  return [...found.values()]
}

function add(into: Map<string, DiscoveredNsqd>, peer: PeerInfo, addressMap: AddressMap): void {
  const {tcpAddress, httpAddress} = addressMap.node(peer)
  // Keyed on the node as lookupd reports it: two lookupds listing it count once.
  into.set(formatHostPort(peer.broadcast_address, peer.tcp_port), {tcpAddress, httpAddress})
}
