import {apiUrl, checkStatus, httpRequest, parseJsonBody, type HttpOptions} from './request.js'
import {Shape} from './validate.js'
import type {ChannelStats, ClientStats, E2eLatency, NsqdInfo, NsqdStats, StatsQuery, TopicStats} from './nsqd-types.js'

export type * from './nsqd-types.js'

/**
 * Typed client for one nsqd's HTTP API. `address` is `host:port` or a full http(s) URL.
 * Every call has a timeout (HttpOptions.timeoutMs) and validates the response shape.
 */
export class NsqdHttpClient {
  constructor(
    readonly address: string,
    private readonly options: HttpOptions = {},
  ) {}

  /** Resolves when nsqd answers `/ping` with 200 (it answers 500 when unhealthy). */
  async ping(signal?: AbortSignal): Promise<void> {
    await this.call('GET', '/ping', {}, undefined, signal)
  }

  async info(signal?: AbortSignal): Promise<NsqdInfo> {
    const {url, data} = await this.json('/info', {}, signal)
    const s = new Shape(url)
    const r = s.object(data, 'info')
    return {
      version: s.string(r.version, 'version'),
      broadcast_address: s.string(r.broadcast_address, 'broadcast_address'),
      hostname: s.string(r.hostname, 'hostname'),
      http_port: s.number(r.http_port, 'http_port'),
      tcp_port: s.number(r.tcp_port, 'tcp_port'),
      start_time: s.number(r.start_time, 'start_time'),
      max_heartbeat_interval: s.optionalNumber(r.max_heartbeat_interval, 'max_heartbeat_interval'),
      max_output_buffer_size: s.optionalNumber(r.max_output_buffer_size, 'max_output_buffer_size'),
      max_output_buffer_timeout: s.optionalNumber(r.max_output_buffer_timeout, 'max_output_buffer_timeout'),
      max_deflate_level: s.optionalNumber(r.max_deflate_level, 'max_deflate_level'),
    }
  }

  /**
   * One of nsqd's options as `/config/<option>` reports it, e.g. `max_msg_size`; option names are
   * the flag names with `_`. nsqd answers numbers, booleans (as 0/1) and lists as JSON, but a
   * string option as plain text (`text/plain`, unquoted): that comes back as a string.
   */
  async config(option: string, signal?: AbortSignal): Promise<unknown> {
    if (!/^[a-z0-9_]+$/.test(option)) throw new TypeError(`not an nsqd option name: ${JSON.stringify(option)}`)
    const url = apiUrl(this.address, `/config/${option}`)
    const response = await httpRequest(url, 'GET', undefined, {...this.options, ...(signal === undefined ? {} : {signal})})
    checkStatus(url, response)
    if (String(response.headers['content-type'] ?? '').startsWith('text/plain')) return response.body.toString('utf8')
    return parseJsonBody(url, response)
  }

  /** `config(option)` when it must be a finite number; rejects with the URL and the value otherwise. */
  async configNumber(option: string, signal?: AbortSignal): Promise<number> {
    const value = await this.config(option, signal)
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new Error(`${apiUrl(this.address, `/config/${option}`).toString()}: expected a number, got ${JSON.stringify(value)}`)
    return value
  }

  /** `/stats?format=json`, filtered by topic / channel; clients left out unless asked for. */
  async stats(query: StatsQuery = {}, signal?: AbortSignal): Promise<NsqdStats> {
    const {url, data} = await this.json(
      '/stats',
      {
        format: 'json',
        topic: query.topic,
        channel: query.channel,
        include_clients: String(query.includeClients ?? false),
        include_mem: String(query.includeMem ?? false),
      },
      signal,
    )
    return parseStats(new Shape(url), data)
  }

  /** HTTP /pub; `deferMs` delays delivery. */
  async pub(topic: string, body: Buffer, deferMs?: number, signal?: AbortSignal): Promise<void> {
    await this.call('POST', '/pub', {topic, defer: deferMs === undefined ? undefined : String(Math.trunc(deferMs))}, body, signal)
  }

  /** HTTP /mpub in binary mode, so bodies may hold newlines. */
  async mpub(topic: string, bodies: readonly Buffer[], signal?: AbortSignal): Promise<void> {
    let size = 4
    for (const body of bodies) size += 4 + body.length
    const payload = Buffer.allocUnsafe(size)
    payload.writeInt32BE(bodies.length, 0)
    let at = 4
    for (const body of bodies) {
      payload.writeInt32BE(body.length, at)
      at += 4 + body.copy(payload, at + 4)
    }
    await this.call('POST', '/mpub', {topic, binary: 'true'}, payload, signal)
  }

  createTopic(topic: string, signal?: AbortSignal): Promise<void> {
    return this.post('/topic/create', {topic}, signal)
  }

  deleteTopic(topic: string, signal?: AbortSignal): Promise<void> {
    return this.post('/topic/delete', {topic}, signal)
  }

  emptyTopic(topic: string, signal?: AbortSignal): Promise<void> {
    return this.post('/topic/empty', {topic}, signal)
  }

  pauseTopic(topic: string, signal?: AbortSignal): Promise<void> {
    return this.post('/topic/pause', {topic}, signal)
  }

  unpauseTopic(topic: string, signal?: AbortSignal): Promise<void> {
    return this.post('/topic/unpause', {topic}, signal)
  }

  createChannel(topic: string, channel: string, signal?: AbortSignal): Promise<void> {
    return this.post('/channel/create', {topic, channel}, signal)
  }

