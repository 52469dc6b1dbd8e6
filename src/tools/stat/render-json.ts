/**
 * `--json`: one compact object per tick (NDJSON when watching). Channel entries carry nsq_stat's
 * counters with nsqd's meaning, the per-second rates (null on the first poll), the drain
 * estimate and hints; `nodes` says which nsqd answered; `breaches` lists met `--fail-if`s.
 */
import type {ChannelRow, LookupdStatus, NodeRow, StatView, TopicRow} from './model.js'
import {describeBreach, type Breach} from './threshold.js'

export interface JsonTick {
  time: string
  /** Real seconds since the previous poll (null on the first). */
  elapsed_s: number | null
  nodes: NodeRow[]
  lookupd: LookupdStatus[]
  topics: TopicRow[]
  channels: ChannelRow[]
  breaches: string[]
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000
}

/** The tick as one JSON object (without the trailing newline). */
export function jsonTick(view: StatView, channels: readonly ChannelRow[], breaches: readonly Breach[] = []): JsonTick {
  return {
    time: new Date(view.at).toISOString(),
    elapsed_s: view.elapsed_ms === null ? null : round(view.elapsed_ms / 1000),
    nodes: view.nodes,
    lookupd: view.lookupd,
    topics: view.topics.map((t) => ({...t, ingress_rate: round(t.ingress_rate)})),
    channels: channels.map((c) => ({
      ...c,
      ingress_rate: round(c.ingress_rate),
      egress_rate: round(c.egress_rate),
      requeue_rate: round(c.requeue_rate),
      timeout_rate: round(c.timeout_rate),
      drain_eta_s: round(c.drain_eta_s),
    })),
    breaches: breaches.map(describeBreach),
  }
}
