import {describe, expect, it} from 'vitest'
import {globToRegExp, parseNameFilter} from '../../../src/tools/stat/name-filter.js'
import {sortRows} from '../../../src/tools/stat/sort.js'
import {translateGoArgs} from '../../../src/cli/drop-in.js'
import Stat from '../../../src/commands/stat.js'
import {row} from './fixtures.js'

describe('topic / channel filters', () => {
  it('an exact name can be filtered on by nsqd and lookupd', () => {
    const f = parseNameFilter('orders')
    expect(f).toMatchObject({kind: 'exact', exact: 'orders'})
    expect(f.matches('orders')).toBe(true)
    expect(f.matches('orders2')).toBe(false)
  })

  it('globs: * ? [class] [!class], dots literal', () => {
    const f = parseNameFilter('orders.*')
    expect(f).toMatchObject({kind: 'glob', exact: undefined})
    expect(['orders.eu', 'orders.', 'ordersXeu', 'x.orders.eu'].map((n) => f.matches(n))).toEqual([true, true, false, false])
    expect(globToRegExp('t?#ephemeral').test('t1#ephemeral')).toBe(true)
    expect(globToRegExp('[ab]-[!0-9]').test('a-x')).toBe(true)
    expect(globToRegExp('[ab]-[!0-9]').test('b-7')).toBe(false)
  })

  it('regular expressions between slashes, with flags; a bad one is an error naming the flag', () => {
    const f = parseNameFilter('/^ORD/i', 'topic')
    expect(f.kind).toBe('regex')
    expect(f.matches('orders')).toBe(true)
    expect(() => parseNameFilter('/(/', 'topic')).toThrow(/^--topic \/\(\/: /)
  })
})

describe('--sort and --top', () => {
  const rows = [
    row({topic: 'b', channel: 'x', depth: 5, ingress_rate: 1}),
    row({topic: 'a', channel: 'y', depth: 50, ingress_rate: null}),
    row({topic: 'a', channel: 'x', depth: 5, ingress_rate: 9, drain_eta_s: 3}),
  ]
  it('by name, or numbers largest first with name as the tie-break', () => {
    expect(sortRows(rows).map((r) => `${r.topic}/${r.channel}`)).toEqual(['a/x', 'a/y', 'b/x'])
    expect(sortRows(rows, 'depth').map((r) => `${r.topic}/${r.channel}`)).toEqual(['a/y', 'a/x', 'b/x'])
    expect(sortRows(rows, 'ingress', 2).map((r) => `${r.topic}/${r.channel}`)).toEqual(['a/x', 'b/x'])
    // Not draining (null) is the worst, so it comes first.
    expect(sortRows(rows, 'drain')[2]?.channel).toBe('x')
    expect(sortRows(rows, 'drain')[2]?.topic).toBe('a')
  })
})

describe('nsq_stat drop-in flags', () => {
  it("translates nsq_stat's Go-style flags to nsq stat", () => {
    const {argv, notes} = translateGoArgs(
      [
        '-topic=orders',
        '-channel',
        'archive',
        '-nsqd-http-address=127.0.0.1:4151',
        '--nsqd-http-address',
        '127.0.0.1:4251',
        '-interval=500ms',
        '-count=3',
        '-http-client-connect-timeout=2s',
        '-http-client-request-timeout',
        '5s',
      ],
      Stat.dropIn,
    )
    expect(argv).toEqual([
      'stat',
      '--topic=orders',
      '--channel',
      'archive',
      '--nsqd-http-address=127.0.0.1:4151',
      '--nsqd-http-address',
      '127.0.0.1:4251',
      '--interval=500ms',
      '--count=3',
      '--http-timeout',
      '5s',
    ])
    expect(notes).toEqual(['ignoring -http-client-connect-timeout: not needed by nsq-toolkit'])
    expect(translateGoArgs(['-lookupd-http-address', 'l:4161', '-version'], Stat.dropIn).argv).toEqual([
      'stat',
      '--lookupd-http-address',
      'l:4161',
      '--version',
    ])
  })

  it('every translated flag is one nsq stat has', () => {
    const flags = new Set(Object.keys(Stat.flags))
    for (const name of ['topic', 'channel', 'nsqd-http-address', 'lookupd-http-address', 'interval', 'count', 'http-timeout'])
      expect(flags.has(name), name).toBe(true)
    for (const target of Object.values(Stat.dropIn.rename ?? {})) expect(flags.has(target), target).toBe(true)
  })
})

describe('node addresses from lookupd', () => {
  it('broadcast_address:http_port, IPv6 in brackets, rewritten by --address-map (host:tcp_port or host)', async () => {
    const {nodeHttpAddress} = await import('../../../src/tools/stat/discovery.js')
    const {AddressMap} = await import('../../../src/core/index.js')
    const node = (host: string) => ({broadcast_address: host, tcp_port: 4150, http_port: 4151})
    expect(nodeHttpAddress(node('nsq-1.internal'))).toBe('nsq-1.internal:4151')
    expect(nodeHttpAddress(node('::1'))).toBe('[::1]:4151')
    // Keyed on the node as lookupd reports it (broadcast address and TCP port); the HTTP port moves with the TCP port.
    const map = AddressMap.parse(['nsq-1.internal:4150=10.0.0.1:14150', 'nsq-2.internal=10.0.0.2'])
    expect(nodeHttpAddress(node('nsq-1.internal'), map)).toBe('10.0.0.1:14151')
    expect(nodeHttpAddress(node('nsq-2.internal'), map)).toBe('10.0.0.2:4151')
    expect(nodeHttpAddress(node('nsq-3.internal'), map)).toBe('nsq-3.internal:4151')
  })
})
