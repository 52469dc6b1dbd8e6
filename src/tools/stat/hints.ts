/**
 * What nsq_stat and nsqadmin leave to the reader: how long a backlog takes to drain at the
 * current pace, and a short hint when a channel looks stuck (backlog with no consumers, or
 * growing while consumers receive nothing), slow (timeouts) or unhealthy (many requeues).
 */
import type {ChannelRow} from './model.js'

/**
 * Seconds to empty the channel: depth ÷ net egress (egress − ingress). 0 when already empty;
 * null when there are no rates yet or the backlog is not shrinking.
 */
export function drainEta(row: Pick<ChannelRow, 'depth' | 'ingress_rate' | 'egress_rate'>): number | null {
  if (row.depth === 0) return 0
  if (row.ingress_rate === null || row.egress_rate === null) return null
  const net = row.egress_rate - row.ingress_rate
  return net > 0 ? row.depth / net : null
}

/** Requeues above this share of egress earn a hint. */
const REQUEUE_SHARE = 0.1

/** Hints for one channel row (empty when all looks well). */
export function hintsFor(row: Omit<ChannelRow, 'hints'>): string[] {
  const hints: string[] = []
  if (row.paused) hints.push('paused')
  if (row.depth > 0 && row.clients === 0 && !row.paused) hints.push('no consumers')
  if (row.depth > 0 && row.clients > 0 && !row.paused && row.egress_rate !== null && row.egress_rate <= 0 && row.in_flight === 0) {
    hints.push('stuck: backlog but nothing delivered (consumers in backoff or RDY 0?)')
  } else if (
    row.depth > 0 &&
    row.egress_rate !== null &&
    row.ingress_rate !== null &&
    row.ingress_rate > row.egress_rate &&
    row.clients > 0
  ) {
    hints.push('falling behind: ingress > egress')
  }
  if (row.timeout_rate !== null && row.timeout_rate > 0) {
    hints.push(`timeouts ${formatRate(row.timeout_rate)}/s: handlers slower than nsqd's --msg-timeout?`)
  }
  if (
    row.requeue_rate !== null &&
    row.requeue_rate > 0 &&
    row.egress_rate !== null &&
    row.requeue_rate > REQUEUE_SHARE * Math.max(row.egress_rate, 1)
  ) {
    hints.push(`requeues ${formatRate(row.requeue_rate)}/s`)
  }
  return hints
}

function formatRate(rate: number): string {
  return rate >= 10 ? String(Math.round(rate)) : rate.toFixed(1)
}
