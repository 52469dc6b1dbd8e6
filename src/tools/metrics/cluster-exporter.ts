/**
 * `nsq stat --prometheus`: the cluster's /stats as Prometheus metrics, polled at scrape time.
 *
 * Names: lovoo/nsq_exporter's (`nsq_topic_*`, `nsq_channel_*`), which existing Grafana
 * dashboards and alerts query, with three deliberate changes (README: "Prometheus metrics"):
 * nsqd's monotonically growing counts are counters with the `_total` suffix
 * (`nsq_channel_message_count_total`, where lovoo exported a gauge `nsq_channel_message_count`),
 * `paused` is a 0/1 gauge instead of a label (a label splits every series on pause), and the e2e
 * latency is one gauge per level in seconds with a `quantile` label taken from the quantile nsqd
 * reports (lovoo's `_99_percentile` names assumed array positions). Every series has a `node`
 * label (the nsqd HTTP address polled): counters are never summed over nodes, so a series only
 * moves the way nsqd's own counter does (a restart of nsqd or a re-created channel is a counter
 * reset, which rate() handles); a node that is down has only `nsq_up 0`, never made-up zeros.
 *
 * Several scrapers inside `cacheMs` share one poll; concurrent scrapes wait for the same poll.
 */
import type {Snapshot} from '../stat/model.js'
import type {Rendered} from './metrics-server.js'
import type {PromClient} from './prom-client.js'

export interface ClusterExporterOptions {
  poll(signal?: AbortSignal): Promise<Snapshot>
  /** Reuse a poll this young (ms). */
  cacheMs: number
  now?: () => number
}

/** Topic / channel metric names and their /stats fields (also the README's table). */
export const TOPIC_GAUGES = {
  nsq_topic_depth: ['depth', 'Messages queued in the topic (memory + disk), waiting for a channel'],
  nsq_topic_backend_depth: ['backend_depth', 'The part of nsq_topic_depth on disk'],
} as const
export const TOPIC_COUNTERS = {
  nsq_topic_message_count_total: ['message_count', 'Messages published to the topic since nsqd started'],
  nsq_topic_message_bytes_total: ['message_bytes', 'Bytes of message bodies published to the topic since nsqd started'],
} as const
export const CHANNEL_GAUGES = {
  nsq_channel_depth: ['depth', 'Messages queued in the channel (memory + disk), not counting in flight or deferred'],
  nsq_channel_backend_depth: ['backend_depth', 'The part of nsq_channel_depth on disk'],
  nsq_channel_in_flight_count: ['in_flight_count', 'Messages sent to a consumer and not yet answered'],
  nsq_channel_deferred_count: ['deferred_count', 'Messages requeued with a delay, waiting for it'],
  nsq_channel_client_count: ['client_count', 'Consumers connected to the channel'],
} as const
export const CHANNEL_COUNTERS = {
  nsq_channel_message_count_total: ['message_count', 'Messages copied into the channel since nsqd started'],
  nsq_channel_requeue_count_total: ['requeue_count', 'Messages requeued (REQ) since nsqd started'],
  nsq_channel_timeout_count_total: ['timeout_count', 'Messages whose in-flight timeout expired since nsqd started'],
} as const

export class ClusterExporter {
  private cached: {snapshot: Snapshot; at: number; pollSeconds: number} | undefined
  private polling: Promise<{snapshot: Snapshot; at: number; pollSeconds: number}> | undefined
  private readonly now: () => number

  constructor(
    private readonly prom: PromClient,
    private readonly options: ClusterExporterOptions,
  ) {
    this.now = options.now ?? Date.now
  }

  /** The metrics of a poll no older than `cacheMs` (polls when there is none). */
  async render(signal?: AbortSignal): Promise<Rendered> {
    const {snapshot, pollSeconds} = await this.current(signal)
    return renderSnapshot(this.prom, snapshot, pollSeconds)
  }

  private current(signal?: AbortSignal): Promise<{snapshot: Snapshot; at: number; pollSeconds: number}> {
    const cached = this.cached
    if (cached !== undefined && this.now() - cached.at < this.options.cacheMs) return Promise.resolve(cached)
    if (this.polling !== undefined) return this.polling
    const started = this.now()
    const polling = this.options.poll(signal).then((snapshot) => {
      const at = this.now()
      this.cached = {snapshot, at, pollSeconds: (at - started) / 1000}
      return this.cached
    })
    this.polling = polling
    const clear = (): void => {
      if (this.polling === polling) this.polling = undefined
    }
    polling.then(clear, clear)
    return polling
  }
}

