/**
 * Fanout's memory of which URLs already accepted a message that is not done yet, so a requeued
 * message goes only to the URLs that still need it (nsq_to_http re-sent it to all of them).
 * Keyed by nsqd's message id, which a REQ keeps. In memory only: after a restart (or once
 * `limit` open messages were exceeded, the oldest forgotten first) a redelivered message goes
 * to every URL again, so a URL may see it twice: at least once, never lost.
 */
export class FanoutLedger {
  private readonly accepted = new Map<string, Set<number>>()

  constructor(private readonly limit = 100_000) {}

  /** Open (partly delivered) messages remembered. */
  get size(): number {
    return this.accepted.size
  }

  /** The URL indexes that still need message `id` (of `count` URLs). */
  pending(id: string, count: number): number[] {
    const done = this.accepted.get(id)
    const out: number[] = []
    for (let i = 0; i < count; i++) if (done === undefined || !done.has(i)) out.push(i)
    return out
  }

  /** URL `index` accepted message `id` (for good: 2xx, or its 4xx written to the errors file). */
  record(id: string, index: number): void {
    let done = this.accepted.get(id)
    if (done === undefined) {
      if (this.accepted.size >= this.limit) {
        const oldest = this.accepted.keys().next().value
        if (oldest !== undefined) this.accepted.delete(oldest)
      }
      done = new Set()
      this.accepted.set(id, done)
    }
    done.add(index)
  }

  /** Every URL has it: forget the message. */
  forget(id: string): void {
    this.accepted.delete(id)
  }
}
