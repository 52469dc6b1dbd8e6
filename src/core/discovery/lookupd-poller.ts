import {LookupdHttpClient, type PeerInfo} from '../http/lookupd-client.js'
import type {HttpOptions} from '../http/request.js'
import {isNsqError, NsqError} from '../errors.js'
import {formatHostPort} from '../util/address.js'

/** What changed in the set of nsqd that carry a topic. Addresses are `broadcast_address:tcp_port`. */
export interface ProducerDiff {
  readonly added: readonly string[]
  readonly removed: readonly string[]
}

export interface LookupdPollerEvents {
  /** The set changed. */
  changed(diff: ProducerDiff): void
  /** One lookupd could not be queried this round (the others still count). */
  lookupdError?(address: string, error: NsqError): void
}

export interface LookupdPollerOptions {
  lookupd: readonly string[]
  topic: string
  /** Poll period, ms (default 60000). */
  intervalMs?: number
  /** Fraction of the period by which each wait is randomised (default 0.3). */
  jitter?: number
  http?: HttpOptions
  /** Shortest gap between two polls, ms, so a burst of `pollSoon()` calls asks once (default 250). */
  minGapMs?: number
  random?: () => number
  events: LookupdPollerEvents
}

/**
 * Polls every nsqlookupd for the producers of one topic, merges their answers (deduplicated on
 * broadcast address + TCP port) and reports differences. A round in which every lookupd failed
 * changes nothing, so a lookupd outage never drops connections. `pollSoon()` asks again
 * promptly (a connection closed, say) instead of waiting out the interval.
 */
export class LookupdPoller {
  private readonly clients: LookupdHttpClient[]
  private known = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private lastPollAt = 0
  private readonly intervalMs: number
  private readonly jitter: number
  private readonly minGapMs: number
  private readonly random: () => number
  private readonly abort = new AbortController()

  constructor(private readonly options: LookupdPollerOptions) {
    if (options.lookupd.length === 0) throw new NsqError('CONFIG', 'no nsqlookupd address given')
    this.clients = options.lookupd.map((address) => new LookupdHttpClient(address, options.http))
    this.intervalMs = options.intervalMs ?? 60_000
    this.jitter = options.jitter ?? 0.3
    this.minGapMs = options.minGapMs ?? 250
    this.random = options.random ?? Math.random
  }

  /** Producers known after the last successful round. */
  get producers(): ReadonlySet<string> {
    return this.known
  }

  /** Runs the first round now (awaited), then keeps polling on the interval. */
  async start(): Promise<void> {
    await this.poll()
    this.schedule(this.nextDelay())
  }

  /** Polls as soon as the minimum gap allows. */
  pollSoon(): void {
    if (this.stopped) return
    const wait = Math.max(0, this.lastPollAt + this.minGapMs - Date.now())
    this.schedule(wait)
  }

  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.abort.abort()
  }

  private nextDelay(): number {
    return Math.round(this.intervalMs * (1 - this.jitter / 2 + this.jitter * this.random()))
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.poll().finally(() => {
        if (this.timer === undefined) this.schedule(this.nextDelay())
      })
    }, delayMs)
    // Not unref'd: a running consumer waiting for its topic to appear (or for an unreachable nsqd
    // lookupd reports) must keep the process alive until stop().
  }

  /** One round over every lookupd; concurrent calls share the round in progress. */
  poll(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async round(): Promise<void> {
    this.lastPollAt = Date.now()
    const results = await Promise.allSettled(this.clients.map((client) => client.lookup(this.options.topic, this.abort.signal)))
    if (this.stopped) return
    const found = new Set<string>()
    let answered = 0
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') {
        answered++
        for (const peer of result.value.producers) found.add(peerAddress(peer))
      } else {
        const reason: unknown = result.reason
        const error = isNsqError(reason) ? reason : new NsqError('HTTP', String(reason))
        this.options.events.lookupdError?.((this.clients[index] as LookupdHttpClient).address, error)
      }
    })
    if (answered === 0) return
    const added = [...found].filter((a) => !this.known.has(a))
    const removed = [...this.known].filter((a) => !found.has(a))
    this.known = found
    if (added.length > 0 || removed.length > 0) this.options.events.changed({added, removed})
  }
}

/** The TCP address a consumer dials for a producer: broadcast address and TCP port. */
export function peerAddress(peer: PeerInfo): string {
  return formatHostPort(peer.broadcast_address, peer.tcp_port)
}
