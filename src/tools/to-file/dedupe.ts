/**
 * A window over the last N keys seen, for `--dedupe-window N` (keys are bodies: redundant nsqd
 * pairs publish the same body twice) and `--redelivery-window N` (keys are nsqd + message id: nsqd
 * delivers the same message again after a lost connection, a timeout or its own restart).
 */
import {createHash} from 'node:crypto'

export class DedupeWindow {
  private readonly ring: string[]
  private readonly counts = new Map<string, number>()
  private next = 0
  private filled = 0

  constructor(readonly size: number) {
    this.ring = new Array<string>(size)
  }

  /** True when `body` was seen within the window (and is then not recorded again). */
  seen(body: Buffer): boolean {
    if (this.size <= 0) return false
    return this.seenKey(body.length <= 32 ? 'b' + body.toString('latin1') : 'h' + createHash('sha1').update(body).digest('base64'))
  }

  /** True when `key` was seen within the window (and is then not recorded again). */
  seenKey(key: string): boolean {
    if (this.size <= 0) return false
    if (this.counts.has(key)) return true
    if (this.filled === this.size) {
      const old = this.ring[this.next] as string
      const count = (this.counts.get(old) ?? 1) - 1
      if (count <= 0) this.counts.delete(old)
      else this.counts.set(old, count)
    } else this.filled++
    this.ring[this.next] = key
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
    this.next = (this.next + 1) % this.size
    return false
  }
}

/**
 * `--redelivery-window N`: drops a message one nsqd already delivered among the last N (same nsqd,
 * same id). nsqd keeps a message's id when it delivers it again (requeue, msg-timeout, a lost
 * connection, a replay after kill -9) and never reuses an id for another message, so the archive
 * keeps one copy while to-file runs; it still FINs the copy it dropped (after the next sync, like
 * any message), so nsqd forgets it.
 */
export class RedeliveryWindow {
  private readonly window: DedupeWindow
  /** nsqd address → a one-character tag, so keys stay short. */
  private readonly tags = new Map<string, string>()

  constructor(size: number) {
    this.window = new DedupeWindow(size)
  }

  /** True when `nsqd` delivered `id` (its 16 bytes as latin1) within the window. */
  seen(nsqd: string, id: string): boolean {
    let tag = this.tags.get(nsqd)
    if (tag === undefined) {
      tag = String.fromCharCode(0x100 + this.tags.size)
      this.tags.set(nsqd, tag)
    }
    return this.window.seenKey(tag + id)
  }
}
