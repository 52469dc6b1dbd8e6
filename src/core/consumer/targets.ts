import type {NsqError} from '../errors.js'
import {backoffDelay, type BackoffPolicy} from '../util/backoff.js'
import {DEFAULT_MAX_RDY_COUNT} from '../protocol/identify.js'
import {UNREF_TIMERS, type TimerHandle, type Timers} from '../util/time.js'

/** One nsqd the consumer wants to be connected to, across reconnects. */
export interface Target<C> {
  /** `host:port` as configured or as lookupd lists it (before any address map). */
  readonly address: string
  /** Still configured or still listed by lookupd. */
  wanted: boolean
  /** The current connection attempt or live connection, if any. */
  link: Link<C> | undefined
  /** Connection losses and failed attempts since the last successful subscribe. */
  failures: number
  /** Pending reconnect, if any. */
  timer: TimerHandle | undefined
}

/** One connection to a target, as the consumer accounts for it. */
export interface Link<C> {
  readonly id: number
  readonly target: Target<C>
  readonly connection: C
  /** Connected and subscribed, not closed. */
  ready: boolean
  /** RDY 0 for good; closes once `inFlight` reaches 0. */
  retiring: boolean
  closed: boolean
  /** Messages received on it and not yet finished or requeued. */
  inFlight: number
  /** RDY last sent (owned by the consumer's RDY planning). */
  rdy: number
  /** When `rdy` last changed, ms. */
  since: number
  /** nsqd's max_rdy_count from IDENTIFY. */
  maxRdyCount: number
}

/** What the set asks of its owner; the set itself does no I/O. */
export interface TargetSetHooks<C> {
  /**
   * Dials and subscribes `target` (calling `attach` for the new link); resolves true, or with
   * the error. Called for a wanted target with no link and no pending reconnect.
   */
  connect(target: Target<C>): Promise<NsqError | true>
  /** `link` was just marked retiring: send it RDY 0 (the owner replans after `retire`/`unwant`). */
  retiring(link: Link<C>): void
  /** `link` is retiring and has nothing in flight: CLS and close it. */
  close(link: Link<C>): void
  /** Ask lookupd again now (a recovery poll). */
  pollSoon(): void
}

export interface TargetSetOptions<C> {
  /** Delays between attempts to reach a lost or unreachable nsqd. */
  reconnect: BackoffPolicy
  /** Addresses given directly: lookupd ceasing to list them does not retire them. */
  pinned: ReadonlySet<string>
  /**
   * The lookupd poll interval, ms, when lookupd is in use: recovery polls after a lost
   * connection stop short of it. Undefined: no lookupd, no recovery polls.
   */
  recoveryPollCeilingMs: number | undefined
  hooks: TargetSetHooks<C>
  random?: () => number
  /** Clock in ms for `Link.since` (default `Date.now`). */
  now?: () => number
  timers?: Timers
}

/** First recovery poll after a lost connection, ms; each next one waits twice as long. */
export const RECOVERY_POLL_FIRST_MS = 1000

/**
 * The nsqd a consumer wants to be connected to and its connections to them: which are wanted
 * (configured, or listed by lookupd), reconnecting lost or unreachable ones after a jittered
 * exponential backoff that resets on success, retiring the ones lookupd stops listing once their
 * in-flight messages are answered, and asking lookupd again at 1, 2, 4, 8 … s after a lost
 * connection. Message flow and RDY stay with the owner, reached through `hooks`.
 */
export class TargetSet<C> {
  private readonly targets = new Map<string, Target<C>>()
  private readonly live = new Set<Link<C>>()
  private recoveryTimer: TimerHandle | undefined
  private stopped = false
  private nextLinkId = 1
  private reconnectCount = 0
  private readonly hooks: TargetSetHooks<C>
  private readonly random: () => number
  private readonly now: () => number
  private readonly timers: Timers

  constructor(private readonly options: TargetSetOptions<C>) {
    this.hooks = options.hooks
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
    this.timers = options.timers ?? UNREF_TIMERS
  }

  /** Connections not yet closed (including ones still connecting and retiring ones). */
  get links(): ReadonlySet<Link<C>> {
    return this.live
  }

  /** Successful subscribes after at least one failure or loss. */
  get reconnects(): number {
    return this.reconnectCount
  }

  /** The target for `address`, if it was ever wanted. */
  get(address: string): Target<C> | undefined {
    return this.targets.get(address)
  }

  /** Links connected, subscribed, and neither retiring nor closed: the ones RDY goes to. */
  active(): Link<C>[] {
    return [...this.live].filter((l) => l.ready && !l.retiring && !l.closed)
  }