/** One poll as a fresh registry (series of vanished topics, channels and nodes disappear with it). */
export async function renderSnapshot(prom: PromClient, snapshot: Snapshot, pollSeconds: number): Promise<Rendered> {
  const registry = new prom.Registry()
  const registers = [registry]
  const up = new prom.Gauge({
    name: 'nsq_up',
    help: 'Whether the node answered the last poll (1) or not (0)',
    labelNames: ['node', 'role'],
    registers,
  })
  const info = new prom.Gauge({name: 'nsq_nsqd_info', help: 'nsqd version (always 1)', labelNames: ['node', 'version'], registers})
  new prom.Gauge({name: 'nsq_exporter_poll_duration_seconds', help: 'How long the last poll of the cluster took', registers}).set(
    pollSeconds,
  )
  const topicLabels = ['node', 'topic'] as const
  const channelLabels = ['node', 'topic', 'channel'] as const
  const gauges = (defs: Record<string, readonly [string, string]>, labelNames: readonly string[]) =>
    Object.entries(defs).map(([name, [field, help]]) => ({field, metric: new prom.Gauge({name, help, labelNames, registers})}))
  const counters = (defs: Record<string, readonly [string, string]>, labelNames: readonly string[]) =>
    Object.entries(defs).map(([name, [field, help]]) => ({field, metric: new prom.Counter({name, help, labelNames, registers})}))
  const topicGauges = gauges(TOPIC_GAUGES, topicLabels)
  const topicCounters = counters(TOPIC_COUNTERS, topicLabels)
  const topicChannels = new prom.Gauge({name: 'nsq_topic_channel_count', help: 'Channels of the topic', labelNames: topicLabels, registers})
  const topicPaused = new prom.Gauge({
    name: 'nsq_topic_paused',
    help: 'Whether the topic is paused (1) or not (0)',
    labelNames: topicLabels,
    registers,
  })
  const topicE2e = new prom.Gauge({
    name: 'nsq_topic_e2e_processing_latency_seconds',
    help: "Topic end-to-end processing latency at nsqd's configured quantiles (--e2e-processing-latency-percentile)",
    labelNames: [...topicLabels, 'quantile'],
    registers,
  })
  const channelGauges = gauges(CHANNEL_GAUGES, channelLabels)
  const channelCounters = counters(CHANNEL_COUNTERS, channelLabels)
  const channelPaused = new prom.Gauge({
    name: 'nsq_channel_paused',
    help: 'Whether the channel is paused (1) or not (0)',
    labelNames: channelLabels,
    registers,
  })
  const channelE2e = new prom.Gauge({
    name: 'nsq_channel_e2e_processing_latency_seconds',
    help: "Channel end-to-end processing latency (publish to FIN) at nsqd's configured quantiles",
    labelNames: [...channelLabels, 'quantile'],
    registers,
  })

  for (const l of snapshot.lookupd) up.set({node: l.address, role: 'nsqlookupd'}, l.status === 'up' ? 1 : 0)
  for (const node of snapshot.nodes) {
    up.set({node: node.address, role: 'nsqd'}, node.status === 'up' ? 1 : 0)
    if (node.status !== 'up') continue
    info.set({node: node.address, version: node.version}, 1)
    for (const t of node.raw ?? []) {
      const tl = {node: node.address, topic: t.topic_name}
      const topic = t as unknown as Record<string, number>
      for (const {field, metric} of topicGauges) metric.set(tl, topic[field] as number)
      for (const {field, metric} of topicCounters) metric.inc(tl, topic[field] as number)
      topicChannels.set(tl, t.channels.length)
      topicPaused.set(tl, t.paused ? 1 : 0)
      for (const p of t.e2e_processing_latency.percentiles) topicE2e.set({...tl, quantile: String(p.quantile)}, p.value / 1e9)
      for (const c of t.channels) {
        const cl = {...tl, channel: c.channel_name}
        const channel = c as unknown as Record<string, number>
        for (const {field, metric} of channelGauges) metric.set(cl, channel[field] as number)
        for (const {field, metric} of channelCounters) metric.inc(cl, channel[field] as number)
        channelPaused.set(cl, c.paused ? 1 : 0)
        for (const p of c.e2e_processing_latency.percentiles) channelE2e.set({...cl, quantile: String(p.quantile)}, p.value / 1e9)
      }
    }
  }
  return {contentType: registry.contentType, body: await registry.metrics()}
}
