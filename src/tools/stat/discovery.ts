/**
 * Finds the nsqd nodes to poll through nsqlookupd: `/lookup?topic=T` on every lookupd when the
 * topic is one exact name (what nsq_stat does), `/nodes` otherwise. The answers of all lookupd
 * are merged and de-duplicated by `broadcast_address:http_port`. A lookupd that fails is
 * reported, not fatal.
 */
import {AddressMap, LookupdHttpClient, type HttpOptions, type ReportedNode} from '../../core/index.js'
import type {LookupdStatus} from './model.js'

export interface DiscoveryResult {
  /** HTTP addresses of the nsqd nodes found (address map applied), in a stable order. */
  nodes: string[]
  lookupd: LookupdStatus[]
}

/** The HTTP address to poll for a node lookupd reports: `broadcast_address:http_port`, or where `--address-map` sends it. */
export function nodeHttpAddress(peer: ReportedNode, addressMap: AddressMap = AddressMap.EMPTY): string {
  return addressMap.node(peer).httpAddress
}

/** Asks every lookupd in parallel for the nodes carrying `topic` (or all nodes when undefined). */
export async function discoverNodes(
  lookupd: readonly string[],
  topic: string | undefined,
  http: HttpOptions,
  addressMap?: AddressMap,
  signal?: AbortSignal,
): Promise<DiscoveryResult> {
  const answers = await Promise.allSettled(
    lookupd.map(async (address) => {
      const client = new LookupdHttpClient(address, http)
      return topic === undefined ? client.nodes(signal) : (await client.lookup(topic, signal)).producers
    }),
  )
  const nodes = new Set<string>()
  const status: LookupdStatus[] = []
  answers.forEach((answer, i) => {
    const address = lookupd[i] as string
    if (answer.status === 'fulfilled') {
      status.push({address, status: 'up'})
      for (const peer of answer.value) nodes.add(nodeHttpAddress(peer, addressMap))
    } else {
      status.push({address, status: 'down', error: errorText(answer.reason)})
    }
  })
  return {nodes: [...nodes].sort(), lookupd: status}
}

/** A one-line reason from anything thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
