import {describe, expect, it} from 'vitest'
import {describeBreach, evaluate, parseThreshold} from '../../../src/tools/stat/threshold.js'
import type {StatView} from '../../../src/tools/stat/model.js'
import {row} from './fixtures.js'

function view(channels = [row()], down = 0): StatView {
  return {
    at: 0,
    elapsed_ms: 2000,
    lookupd: [],
    topics: [],
    channels,
    nodes: [
      {address: 'up:4151', status: 'up', version: '1.3.0'},
      ...Array.from({length: down}, (_, i) => ({address: `down${i}:4151`, status: 'down' as const, error: 'x'})),
    ],
  }
}

describe('--fail-if parser', () => {
  it('reads METRIC OP VALUE with spaces, aliases, suffixes, booleans and durations', () => {
    expect(parseThreshold('depth>10000')).toEqual({source: 'depth>10000', metric: 'depth', op: '>', value: 10_000})
    expect(parseThreshold(' in_flight >= 5 ')).toMatchObject({metric: 'in_flight', op: '>=', value: 5})
    expect(parseThreshold('inflt<=2')).toMatchObject({metric: 'in_flight', op: '<=', value: 2})
    expect(parseThreshold('depth>10k')).toMatchObject({value: 10_000})
    expect(parseThreshold('msgs>1.5M')).toMatchObject({metric: 'messages', value: 1_500_000})
    expect(parseThreshold('clients=0')).toMatchObject({metric: 'clients', op: '==', value: 0})
    expect(parseThreshold('paused==true')).toMatchObject({metric: 'paused', value: 1})
    expect(parseThreshold('paused!=false')).toMatchObject({op: '!=', value: 0})
    expect(parseThreshold('drain_eta>10m')).toMatchObject({metric: 'drain_eta', value: 600})
    expect(parseThreshold('eta>90')).toMatchObject({metric: 'drain_eta', value: 90})
    expect(parseThreshold('timeout_rate>0.5')).toMatchObject({metric: 'timeout_rate', value: 0.5})
    expect(parseThreshold('egress<1')).toMatchObject({metric: 'egress_rate', op: '<'})
    expect(parseThreshold('down>0')).toMatchObject({metric: 'down', value: 0})
  })

  it('rejects what it cannot read, naming the problem', () => {
    expect(() => parseThreshold('depth')).toThrow(/expected METRIC OP VALUE/)
    expect(() => parseThreshold('depth>>3')).toThrow(/not a number/)
    expect(() => parseThreshold('size>3')).toThrow(/unknown metric "size"/)
    expect(() => parseThreshold('depth>lots')).toThrow(/"lots" is not a number/)
    expect(() => parseThreshold('paused==maybe')).toThrow(/true or false/)
    expect(() => parseThreshold('depth>10m')).toThrow(/not a number/)
  })
})

describe('--fail-if evaluation', () => {
  it('is met by any channel row that satisfies a condition', () => {
    const rows = [
      row({topic: 'a', channel: 'x', depth: 20_000}),
      row({topic: 'b', channel: 'y', depth: 5, clients: 0}),
      row({topic: 'c', channel: 'z', depth: 9, clients: 3}),
    ]
    const breaches = evaluate([parseThreshold('depth>10000'), parseThreshold('clients==0')], view(rows))
    expect(breaches.map(describeBreach)).toEqual([
      'a/x: depth 20000 (depth>10000)',
      'a/x: clients 0 (clients==0)',
      'b/y: clients 0 (clients==0)',
    ])
    expect(evaluate([parseThreshold('depth>100000')], view(rows))).toEqual([])
  })

  it('never fires on an unknown rate, and counts down nodes for `down`', () => {
    expect(evaluate([parseThreshold('egress_rate<1')], view([row({egress_rate: null})]))).toEqual([])
    expect(evaluate([parseThreshold('egress_rate<1')], view([row({egress_rate: 0.5})]))).toHaveLength(1)
    expect(evaluate([parseThreshold('down>0')], view([], 0))).toEqual([])
    expect(evaluate([parseThreshold('down>0')], view([], 2)).map(describeBreach)).toEqual(['cluster: down 2 (down>0)'])
  })

  it('names the node under --by-node', () => {
    expect(evaluate([parseThreshold('paused==true')], view([row({node: 'n1:4151', paused: true})])).map(describeBreach)).toEqual([
      't/c@n1:4151: paused 1 (paused==true)',
    ])
  })
})
