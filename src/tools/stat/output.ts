/**
 * Chooses and drives one renderer for the whole run: the live table (a frame per tick, to be
 * drawn in place), nsq_stat's append-only rows, CSV or NDJSON. Pure: it returns text; the
 * command writes it. The baseline poll (index 0) is shown by the live table and by `--once`;
 * the streaming formats start with the first interval, like nsq_stat (`--count N` → N rows).
 */
import type {ChannelRow, StatView} from './model.js'
import {csvHeader, csvRows} from './render-csv.js'
import {jsonTick} from './render-json.js'
import {NO_CHANNEL, RowsRenderer} from './render-rows.js'
import {renderTable} from './render-table.js'
import {topicsWithoutChannels} from './view.js'
import type {Breach} from './threshold.js'

export type OutputMode = 'table' | 'rows' | 'csv' | 'json'

export interface OutputOptions {
  mode: OutputMode
  /** One exact topic and channel: nsq_stat's own row format. */
  single: boolean
  byNode: boolean
  intervalMs: number
  /** Only one poll (`--once`): it is shown even though it has no rates. */
  once: boolean
  tableStyle?: {head: string[]; border: string[]}
  /** Terminal rows available for table rows (live table only). */
  maxRows?: () => number | undefined
}

/** What to print for one tick; `frame` is true when it replaces the previous one (live table). */
export interface Rendered {
  text: string
  frame: boolean
}

export class StatOutput {
  private rows: RowsRenderer | undefined
  private csvStarted = false

  constructor(private readonly options: OutputOptions) {}

  /** Text for one tick. `index` 0 is the baseline poll. */
  render(index: number, view: StatView, channels: readonly ChannelRow[], breaches: readonly Breach[]): Rendered {
    const {mode, once} = this.options
    const data = index > 0 || once
    switch (mode) {
      case 'table': {
        const maxRows = this.options.maxRows?.()
        return {
          frame: true,
          text: renderTable(view, channels, {
            style: this.options.tableStyle ?? {head: [], border: []},
            byNode: this.options.byNode,
            intervalMs: this.options.intervalMs,
            ...(maxRows === undefined ? {} : {maxRows}),
          }),
        }
      }
      case 'rows': {
        let text = ''
        if (this.rows === undefined) {
          const names = [...channels, ...topicsWithoutChannels(view.topics, channels).map((t) => ({...t, channel: NO_CHANNEL}))]
          const nameWidth = Math.min(
            48,
            Math.max(20, ...names.map((r) => r.topic.length + r.channel.length + 1 + (r.node === undefined ? 0 : r.node.length + 1))),
          )
          this.rows = new RowsRenderer({single: this.options.single, nameWidth})
          text += this.rows.baseline()
        }
        return {frame: false, text: data ? text + this.rows.tick(channels, topicsWithoutChannels(view.topics, channels)) : text}
      }
      case 'csv': {
        const header = this.csvStarted ? '' : csvHeader()
        this.csvStarted = true
        return {frame: false, text: header + (data ? csvRows(view, channels, topicsWithoutChannels(view.topics, channels)) : '')}
      }
      case 'json':
        return {frame: false, text: data ? `${JSON.stringify(jsonTick(view, channels, breaches))}\n` : ''}
    }
  }
}
