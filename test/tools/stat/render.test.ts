import {describe, expect, it} from 'vitest'
import {formatRow, header2, HEADER_EVERY, RowsRenderer} from '../../../src/tools/stat/render-rows.js'
import {csvField, csvHeader, csvRows} from '../../../src/tools/stat/render-csv.js'
import {jsonTick} from '../../../src/tools/stat/render-json.js'
import {formatEta, formatRate, renderTable} from '../../../src/tools/stat/render-table.js'
import {StatOutput} from '../../../src/tools/stat/output.js'
import {parseThreshold} from '../../../src/tools/stat/threshold.js'
import type {StatView} from '../../../src/tools/stat/model.js'
import {row} from './fixtures.js'

/** Go's %Nd / %Ns: right-aligned in N columns, never cut. */
const d = (value: number | string, width: number): string => String(value).padStart(width)

/** nsq_stat's row format string, `%7d %7d | %7d %7d %7d %5d %5d | %7d %7d %12d %7d`, applied by hand. */
function goRow(v: (number | string)[]): string {
  const w = [7, 7, 7, 7, 7, 5, 5, 7, 7, 12, 7]
  const f = v.map((x, i) => d(x, w[i] as number))
  return `${f[0]} ${f[1]} | ${f[2]} ${f[3]} ${f[4]} ${f[5]} ${f[6]} | ${f[7]} ${f[8]} ${f[9]} ${f[10]}`
}

const HEADER_1 = '------rate------+----------------depth----------------+--------------metadata---------------'

function view(channels = [row()]): StatView {
  return {
    at: Date.UTC(2026, 0, 2, 3, 4, 5),
    elapsed_ms: 2000,
    nodes: [{address: 'n:4151', status: 'up', version: '1.3.0'}],
    lookupd: [],
    topics: [],
    channels,
  }
}

describe('nsq_stat rows', () => {
  it("use nsq_stat's header and format strings, rates truncated to integers", () => {
    expect(header2()).toBe(goRow(['ingress', 'egress', 'total', 'mem', 'disk', 'inflt', 'def', 'req', 't-o', 'msgs', 'clients']))
    const r = row({
      ingress_rate: 12.9,
      egress_rate: -3.7,
      depth: 1234,
      mem: 1000,
      disk: 234,
      in_flight: 17,
      deferred: 2,
      requeued: 5,
      timed_out: 1,
      messages: 987_654_321_012,
      clients: 4,
    })
    expect(formatRow(r)).toBe(goRow([12, -3, 1234, 1000, 234, 17, 2, 5, 1, 987_654_321_012, 4]))
    expect(formatRow(row())).toBe(goRow(['-', '-', 0, 0, 0, 0, 0, 0, 0, 0, 0]))
  })

  it('repeat the header every 25 lines, the baseline poll counting as the first (24 rows, then 25 per block)', () => {
    const renderer = new RowsRenderer({single: true})
    let out = renderer.baseline()
    for (let i = 0; i < 60; i++) out += renderer.tick([row({messages: i})])
    const lines = out.trimEnd().split('\n')
    const headers = lines.flatMap((line, i) => (line === HEADER_1 ? [i] : []))
    expect(headers).toEqual([0, 26, 53])
    expect(lines[1]).toBe(header2())
    // Data rows between headers: 24, then 25, then the rest.
    expect(headers[1]! - 2).toBe(HEADER_EVERY - 1)
    expect(headers[2]! - headers[1]! - 2).toBe(HEADER_EVERY)
    expect(lines.length).toBe(3 * 2 + 60)
  })

  it('prefix the topic/channel (and node) when several channels are shown, and end with hints', () => {
    const renderer = new RowsRenderer({single: false, nameWidth: 20})
    const head = renderer.baseline().split('\n')
    expect(head[0]).toBe(`${' '.repeat(20)} ${HEADER_1}`)
    expect(head[1]).toBe(`${'topic/channel'.padEnd(20)} ${header2()}`)
    const out = renderer
      .tick([row({topic: 'orders', channel: 'arch', hints: ['no consumers']}), row({topic: 'o', channel: 'c', node: 'h:1'})])
      .split('\n')
    expect(out[0]).toBe(`${'orders/arch'.padEnd(20)} ${formatRow(row())}  no consumers`)
    expect(out[1]).toBe(`${'o/c@h:1'.padEnd(20)} ${formatRow(row())}`)
  })
})

describe('csv', () => {
  it('a header once, then one quoted-when-needed line per channel', () => {
    expect(csvHeader()).toBe(
      'time,topic,channel,node,depth,mem,disk,in_flight,deferred,requeued,timed_out,messages,clients,paused,nodes,ingress_rate,egress_rate,requeue_rate,timeout_rate,drain_eta_s,hints\n',
    )
    const line = csvRows(view(), [row({topic: 'a', channel: 'b', depth: 3, ingress_rate: 1 / 3, hints: ['x, "y"']})])
    expect(line).toBe('2026-01-02T03:04:05.000Z,a,b,,3,0,0,0,0,0,0,0,0,false,1,0.333,,,,,"x, ""y"""\n')
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a\nb')).toBe('"a\nb"')
  })
})

