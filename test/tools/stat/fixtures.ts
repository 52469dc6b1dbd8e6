import type {ChannelRow, ChannelSample, NodeSample, Snapshot, TopicSample} from '../../../src/tools/stat/model.js'

/** A channel sample with zeros except what is given. */
export function channel(name: string, fields: Partial<ChannelSample> = {}): ChannelSample {
  return {
    channel: name,
    depth: 0,
    backend_depth: 0,
    in_flight: 0,
    deferred: 0,
    requeued: 0,
    timed_out: 0,
    messages: 0,
    clients: 0,
    paused: false,
    ...fields,
  }
}

export function topic(name: string, channels: ChannelSample[], fields: Partial<TopicSample> = {}): TopicSample {
  return {topic: name, depth: 0, backend_depth: 0, messages: 0, paused: false, channels, ...fields}
}

export function up(address: string, at: number, topics: TopicSample[]): NodeSample {
  return {address, status: 'up', at, version: '1.3.0', topics}
}

export function down(address: string, at: number, error = 'connection refused'): NodeSample {
  return {address, status: 'down', at, error}
}

export function snapshot(at: number, nodes: NodeSample[]): Snapshot {
  return {at, nodes, lookupd: []}
}

/** A channel row with zeros except what is given. */
export function row(fields: Partial<ChannelRow> = {}): ChannelRow {
  return {
    topic: 't',
    channel: 'c',
    depth: 0,
    mem: 0,
    disk: 0,
    in_flight: 0,
    deferred: 0,
    requeued: 0,
    timed_out: 0,
    messages: 0,
    clients: 0,
    paused: false,
    nodes: 1,
    ingress_rate: null,
    egress_rate: null,
    requeue_rate: null,
    timeout_rate: null,
    drain_eta_s: null,
    hints: [],
    ...fields,
  }
}
