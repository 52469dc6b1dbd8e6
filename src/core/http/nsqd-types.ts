/** nsqd HTTP API shapes (reference §2.2), with nsqd's own field names. */

export interface NsqdInfo {
  version: string
  broadcast_address: string
  hostname: string
  http_port: number
  tcp_port: number
  start_time: number
  /** Only from nsqd 1.3.0 on; nanoseconds. */
  max_heartbeat_interval: number | undefined
  max_output_buffer_size: number | undefined
  max_output_buffer_timeout: number | undefined
  max_deflate_level: number | undefined
}

export interface ClientStats {
  client_id: string
  hostname: string
  remote_address: string
  user_agent: string
  state: number
  ready_count: number
  in_flight_count: number
  message_count: number
  finish_count: number
  requeue_count: number
  connect_ts: number
  tls: boolean
  snappy: boolean
  deflate: boolean
}

/**
 * nsqd's end-to-end processing latency over its sliding window (`--e2e-processing-latency-*`
 * flags): `count` samples in the window, one value (nanoseconds) per configured quantile. No
 * quantiles (an empty list) when nsqd was started without `--e2e-processing-latency-percentile`.
 */
export interface E2eLatency {
  count: number
  percentiles: {quantile: number; value: number}[]
}

export interface ChannelStats {
  channel_name: string
  depth: number
  backend_depth: number
  in_flight_count: number
  deferred_count: number
  message_count: number
  requeue_count: number
  timeout_count: number
  client_count: number
  clients: ClientStats[]
  paused: boolean
  e2e_processing_latency: E2eLatency
}

export interface TopicStats {
  topic_name: string
  channels: ChannelStats[]
  depth: number
  backend_depth: number
  message_count: number
  message_bytes: number
  paused: boolean
  e2e_processing_latency: E2eLatency
}

export interface NsqdStats {
  version: string
  health: string
  start_time: number
  topics: TopicStats[]
  producers: ClientStats[]
}

export interface StatsQuery {
  topic?: string | undefined
  channel?: string | undefined
  /** Default false here (cheap polling); nsqd's own default is true. */
  includeClients?: boolean | undefined
  includeMem?: boolean | undefined
}
