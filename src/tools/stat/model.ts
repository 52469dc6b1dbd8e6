/**
 * The data `nsq stat` works on: raw samples of one poll (Snapshot), and the derived view of a
 * tick (StatView: counters summed per topic / channel or per node, with rates, drain estimate
 * and hints). Field names follow nsq_stat's columns and nsqd's `/stats` counters.
 */

import type {TopicStats} from '../../core/index.js'

/** One channel's counters as one nsqd reported them. */
export interface ChannelSample {
  channel: string
  /** Messages queued (memory + disk), not counting in flight or deferred. */
  depth: number
  /** The part of `depth` on disk. */
  backend_depth: number
  in_flight: number
  deferred: number
  requeued: number
  timed_out: number
  /** Messages copied into the channel since nsqd started. */
  messages: number
  clients: number
  paused: boolean
}

/** One topic on one nsqd. */
export interface TopicSample {
  topic: string
  depth: number
  backend_depth: number
  messages: number
  paused: boolean
  channels: ChannelSample[]
}

/** What one nsqd answered in one poll (or why it did not). */
export type NodeSample =
  | {address: string; status: 'up'; at: number; version: string; topics: TopicSample[]; raw?: TopicStats[]}
  | {address: string; status: 'down'; at: number; error: string}

/** One lookupd's state in a poll. */
export interface LookupdStatus {
  address: string
  status: 'up' | 'down'
  error?: string
}

/** Everything one poll saw. `at` is the clock reading (ms) when the poll finished. */
export interface Snapshot {
  at: number
  nodes: NodeSample[]
  lookupd: LookupdStatus[]
}

/** Per-second rates between two polls; null when there is no earlier sample to compare with. */
export interface Rates {
  /** Messages into the channel (or topic) per second. */
  ingress_rate: number | null
  /** Messages that left the queue (delivered into flight) per second: Δmessages − Δdepth. */
  egress_rate: number | null
  requeue_rate: number | null
  timeout_rate: number | null
}

/** A channel row of a tick: counters summed over nodes (or one node with `--by-node`). */
export interface ChannelRow extends Rates {
  topic: string
  channel: string
  /** Set with `--by-node`. */
  node?: string
  depth: number
  /** depth − backend_depth */
  mem: number
  /** backend_depth */
  disk: number
  in_flight: number
  deferred: number
  requeued: number
  timed_out: number
  messages: number
  clients: number
  /** True when the channel is paused on any node it lives on. */
  paused: boolean
  /** How many nodes carry it. */
  nodes: number
  /** Seconds until depth reaches 0 at the current net egress; 0 when empty; null when not draining or unknown. */
  drain_eta_s: number | null
  /** Short human hints: stuck channel, no consumers, timeouts, requeues. */
  hints: string[]
}

/** A topic row: the topic's own queue (messages waiting for a channel) and its publish rate. */
export interface TopicRow {
  topic: string
  node?: string
  depth: number
  mem: number
  disk: number
  messages: number
  paused: boolean
  channels: number
  nodes: number
  ingress_rate: number | null
}

/** A node's state as shown in a tick. */
export interface NodeRow {
  address: string
  status: 'up' | 'down'
  version?: string
  error?: string
}

/** One tick as every renderer sees it. */
export interface StatView {
  /** Clock reading of this poll, ms. */
  at: number
  /** Real time since the previous poll, ms (null on the first poll). */
  elapsed_ms: number | null
  nodes: NodeRow[]
  lookupd: LookupdStatus[]
  topics: TopicRow[]
  channels: ChannelRow[]
}
