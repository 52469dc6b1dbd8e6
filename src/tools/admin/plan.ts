/**
 * The planner: which upstream calls an action makes, in which order, the same as nsqadmin v1.3.0
 * (reference §3.3), given what discovery found. Pure: no I/O, so the order is unit-tested.
 *
 * - create topic: lookupd `/topic/create` on every lookupd; nsqd is not touched (the topic is
 *   created there by the first publish or subscribe, with the channels lookupd lists). With
 *   only `--nsqd-http-address` (where nsqadmin silently does nothing) nsqd `/topic/create` on each.
 * - create channel: lookupd `/topic/create`, then lookupd `/channel/create`, then nsqd
 *   `/channel/create` on every nsqd that carries the topic.
 * - delete: lookupd first, then each nsqd that carries it (nsq#106: otherwise a consumer asking
 *   lookupd in between finds it and nsqd creates it again).
 * - pause / unpause / empty: nsqd only.
 * - tombstone: lookupd `/topic/tombstone` on every lookupd, then `/topic/delete` on that node.
 */
import type {CallQuery, LookupdOp, NsqdOp, Target, TargetPlan, UpstreamCall} from './types.js'

/** What discovery found for one target. */
export interface PlanInput {
  /** Every lookupd given (empty with only --nsqd-http-address). */
  lookupd: readonly string[]
  /** Every nsqd given with --nsqd-http-address (empty in lookupd mode). */
  nsqd: readonly string[]
  /** HTTP addresses of the nsqd that carry the topic (and, for channel actions but create, the channel). */
  producers: readonly string[]
  /** tombstone only: the node's HTTP address to delete the topic on (address map applied). */
  nodeAddress?: string
}

export function planTarget(target: Target, input: PlanInput): TargetPlan {
  const {topic, channel} = target
  const query: CallQuery = channel === undefined ? {topic} : {topic, channel}
  const onLookupd = (path: LookupdOp, q: CallQuery = query): UpstreamCall[] =>
    input.lookupd.map((address) => ({role: 'lookupd', address, path, query: q}))
  const onNsqd = (path: NsqdOp, addresses: readonly string[] = input.producers): UpstreamCall[] =>
    addresses.map((address) => ({role: 'nsqd', address, path, query}))
  const lookupdMode = input.lookupd.length > 0
  const notes: string[] = []
  const phases = (...list: UpstreamCall[][]): UpstreamCall[][] => list.filter((p) => p.length > 0)
  const nothingHere = (): TargetPlan => ({
    target,
    phases: [],
    notes,
    problem: `no nsqd${lookupdMode ? ' or lookupd' : ''} has ${describe(target)}`,
  })

  switch (target.action) {
    case 'create_topic':
      if (lookupdMode) {
        notes.push(
          `topic ${topic} is registered in lookupd only: nsqd creates it (with the channels lookupd lists) on the first publish or subscribe`,
        )
        return {target, phases: phases(onLookupd('/topic/create')), notes}
      }
      return {target, phases: phases(onNsqd('/topic/create', input.nsqd)), notes}
    case 'create_channel':
      if (input.producers.length === 0) {
        if (!lookupdMode) return {target, phases: [], notes, problem: `no nsqd carries topic ${topic}: create it first (nsq topic create)`}
        notes.push(
          `no nsqd carries topic ${topic} yet: channel ${channel ?? ''} is registered in lookupd, and nsqd creates it with the topic`,
        )
      }
      return {target, phases: phases(onLookupd('/topic/create', {topic}), onLookupd('/channel/create'), onNsqd('/channel/create')), notes}
    case 'delete_topic':
    case 'delete_channel': {
      const path = target.action === 'delete_topic' ? '/topic/delete' : '/channel/delete'
      const planned = phases(onLookupd(path), onNsqd(path))
      if (input.producers.length === 0 && !lookupdMode) return nothingHere()
      if (input.producers.length === 0) notes.push(`no nsqd carries ${describe(target)}: only lookupd's registration is removed`)
      return {target, phases: planned, notes}
    }
    case 'pause_topic':
    case 'unpause_topic':
    case 'empty_topic':
    case 'pause_channel':
    case 'unpause_channel':
    case 'empty_channel': {
      if (input.producers.length === 0) return nothingHere()
      const [verb, kind] = target.action.split('_') as [string, string]
      return {target, phases: phases(onNsqd(`/${kind}/${verb}` as NsqdOp)), notes}
    }
    case 'tombstone_topic_producer': {
      const node = target.node ?? ''
      if (!lookupdMode) return {target, phases: [], notes, problem: 'tombstone needs --lookupd-http-address (it is a lookupd record)'}
      const tombstone = onLookupd('/topic/tombstone', {topic, node})
      const address = input.nodeAddress ?? node
      const remove: UpstreamCall[] = input.producers.includes(address)
        ? [{role: 'nsqd', address, path: '/topic/delete', query: {topic}}]
        : []
      if (remove.length === 0) notes.push(`nsqd ${node} does not carry topic ${topic}: only the tombstone is set`)
      return {target, phases: phases(tombstone, remove), notes}
    }
  }
}

/** `topic orders`, `channel orders/archive`, `topic orders on node 10.0.0.1:4151`. */
export function describe(target: Target): string {
  if (target.node !== undefined) return `topic ${target.topic} on node ${target.node}`
  return target.channel === undefined ? `topic ${target.topic}` : `channel ${target.topic}/${target.channel}`
}

/** The call as `/path?query` (for the plan and the results table). */
export function requestText(call: Pick<UpstreamCall, 'path' | 'query'>): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(call.query) as [string, string | undefined][]) if (value !== undefined) params.set(key, value)
  return `${call.path}?${params.toString()}`
}
