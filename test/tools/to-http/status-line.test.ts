import {afterEach, describe, expect, it} from 'vitest'
import {describeTransportError, statusLineRenderer} from '../../../src/commands/to-http.js'
import {HttpSink} from '../../../src/tools/to-http/http-sink.js'
import {FakeTime} from '../../support/fake-time.js'

const sinks: HttpSink[] = []
function sink(): HttpSink {
  const s = new HttpSink({
    method: 'POST',
    urls: ['http://127.0.0.1:9/in'],
    mode: 'hostpool',
    contentType: 'application/octet-stream',
    headers: [],
    format: 'raw',
    concurrency: 10,
    connectTimeoutMs: 1000,
    requestTimeoutMs: 1000,
    policy: {on4xx: 'errors', baseDelayMs: 1000, maxDelayMs: 60_000},
    userAgent: 'test',
  })
  sinks.push(s)
  return s
}
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close()
})

describe('to-http status line', () => {
  it('shows requests per second since the last redraw, latency, in flight and outcomes by class', () => {
    const time = new FakeTime(1_000_000)
    const render = statusLineRenderer(() => time.now())
    const s = sink()
    expect(render(s)).toBe('to-http: 0 req/s · in flight 0 · 0 delivered · 2xx 0 3xx 0 4xx 0 5xx 0 no response 0')
    s.stats.requests = 500
    s.stats.delivered = 480
    for (let i = 0; i < 480; i++) s.delivery.response(200, 2)
    for (let i = 0; i < 5; i++) s.delivery.response(404, 2)
    for (let i = 0; i < 10; i++) s.delivery.response(503, i === 9 ? 50 : 2)
    for (let i = 0; i < 5; i++) s.delivery.noResponse(true)
    time.advance(2000)
    expect(render(s)).toMatch(
      /^to-http: 250 req\/s · p50 2\.0ms p99 2\.0ms · in flight 0 · 480 delivered · 2xx 480 3xx 0 4xx 5 5xx 10 no response 5$/,
    )
    s.stats.requests = 600
    time.advance(1000)
    expect(render(s)).toMatch(/^to-http: 100 req\/s /)
  })
})

describe('transport error notes', () => {
  it('says what to do about a refused certificate, a timeout, a closed connection without a client certificate', () => {
    expect(describeTransportError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', false)).toBe(
      'its TLS certificate is refused: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN); trust the CA that signed it with --http-tls-ca FILE (or skip verification with --http-tls-insecure)',
    )
    expect(describeTransportError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9', true)).toBe(
      'connection refused (connect ECONNREFUSED 127.0.0.1:9)',
    )
    expect(describeTransportError('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error', true)).toBe(
      'no response within --http-client-request-timeout (UND_ERR_HEADERS_TIMEOUT)',
    )
    expect(describeTransportError('UND_ERR_SOCKET', 'other side closed', false)).toBe(
      'no response: other side closed (UND_ERR_SOCKET) (if it asks for a client certificate: --http-tls-cert and --http-tls-key)',
    )
    expect(describeTransportError('UND_ERR_SOCKET', 'other side closed', true)).toBe('no response: other side closed (UND_ERR_SOCKET)')
  })
})
