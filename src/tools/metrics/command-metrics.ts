/**
 * `--metrics-address` of the long-running commands (to-file, tail, to-nsq, relay, to-http):
 * one prom-client registry served on /metrics, with the process metrics prom-client collects
 * for every Node process (memory, CPU, event-loop lag) and the command's own:
 *
 * - read at scrape time from counters the code keeps anyway (the consumers' received / finished
 *   / requeued / reconnects, to-file's per-topic totals, the uploader's backlog), so the hot
 *   path does no extra work;
 * - histograms observed once per batch, fsync, upload or HTTP request.
 *
 * Names: `nsq_toolkit_*` (ours; the `nsq_*` family is `nsq stat --prometheus`'s view of nsqd),
 * seconds and bytes in the names, counters ending in `_total` (README: "Prometheus metrics").
 */
import type {Consumer} from '../../core/index.js'
import {startMetricsServer, type MetricsServer} from './metrics-server.js'
import type {ConsumeObserver, PublishObserver, RequestObserver, SyncObserver} from './observers.js'
import {loadPromClient, type PromClient} from './prom-client.js'

type Labels = Record<string, string>
/** A value read at scrape time: one number, or one per label set. */
type Read = () => number | Iterable<readonly [Labels, number]>

/** Buckets in seconds, 0.5 ms … 30 s: fsyncs and publishes are milliseconds, uploads and slow endpoints seconds. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export class CommandMetrics implements ConsumeObserver {
  private readonly consumers = new Map<string, Consumer>()
  private readonly lost: InstanceType<PromClient['Counter']>
  private constructor(
    private readonly prom: PromClient,
    private readonly registry: InstanceType<PromClient['Registry']>,
    private server: MetricsServer | undefined,
    command: string,
  ) {
    prom.collectDefaultMetrics({register: registry})
    new prom.Gauge({
      name: 'nsq_toolkit_info',
      help: 'The command serving these metrics (always 1)',
      labelNames: ['command'],
      registers: [registry],
    }).set({command}, 1)
    const perTopic = (pick: (s: Consumer['stats']) => number) => () =>
      [...this.consumers].map(([topic, consumer]) => [{topic}, pick(consumer.stats)] as const)
    this.counter(
      'nsq_toolkit_messages_received_total',
      'Messages nsqd delivered to this process',
      perTopic((s) => s.received),
      ['topic'],
    )
    this.counter(
      'nsq_toolkit_messages_finished_total',
      'Messages finished (FIN) after their work was done',
      perTopic((s) => s.finished),
      ['topic'],
    )
    this.counter(
      'nsq_toolkit_messages_requeued_total',
      'Messages requeued (REQ) to nsqd',
      perTopic((s) => s.requeued),
      ['topic'],
    )
    this.gauge(
      'nsq_toolkit_messages_in_flight',
      'Messages received and not yet answered',
      perTopic((s) => s.inFlight),
      ['topic'],
    )
    this.gauge(
      'nsq_toolkit_connections',
      'nsqd connections subscribed and ready',
      perTopic((s) => s.connections),
      ['topic'],
    )
    this.counter(
      'nsq_toolkit_reconnects_total',
      'Connections to nsqd made again after one was lost',
      perTopic((s) => s.reconnects),
      ['topic'],
    )
    this.lost = new prom.Counter({
      name: 'nsq_toolkit_connections_lost_total',
      help: 'Connections to nsqd lost with an error (stalled, reset, nsqd gone)',
      labelNames: ['topic'],
      registers: [registry],
    })
  }

  /** Loads prom-client and listens on `address` (a bare port is 127.0.0.1); rejects CONFIG when it cannot. */
  static async open(address: string, command: string, flag = '--metrics-address'): Promise<CommandMetrics> {
    const prom = await loadPromClient()
    const registry = new prom.Registry()
    const metrics = new CommandMetrics(prom, registry, undefined, command)
    metrics.server = await startMetricsServer(address, flag, async () => ({
      contentType: registry.contentType,
      body: await registry.metrics(),
    }))
    return metrics
  }

  /** `host:port` bound. */
  get address(): string {
    return this.server?.address ?? ''
  }

  /** The text a scrape gets now (tests, and a last look at exit). */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  async close(): Promise<void> {
    await this.server?.close()
  }

  consumer(topic: string, consumer: Consumer): void {
    this.consumers.set(topic, consumer)
    // The series exists from the start (0), so an alert on increase() sees the first loss.
    this.lost.inc({topic}, 0)
  }

  connectionLost(topic: string, _address?: string): void {
    this.lost.inc({topic})
  }

  /** A counter read at scrape time; `read` must never go down (the code's own running totals). */
  counter(name: string, help: string, read: Read, labelNames: readonly string[] = []): void {
    new this.prom.Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset()
        const value = read()
        if (typeof value === 'number') this.inc(value)
        else for (const [labels, n] of value) this.inc(labels, n)
      },
    })
  }

  /** A gauge read at scrape time. */
  gauge(name: string, help: string, read: Read, labelNames: readonly string[] = []): void {
    new this.prom.Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset()
        const value = read()
        if (typeof value === 'number') this.set(value)
        else for (const [labels, n] of value) this.set(labels, n)
      },
    })
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    buckets = LATENCY_BUCKETS,
  ): InstanceType<PromClient['Histogram']> {
    return new this.prom.Histogram({name, help, labelNames, buckets, registers: [this.registry]})
  }

  /** to-nsq, relay: publish latency per batch and the records published / failed. */
  publishObserver(): PublishObserver {
    const latency = this.histogram(
      'nsq_toolkit_publish_duration_seconds',
      'Time from sending a batch (PUB / MPUB) until nsqd answered for all of it',
    )
    const published = new this.prom.Counter({
      name: 'nsq_toolkit_messages_published_total',
      help: 'Messages nsqd took',
      registers: [this.registry],
    })
    const failed = new this.prom.Counter({
      name: 'nsq_toolkit_messages_publish_failed_total',
      help: 'Messages nsqd did not take (written to the errors file)',
      registers: [this.registry],
    })
    const bytes = new this.prom.Counter({
      name: 'nsq_toolkit_published_bytes_total',
      help: 'Bytes of message bodies nsqd took',
      registers: [this.registry],
    })
    const lost = new this.prom.Counter({
      name: 'nsq_toolkit_publish_connections_lost_total',
      help: 'Connections to nsqd for publishing lost with an error',
      labelNames: ['nsqd'],
      registers: [this.registry],
    })
    const reconnects = new this.prom.Counter({
      name: 'nsq_toolkit_publish_reconnects_total',
      help: 'Connections to nsqd for publishing made again after one was lost',
      labelNames: ['nsqd'],
      registers: [this.registry],
    })
    published.inc(0)
    failed.inc(0)
    bytes.inc(0)
    return {
      lost: (nsqd) => lost.inc({nsqd}),
      reconnected: (nsqd) => reconnects.inc({nsqd}),
      batch: (seconds, ok, bad, size) => {
        latency.observe(seconds)
        published.inc(ok)
        failed.inc(bad)
        bytes.inc(size)
      },
    }
  }

  /** to-file: fdatasync latency per batch. */
  syncObserver(): SyncObserver {
    const latency = this.histogram('nsq_toolkit_fsync_duration_seconds', 'Time of one fdatasync of a batch of archived messages', ['topic'])
    return {synced: (topic, seconds) => latency.observe({topic}, seconds)}
  }

  /** to-http: request latency by status. */
  requestObserver(): RequestObserver {
    const latency = this.histogram('nsq_toolkit_http_request_duration_seconds', 'Time of one HTTP request, by status (0: no answer)', [
      'status',
    ])
    return {request: (seconds, status) => latency.observe({status: String(status)}, seconds)}
  }
}