describe('json', () => {
  it('one object per tick with the documented channel fields and rounded rates', () => {
    const tick = jsonTick(view([row({ingress_rate: 2 / 3, depth: 7})]), [row({ingress_rate: 2 / 3, depth: 7})], [])
    expect(tick.time).toBe('2026-01-02T03:04:05.000Z')
    expect(tick.elapsed_s).toBe(2)
    const c = tick.channels[0]!
    for (const key of [
      'topic',
      'channel',
      'depth',
      'in_flight',
      'deferred',
      'requeued',
      'timed_out',
      'messages',
      'clients',
      'ingress_rate',
      'egress_rate',
      'paused',
      'drain_eta_s',
    ]) {
      expect(c).toHaveProperty(key)
    }
    expect(c.ingress_rate).toBe(0.667)
    expect(c.egress_rate).toBeNull()
  })
})

describe('StatOutput', () => {
  it('streams start at the first interval (--count N gives N rows), --once shows the baseline', () => {
    const channels = [row({depth: 1})]
    const json = new StatOutput({mode: 'json', single: true, byNode: false, intervalMs: 2000, once: false})
    expect(json.render(0, view(channels), channels, []).text).toBe('')
    const line = json.render(1, view(channels), channels, [{threshold: parseThreshold('depth>0'), subject: 't/c', actual: 1}]).text
    expect(line.endsWith('\n')).toBe(true)
    expect(line.indexOf('\n')).toBe(line.length - 1)
    expect(JSON.parse(line)).toMatchObject({channels: [{depth: 1}], breaches: ['t/c: depth 1 (depth>0)']})
    const once = new StatOutput({mode: 'rows', single: true, byNode: false, intervalMs: 2000, once: true})
    expect(once.render(0, view(channels), channels, []).text.split('\n')).toHaveLength(4)
    const csv = new StatOutput({mode: 'csv', single: false, byNode: false, intervalMs: 2000, once: false})
    expect(csv.render(0, view(channels), channels, []).text).toBe(csvHeader())
    expect(csv.render(1, view(channels), channels, []).text.split('\n')).toHaveLength(2)
  })

  it('the live table is a frame per tick, baseline included, cut to the rows that fit', () => {
    const channels = Array.from({length: 10}, (_, i) => row({channel: `c${i}`, depth: i}))
    const table = new StatOutput({mode: 'table', single: false, byNode: false, intervalMs: 2000, once: false, maxRows: () => 3})
    const frame = table.render(0, {...view(channels), elapsed_ms: null}, channels, [])
    expect(frame.frame).toBe(true)
    expect(frame.text).toMatch(/^nsq stat {2}2026-01-02 03:04:05Z {2}every 2s {2}nsqd: 1 up\n/)
    expect(frame.text).toContain('c2')
    expect(frame.text).not.toContain('c3')
    expect(frame.text).toContain('… 7 more channels')
  })
})

describe('live table', () => {
  it('shows down nodes, paused / hints, rates and drain', () => {
    const v: StatView = {
      ...view(),
      nodes: [
        {address: 'a:1', status: 'up', version: '1.3.0'},
        {address: 'b:2', status: 'down', error: 'connection refused'},
      ],
    }
    const text = renderTable(
      v,
      [row({topic: 'orders', channel: 'arch', depth: 500, ingress_rate: 12.25, egress_rate: 20, drain_eta_s: 62.5, hints: ['paused']})],
      {style: {head: [], border: []}, byNode: false, intervalMs: 500},
    )
    expect(text).toContain('every 500ms  nsqd: 1 up, 1 DOWN')
    expect(text).toContain('  DOWN b:2: connection refused')
    expect(text).toMatch(/│ orders +│ arch +│ +500 │/)
    expect(text).toMatch(/│ +12 │ +20 │ +1m3s │ paused +│/)
  })

  it('formats rates and drain estimates', () => {
    expect(formatRate(null)).toBe('-')
    expect(formatRate(2.345)).toBe('2.3')
    expect(formatRate(1234.5)).toBe('1235')
    expect(formatEta(null, false)).toBe('-')
    expect(formatEta(null, true)).toBe('∞')
    expect(formatEta(0, true)).toBe('0s')
    expect(formatEta(0.4, true)).toBe('<1s')
    expect(formatEta(59, true)).toBe('59s')
    expect(formatEta(120, true)).toBe('2m')
    expect(formatEta(3 * 3600 + 5 * 60, true)).toBe('3h5m')
  })
})
