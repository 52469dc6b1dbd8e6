/**
 * What a destructive action would throw away, per node, from the `/stats` read during discovery:
 * depth (memory + disk), in flight and deferred. Emptying a topic drops only the topic's own
 * queue (its channels keep their backlog); emptying a channel drops its queue, in-flight and
 * deferred messages; deleting drops everything below what is deleted.
 */
import type {TopicStats} from '../../core/index.js'
import type {LossRow, Target} from './types.js'

/** Whether the action loses messages and so needs `--yes` or a "y" on a terminal. */
export function isDestructive(action: Target['action']): boolean {
  return action.startsWith('delete_') || action.startsWith('empty_') || action === 'tombstone_topic_producer'
}

/** Loss rows for one target on the nodes given (address → that node's stats of the topic). */
export function lossOf(target: Target, nodes: ReadonlyMap<string, TopicStats>): LossRow[] {
  if (!isDestructive(target.action)) return []
  const rows: LossRow[] = []
  for (const [node, topic] of [...nodes].sort(([a], [b]) => a.localeCompare(b))) {
    const topicRow: LossRow = {node, topic: target.topic, depth: topic.depth, in_flight: 0, deferred: 0}
    if (target.channel !== undefined) {
      const channel = topic.channels.find((c) => c.channel_name === target.channel)
      if (channel !== undefined)
        rows.push({
          node,
          topic: target.topic,
          channel: channel.channel_name,
          depth: channel.depth,
          in_flight: channel.in_flight_count,
          deferred: channel.deferred_count,
        })
      continue
    }
    rows.push(topicRow)
    if (target.action === 'empty_topic') continue
    for (const channel of topic.channels)
      rows.push({
        node,
        topic: target.topic,
        channel: channel.channel_name,
        depth: channel.depth,
        in_flight: channel.in_flight_count,
        deferred: channel.deferred_count,
      })
  }
  return rows
}

/** The number of messages in the rows (depth + in flight + deferred). */
export function lostMessages(rows: readonly LossRow[]): number {
  return rows.reduce((sum, r) => sum + r.depth + r.in_flight + r.deferred, 0)
}