  deleteChannel(topic: string, channel: string, signal?: AbortSignal): Promise<void> {
    return this.post('/channel/delete', {topic, channel}, signal)
  }

  emptyChannel(topic: string, channel: string, signal?: AbortSignal): Promise<void> {
    return this.post('/channel/empty', {topic, channel}, signal)
  }

  pauseChannel(topic: string, channel: string, signal?: AbortSignal): Promise<void> {
    return this.post('/channel/pause', {topic, channel}, signal)
  }

  unpauseChannel(topic: string, channel: string, signal?: AbortSignal): Promise<void> {
    return this.post('/channel/unpause', {topic, channel}, signal)
  }

  private async post(path: string, query: Record<string, string>, signal?: AbortSignal): Promise<void> {
    await this.call('POST', path, query, undefined, signal)
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string | undefined>,
    body: Buffer | undefined,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const url = apiUrl(this.address, path, query)
    const response = await httpRequest(url, method, body, {...this.options, ...(signal === undefined ? {} : {signal})})
    checkStatus(url, response)
    return response.body
  }

  private async json(path: string, query: Record<string, string | undefined>, signal?: AbortSignal): Promise<{url: string; data: unknown}> {
    const url = apiUrl(this.address, path, query)
    const response = await httpRequest(url, 'GET', undefined, {...this.options, ...(signal === undefined ? {} : {signal})})
    checkStatus(url, response)
    return {url: url.toString(), data: parseJsonBody(url, response)}
  }
}

function parseClient(s: Shape, value: unknown, path: string): ClientStats {
  const r = s.object(value, path)
  return {
    client_id: s.string(r.client_id, `${path}.client_id`),
    hostname: s.string(r.hostname, `${path}.hostname`),
    remote_address: s.string(r.remote_address, `${path}.remote_address`),
    user_agent: s.optionalString(r.user_agent, `${path}.user_agent`) ?? '',
    state: s.number(r.state, `${path}.state`),
    ready_count: s.number(r.ready_count, `${path}.ready_count`),
    in_flight_count: s.number(r.in_flight_count, `${path}.in_flight_count`),
    message_count: s.number(r.message_count, `${path}.message_count`),
    finish_count: s.number(r.finish_count, `${path}.finish_count`),
    requeue_count: s.number(r.requeue_count, `${path}.requeue_count`),
    connect_ts: s.number(r.connect_ts, `${path}.connect_ts`),
    tls: r.tls === true,
    snappy: r.snappy === true,
    deflate: r.deflate === true,
  }
}

function parseChannel(s: Shape, value: unknown, path: string): ChannelStats {
  const r = s.object(value, path)
  return {
    channel_name: s.string(r.channel_name, `${path}.channel_name`),
    depth: s.number(r.depth, `${path}.depth`),
    backend_depth: s.number(r.backend_depth, `${path}.backend_depth`),
    in_flight_count: s.number(r.in_flight_count, `${path}.in_flight_count`),
    deferred_count: s.number(r.deferred_count, `${path}.deferred_count`),
    message_count: s.number(r.message_count, `${path}.message_count`),
    requeue_count: s.number(r.requeue_count, `${path}.requeue_count`),
    timeout_count: s.number(r.timeout_count, `${path}.timeout_count`),
    client_count: s.number(r.client_count, `${path}.client_count`),
    clients: s.array(r.clients, `${path}.clients`, (c, p) => parseClient(s, c, p)),
    paused: s.boolean(r.paused, `${path}.paused`),
    e2e_processing_latency: parseE2e(s, r.e2e_processing_latency, `${path}.e2e_processing_latency`),
  }
}

/** Absent (an nsqd before 0.3) reads as an empty window. */
function parseE2e(s: Shape, value: unknown, path: string): E2eLatency {
  if (value === undefined || value === null) return {count: 0, percentiles: []}
  const r = s.object(value, path)
  return {
    count: s.optionalNumber(r.count, `${path}.count`) ?? 0,
    percentiles: s.array(r.percentiles, `${path}.percentiles`, (p, at) => {
      const q = s.object(p, at)
      return {quantile: s.number(q.quantile, `${at}.quantile`), value: s.number(q.value, `${at}.value`)}
    }),
  }
}

function parseTopic(s: Shape, value: unknown, path: string): TopicStats {
  const r = s.object(value, path)
  return {
    topic_name: s.string(r.topic_name, `${path}.topic_name`),
    channels: s.array(r.channels, `${path}.channels`, (c, p) => parseChannel(s, c, p)),
    depth: s.number(r.depth, `${path}.depth`),
    backend_depth: s.number(r.backend_depth, `${path}.backend_depth`),
    message_count: s.number(r.message_count, `${path}.message_count`),
    message_bytes: s.number(r.message_bytes, `${path}.message_bytes`),
    paused: s.boolean(r.paused, `${path}.paused`),
    e2e_processing_latency: parseE2e(s, r.e2e_processing_latency, `${path}.e2e_processing_latency`),
  }
}

/** Validates a `/stats?format=json` body. */
export function parseStats(s: Shape, data: unknown): NsqdStats {
  const r = s.object(data, 'stats')
  return {
    version: s.string(r.version, 'version'),
    health: s.string(r.health, 'health'),
    start_time: s.number(r.start_time, 'start_time'),
    topics: s.array(r.topics, 'topics', (t, p) => parseTopic(s, t, p)),
    producers: s.array(r.producers, 'producers', (c, p) => parseClient(s, c, p)),
  }
}
