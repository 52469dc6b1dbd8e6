/** `--dedupe-window N`: drops a body already seen among the last N bodies kept. */
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
    const key = body.length <= 32 ? 'b' + body.toString('latin1') : 'h' + createHash('sha1').update(body).digest('base64')
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
