import {apiUrl, checkStatus, httpRequest, parseJsonBody, type HttpOptions} from './request.js'
import {Shape} from './validate.js'

/** A producer (nsqd) as nsqlookupd reports it. */
export interface PeerInfo {
  remote_address: string
  hostname: string
  broadcast_address: string
  tcp_port: number
  http_port: number
  version: string
}

export interface LookupResult {
  channels: string[]
  producers: PeerInfo[]
}

export interface LookupdNode extends PeerInfo {
  topics: string[]
  tombstones: boolean[]
}

/** Typed client for one nsqlookupd's HTTP API (reference §2.3). */
export class LookupdHttpClient {
  constructor(
    readonly address: string,
    private readonly options: HttpOptions = {},
  ) {}

  async ping(signal?: AbortSignal): Promise<void> {
    const url = apiUrl(this.address, '/ping')
    checkStatus(url, await httpRequest(url, 'GET', undefined, this.with(signal)))
  }

  async info(signal?: AbortSignal): Promise<{version: string}> {
    const {s, data} = await this.json('/info', {}, signal)
    return {version: s.string(s.object(data, 'info').version, 'version')}
  }

  /**
   * Producers of a topic. A topic lookupd has never seen is answered 404 TOPIC_NOT_FOUND by
   * nsqlookupd; that comes back here as an empty result, not an error.
   */
  async lookup(topic: string, signal?: AbortSignal): Promise<LookupResult> {
    const url = apiUrl(this.address, '/lookup', {topic})
    const response = await httpRequest(url, 'GET', undefined, this.with(signal))
    if (response.status === 404) return {channels: [], producers: []}
    checkStatus(url, response)
    const s = new Shape(url.toString())
    const r = s.object(parseJsonBody(url, response), 'lookup')
    return {
      channels: s.array(r.channels, 'channels', (c, p) => s.string(c, p)),
      producers: s.array(r.producers, 'producers', (p, path) => parsePeer(s, p, path)),
    }
  }

  async topics(signal?: AbortSignal): Promise<string[]> {
    const {s, data} = await this.json('/topics', {}, signal)
    return s.array(s.object(data, 'topics').topics, 'topics', (t, p) => s.string(t, p))
  }

  async channels(topic: string, signal?: AbortSignal): Promise<string[]> {
    const {s, data} = await this.json('/channels', {topic}, signal)
    return s.array(s.object(data, 'channels').channels, 'channels', (c, p) => s.string(c, p))
  }

  async nodes(signal?: AbortSignal): Promise<LookupdNode[]> {
    const {s, data} = await this.json('/nodes', {}, signal)
    return s.array(s.object(data, 'nodes').producers, 'producers', (value, path) => {
      const r = s.object(value, path)
      return {
        ...parsePeer(s, value, path),
        topics: s.array(r.topics, `${path}.topics`, (t, p) => s.string(t, p)),
        tombstones: s.array(r.tombstones, `${path}.tombstones`, (t, p) => s.boolean(t, p)),
      }
    })
  }

  /** POST `/topic/create`: registers the topic in this lookupd (no nsqd is touched). */
  createTopic(topic: string, signal?: AbortSignal): Promise<void> {
    return this.post('/topic/create', {topic}, signal)
  }

  /** POST `/topic/delete`: drops the topic and its channel registrations (200 for unknown topics too). */
  deleteTopic(topic: string, signal?: AbortSignal): Promise<void> {
    return this.post('/topic/delete', {topic}, signal)
  }

  /** POST `/channel/create`: registers the channel (and its topic). */
  createChannel(topic: string, channel: string, signal?: AbortSignal): Promise<void> {
    return this.post('/channel/create', {topic, channel}, signal)
  }

  /** POST `/channel/delete`; an unregistered channel is answered 404 CHANNEL_NOT_FOUND (an HttpError here). */
  deleteChannel(topic: string, channel: string, signal?: AbortSignal): Promise<void> {
    return this.post('/channel/delete', {topic, channel}, signal)
  }

  /**
   * POST `/topic/tombstone`: hides producer `node` (`broadcast_address:http_port`) of the topic from
   * `/lookup` for lookupd's --tombstone-lifetime (45s by default). Answered 200 even when nothing matched.
   */
  tombstoneTopicProducer(topic: string, node: string, signal?: AbortSignal): Promise<void> {
    return this.post('/topic/tombstone', {topic, node}, signal)
  }

  private async post(path: string, query: Record<string, string>, signal?: AbortSignal): Promise<void> {
    const url = apiUrl(this.address, path, query)
    checkStatus(url, await httpRequest(url, 'POST', undefined, this.with(signal)))
  }

  private with(signal: AbortSignal | undefined): HttpOptions {
    return signal === undefined ? this.options : {...this.options, signal}
  }

  private async json(path: string, query: Record<string, string>, signal?: AbortSignal): Promise<{s: Shape; data: unknown}> {
    const url = apiUrl(this.address, path, query)
    const response = await httpRequest(url, 'GET', undefined, this.with(signal))
    checkStatus(url, response)
    return {s: new Shape(url.toString()), data: parseJsonBody(url, response)}
  }
}

function parsePeer(s: Shape, value: unknown, path: string): PeerInfo {
  const r = s.object(value, path)
  return {
    remote_address: s.string(r.remote_address, `${path}.remote_address`),
    hostname: s.string(r.hostname, `${path}.hostname`),
    broadcast_address: s.string(r.broadcast_address, `${path}.broadcast_address`),
    tcp_port: s.number(r.tcp_port, `${path}.tcp_port`),
    http_port: s.number(r.http_port, `${path}.http_port`),
    version: s.string(r.version, `${path}.version`),
  }
}
