import {describe, expect, it} from 'vitest'
import type {TopicStats} from '../../../src/core/index.js'
import {ClusterExporter, renderSnapshot} from '../../../src/tools/metrics/cluster-exporter.js'
import {parseListenAddress} from '../../../src/tools/metrics/listen-address.js'
import {loadPromClient} from '../../../src/tools/metrics/prom-client.js'
import type {Snapshot} from '../../../src/tools/stat/model.js'
import {FakeTime} from '../../support/fake-time.js'

const e2e = {count: 3, percentiles: [{quantile: 0.99, value: 2_500_000}]}
const topic: TopicStats = {
  topic_name: 'a"b\\c',
  depth: 4,
  backend_depth: 1,
  message_count: 10,
  message_bytes: 100,
  paused: true,
  e2e_processing_latency: e2e,
  channels: [
    {
      channel_name: 'ch#ephemeral',
      depth: 2,
      backend_depth: 0,
      in_flight_count: 1,
      deferred_count: 0,
      message_count: 9,
      requeue_count: 3,
      timeout_count: 1,
      client_count: 2,
      clients: [],
      paused: false,
      e2e_processing_latency: e2e,
    },
  ],
}
const snapshot = (messages: number): Snapshot => ({
  at: 0,
  lookupd: [{address: 'l:4161', status: 'down', error: 'refused'}],
  nodes: [
    {address: 'n1:4151', status: 'up', at: 0, version: '1.3.0', topics: [], raw: [{...topic, message_count: messages}]},
    {address: 'n2:4151', status: 'down', at: 0, error: 'refused'},
  ],
})

describe('renderSnapshot', () => {
  it('names, labels, types and units: lovoo stems, counters as _total, paused as a gauge, e2e in seconds by quantile', async () => {
    const {body} = await renderSnapshot(await loadPromClient(), snapshot(10), 0.25)
    const lines = body.split('\n')
    expect(lines).toContain('# TYPE nsq_topic_message_count_total counter')
    expect(lines).toContain('# TYPE nsq_topic_depth gauge')
    expect(lines).toContain('nsq_up{node="l:4161",role="nsqlookupd"} 0')
    expect(lines).toContain('nsq_up{node="n1:4151",role="nsqd"} 1')
    expect(lines).toContain('nsq_up{node="n2:4151",role="nsqd"} 0')
    // Label values escaped by prom-client (a quote and a backslash in the name).
    expect(lines).toContain('nsq_topic_message_count_total{node="n1:4151",topic="a\\"b\\\\c"} 10')
    expect(lines).toContain('nsq_topic_paused{node="n1:4151",topic="a\\"b\\\\c"} 1')
    expect(lines).toContain('nsq_channel_requeue_count_total{node="n1:4151",topic="a\\"b\\\\c",channel="ch#ephemeral"} 3')
    expect(lines).toContain(
      'nsq_channel_e2e_processing_latency_seconds{node="n1:4151",topic="a\\"b\\\\c",channel="ch#ephemeral",quantile="0.99"} 0.0025',
    )
    expect(lines).toContain('nsq_exporter_poll_duration_seconds 0.25')
    // The node that is down has nsq_up 0 and nothing else.
    expect(lines.filter((l) => l.includes('n2:4151'))).toEqual(['nsq_up{node="n2:4151",role="nsqd"} 0'])
  })
})

describe('ClusterExporter', () => {
  it('scrapes inside the cache window share one poll, concurrent scrapes share the one in flight', async () => {
    const time = new FakeTime(1000)
    let polls = 0
    let release: (() => void) | undefined
    const exporter = new ClusterExporter(await loadPromClient(), {
      cacheMs: 1000,
      now: () => time.now(),
      poll: async () => {
        polls++
        const n = polls
        await new Promise<void>((resolve) => (release = resolve))
        return snapshot(n * 10)
      },
    })
    const a = exporter.render()
    const b = exporter.render()
    await Promise.resolve()
    release?.()
    const [ra, rb] = await Promise.all([a, b])
    expect(polls).toBe(1)
    expect(rb.body).toBe(ra.body)
    time.advance(999)
    expect((await exporter.render()).body).toBe(ra.body)
    expect(polls).toBe(1)
    time.advance(1)
    const c = exporter.render()
    await Promise.resolve()
    release?.()
    expect((await c).body).toContain('nsq_topic_message_count_total{node="n1:4151",topic="a\\"b\\\\c"} 20')
    expect(polls).toBe(2)
  })
})

describe('parseListenAddress', () => {
  it('a bare port or :port is loopback; other interfaces are explicit', () => {
    expect(parseListenAddress('9117', '--x')).toEqual({host: '127.0.0.1', port: 9117})
    expect(parseListenAddress(':9117', '--x')).toEqual({host: '127.0.0.1', port: 9117})
    expect(parseListenAddress('0.0.0.0:9117', '--x')).toEqual({host: '0.0.0.0', port: 9117})
    expect(parseListenAddress('[::1]:9117', '--x')).toEqual({host: '::1', port: 9117})
    expect(parseListenAddress('localhost:0', '--x')).toEqual({host: 'localhost', port: 0})
    expect(() => parseListenAddress('::1:9117', '--x')).toThrow(/brackets/)
    expect(() => parseListenAddress('host:port', '--x')).toThrow(/--x "host:port": the port must be a number/)
    expect(() => parseListenAddress('70000', '--x')).toThrow(/0-65535/)
  })
})
