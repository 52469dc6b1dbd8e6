/** `--sort` and `--top` for channel rows: busiest or most backed-up first, names A→Z. */
import type {ChannelRow} from './model.js'

export const SORT_KEYS = [
  'name',
  'depth',
  'in_flight',
  'messages',
  'ingress',
  'egress',
  'requeued',
  'timed_out',
  'clients',
  'drain',
] as const
export type SortKey = (typeof SORT_KEYS)[number]

function key(row: ChannelRow, sort: Exclude<SortKey, 'name'>): number {
  switch (sort) {
    case 'ingress':
      return row.ingress_rate ?? -1
    case 'egress':
      return row.egress_rate ?? -1
    // Never-draining (null) sorts first: it is the worst case.
    case 'drain':
      return row.drain_eta_s ?? Number.POSITIVE_INFINITY
    default:
      return row[sort]
  }
}

/** Code-unit order, as nsqd sorts names. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function byName(a: ChannelRow, b: ChannelRow): number {
  return cmp(a.topic, b.topic) || cmp(a.channel, b.channel) || cmp(a.node ?? '', b.node ?? '')
}

/** Sorted copy (numbers descending, ties by name), cut to `top` rows when given. */
export function sortRows(rows: readonly ChannelRow[], sort: SortKey = 'name', top?: number): ChannelRow[] {
  const sorted = sort === 'name' ? [...rows].sort(byName) : [...rows].sort((a, b) => key(b, sort) - key(a, sort) || byName(a, b))
  return top === undefined ? sorted : sorted.slice(0, top)
}