  /**
   * Wants `address`: starts connecting unless it is already wanted and connected, connecting or
   * waiting to reconnect. Resolves true, or with the error of this attempt.
   */
  want(address: string): Promise<NsqError | true> {
    let target = this.targets.get(address)
    if (target === undefined) {
      target = {address, wanted: true, link: undefined, failures: 0, timer: undefined}
      this.targets.set(address, target)
    } else if (target.wanted && (target.link !== undefined || target.timer !== undefined)) {
      return Promise.resolve(true)
    }
    target.wanted = true
    return this.hooks.connect(target)
  }

  /**
   * Lookupd stopped listing `address`: no more reconnects; its link retires. Pinned ones stay.
   * Returns true when a link was retired (the owner then replans RDY).
   */
  unwant(address: string): boolean {
    const target = this.targets.get(address)
    if (target === undefined || this.options.pinned.has(address)) return false
    target.wanted = false
    this.cancelReconnect(target)
    if (target.link === undefined) return false
    this.retire(target.link)
    return true
  }

  /** Records a new connection attempt to `target`; it becomes the target's link. */
  attach(target: Target<C>, connection: C): Link<C> {
    const link: Link<C> = {
      id: this.nextLinkId++,
      target,
      connection,
      ready: false,
      retiring: false,
      closed: false,
      inFlight: 0,
      rdy: 0,
      since: this.now(),
      maxRdyCount: DEFAULT_MAX_RDY_COUNT,
    }
    target.link = link
    this.live.add(link)
    return link
  }

  /**
   * `link` is connected and subscribed: resets its target's failures (counting a reconnect if
   * there were any), so the next loss starts the backoff from the beginning again.
   */
  subscribed(link: Link<C>): void {
    const target = link.target
    if (target.failures > 0) this.reconnectCount++
    target.failures = 0
    link.ready = true
  }

  /** A message arrived on `link`. */
  received(link: Link<C>): void {
    link.inFlight++
  }

  /** A message of `link` was finished or requeued; a retiring link closes once idle. */
  answered(link: Link<C>): void {
    link.inFlight--
    if (link.retiring && link.inFlight === 0) this.hooks.close(link)
  }

  /** RDY 0 for good (via `hooks.retiring`); closes now if nothing is in flight on it, else on the last answer. */
  retire(link: Link<C>): void {
    link.retiring = true
    this.hooks.retiring(link)
    if (link.inFlight === 0) this.hooks.close(link)
  }

  /**
   * `link` closed (by us, by nsqd, or failing to connect). Forgets it and returns how many of its
   * messages were in flight: nsqd has them back. Call `lost` afterwards unless stopping.
   */
  detach(link: Link<C>): number {
    link.closed = true
    link.ready = false
    this.live.delete(link)
    const inFlight = link.inFlight
    link.inFlight = 0
    if (link.target.link === link) link.target.link = undefined
    return inFlight
  }

  /**
   * After `detach`: schedules a reconnect of a still wanted target (backoff by its failures),
   * asks lookupd again at once and then at 1, 2, 4, 8 … s.
   */
  lost(target: Target<C>): void {
    if (this.stopped) return
    if (target.wanted) {
      target.failures++
      const delay = backoffDelay(this.options.reconnect, target.failures, this.random())
      this.cancelReconnect(target)
      target.timer = this.timers.setTimeout(() => {
        target.timer = undefined
        void this.hooks.connect(target)
      }, delay)
    }
    if (this.options.recoveryPollCeilingMs === undefined) return
    this.hooks.pollSoon()
    this.pollForRecovery(0)
  }

  /** Wants nothing any more: cancels reconnects and recovery polls. Links are the owner's to close. */
  stop(): void {
    this.stopped = true
    this.cancelRecovery()
    for (const target of this.targets.values()) {
      target.wanted = false
      this.cancelReconnect(target)
    }
  }

  /**
   * A killed nsqd drops out of lookupd at once, so the prompt re-query finds nothing; when it
   * comes back it registers again within seconds, and these polls find it then instead of a
   * whole interval (60 s by default) later. A new loss restarts the series at 1 s.
   */
  private pollForRecovery(step: number): void {
    const ceiling = this.options.recoveryPollCeilingMs
    if (ceiling === undefined || this.stopped) return
    this.cancelRecovery()
    const delay = backoffDelay({initialMs: RECOVERY_POLL_FIRST_MS, maxMs: ceiling, jitter: 0}, step + 1, 0)
    if (delay >= ceiling) return
    this.recoveryTimer = this.timers.setTimeout(() => {
      this.recoveryTimer = undefined
      this.hooks.pollSoon()
      this.pollForRecovery(step + 1)
    }, delay)
  }

  private cancelRecovery(): void {
    if (this.recoveryTimer !== undefined) this.timers.clearTimeout(this.recoveryTimer)
    this.recoveryTimer = undefined
  }

  private cancelReconnect(target: Target<C>): void {
    if (target.timer !== undefined) this.timers.clearTimeout(target.timer)
    target.timer = undefined
  }
}
