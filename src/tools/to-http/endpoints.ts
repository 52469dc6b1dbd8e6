/**
 * Which URL(s) a message goes to, by `--mode`:
 * - `round-robin`: each message starts at the next URL; when it answers "not now" (5xx, 429,
 *   timeout) the message fails over to the others in turn before it is requeued.
 * - `hostpool` (the official default) and `epsilon-greedy`: like round-robin, but a URL that just
 *   failed is tried last for a while (30 s, doubling per failure in a row up to 5 min) so
 *   healthy URLs take the traffic. epsilon-greedy is accepted for the official flag; it does not
 *   weigh URLs by latency (documented), it behaves as hostpool.
 * - `fanout`: every URL gets every message (see fanout-ledger.ts).
 */

export const MODES = ['round-robin', 'hostpool', 'epsilon-greedy', 'fanout'] as const
export type Mode = (typeof MODES)[number]

/** True for a --mode value we know (anything else is a usage error, not a silent fanout). */
export function isMode(value: string): value is Mode {
  return (MODES as readonly string[]).includes(value)
}

const ONLY_ONE: readonly number[] = Object.freeze([0])
const DEAD_FIRST_MS = 30_000
const DEAD_MAX_MS = 300_000

/** The failover order of the URLs for one message, and the health marks that shape it. */
export class EndpointPicker {
  private cursor = 0
  private readonly deadUntil: number[]
  private readonly failuresInRow: number[]

  constructor(
    readonly urls: readonly string[],
    readonly mode: Mode,
    private readonly now: () => number = Date.now,
  ) {
    this.deadUntil = urls.map(() => 0)
    this.failuresInRow = urls.map(() => 0)
  }

  /** URL indexes to try, in order, for the next message (fanout: all of them). */
  order(): readonly number[] {
    const n = this.urls.length
    if (n === 1) return ONLY_ONE
    const start = this.cursor
    this.cursor = (this.cursor + 1) % n
    const order = Array.from({length: n}, (_, k) => (start + k) % n)
    if (this.mode === 'round-robin' || this.mode === 'fanout') return order
    const now = this.now()
    // Stable: healthy URLs first in round-robin order, then the resting ones.
    return [...order.filter((i) => (this.deadUntil[i] as number) <= now), ...order.filter((i) => (this.deadUntil[i] as number) > now)]
  }

  /** Records an attempt's outcome for `index` ("not now" failures only; a 4xx is the message's fault). */
  mark(index: number, ok: boolean): void {
    if (ok) {
      this.failuresInRow[index] = 0
      this.deadUntil[index] = 0
      return
    }
    const inRow = (this.failuresInRow[index] as number) + 1
    this.failuresInRow[index] = inRow
    this.deadUntil[index] = this.now() + Math.min(DEAD_MAX_MS, DEAD_FIRST_MS * 2 ** Math.min(inRow - 1, 10))
  }
}
