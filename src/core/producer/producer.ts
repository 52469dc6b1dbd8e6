import {Connection} from '../connection/connection.js'
import type {ConnectionSettings} from '../connection/settings.js'
import {ConnectionError, NsqError, ServerError, isNsqError} from '../errors.js'
import {encodeDpub, encodeMpub, encodePub} from '../protocol/commands.js'
import {describeInvalidName} from '../protocol/names.js'
import {backoffDelay, DEFAULT_RECONNECT_BACKOFF, type BackoffPolicy} from '../util/backoff.js'
import {formatHostPort, parseHostPort} from '../util/address.js'
import {PendingWindow} from '../util/pending-window.js'
import {settledWithin} from '../util/time.js'

/** Connection settings shared by every nsqd the producer talks to. */
export type ProducerConnectionOptions = ConnectionSettings

export interface ProducerEvents {
  connected?(address: string): void
  /**
   * A connection closed; `established` is false when it never got ready (the connect itself
   * failed: nothing was lost, it is being retried).
   */
  disconnected?(address: string, error: NsqError | undefined, established: boolean): void
  /** A publish failed on one nsqd and is being tried again (on another when there is one). */
  retrying?(address: string, error: NsqError, attempt: number): void
}

export interface ProducerOptions extends ProducerConnectionOptions {
  /** nsqd TCP addresses (`host:port`); publishes go round-robin across the connected ones. */
  nsqd: readonly string[]
  /** Most publish commands awaiting nsqd's answer at once; callers beyond it wait (default 1024). */
  maxPending?: number
  /** Tries per publish across nsqds before it is rejected (default 3). */
  maxAttempts?: number
  reconnectBackoff?: BackoffPolicy
  events?: ProducerEvents
  random?: () => number
}

/** Server errors that another try cannot fix: the request itself is wrong or not allowed. */
const PERMANENT_CODES: ReadonlySet<string> = new Set([
  'E_INVALID',
  'E_BAD_TOPIC',
  'E_BAD_BODY',
  'E_BAD_MESSAGE',
  'E_UNAUTHORIZED',
  'E_AUTH_FAILED',
  'E_AUTH_FIRST',
  'E_AUTH_DISABLED',
  'E_AUTH_ERROR',
])

interface Node {
  readonly address: string
  readonly host: string
  readonly port: number
  connection: Connection | undefined
  connecting: Promise<Connection> | undefined
  failures: number
  retryAt: number
}

export interface ProducerStats {
  published: number
  commands: number
  retries: number
  reconnects: number
}

/**
 * Publishes to one or more nsqd over TCP. Every call returns a promise that settles with
 * nsqd's answer. Commands are pipelined (many in flight per connection, answered in order);
 * at most `maxPending` are outstanding, so a fast caller waits instead of filling memory.
 * A publish whose connection dies before its OK is tried again on another nsqd (or the same
 * one after a jittered backoff) up to `maxAttempts`, then rejected: never dropped in silence.
 */
export class Producer {
  private readonly nodes: Node[]
  private readonly maxPending: number
  private readonly maxAttempts: number
  private readonly backoff: BackoffPolicy
  private readonly random: () => number
  private readonly events: ProducerEvents
  private roundRobin = 0
  private readonly window: PendingWindow
  private closed = false
  readonly stats: ProducerStats = {published: 0, commands: 0, retries: 0, reconnects: 0}
  /** Messages each nsqd (`host:port`) acknowledged. */
  readonly publishedByNsqd = new Map<string, number>()

  constructor(private readonly options: ProducerOptions) {
    if (options.nsqd.length === 0) throw new NsqError('CONFIG', 'a producer needs at least one nsqd address')
    this.nodes = options.nsqd.map((address) => {
      const {host, port} = parseHostPort(address)
      return {address: formatHostPort(host, port), host, port, connection: undefined, connecting: undefined, failures: 0, retryAt: 0}
    })
    this.maxPending = options.maxPending ?? 1024
    this.window = new PendingWindow(this.maxPending)
    this.maxAttempts = options.maxAttempts ?? 3
    this.backoff = options.reconnectBackoff ?? DEFAULT_RECONNECT_BACKOFF
    this.random = options.random ?? Math.random
    this.events = options.events ?? {}
  }

  /** PUB one message. */
  publish(topic: string, body: Buffer | string): Promise<void> {
    return this.run(topic, 1, () => encodePub(topic, toBuffer(body)))
  }

  /** MPUB: several messages in one command, accepted or rejected together. */
  multiPublish(topic: string, bodies: readonly (Buffer | string)[]): Promise<void> {
    if (bodies.length === 0) return Promise.reject(new NsqError('CONFIG', 'multiPublish needs at least one message'))
    const buffers = bodies.map(toBuffer)
    return this.run(topic, buffers.length, () => encodeMpub(topic, buffers))
  }

  /** DPUB: one message that nsqd holds back for `delayMs` before delivery. */
  deferredPublish(topic: string, delayMs: number, body: Buffer | string): Promise<void> {
    if (!Number.isFinite(delayMs) || delayMs < 0) return Promise.reject(new NsqError('CONFIG', `invalid defer delay ${delayMs} ms`))
    return this.run(topic, 1, () => encodeDpub(topic, delayMs, toBuffer(body)))
  }

  /** Commands written or waiting for a slot that have not settled yet. */
  get pending(): number {
    return this.window.pending
  }

  /** Connects to every nsqd now instead of on first publish; rejects if none can be reached. */
  async connect(): Promise<void> {
    const results = await Promise.allSettled(this.nodes.map((node) => this.connectNode(node)))
    if (results.every((result) => result.status === 'rejected')) {
      throw (results[0] as PromiseRejectedResult).reason
    }
  }

  /**
   * Waits for every publish to settle, then closes the connections. With `timeoutMs`, waits that
   * long at most (an nsqd that stopped answering): the connections then close and what was
   * still awaiting nsqd's answer fails with them.
   */
  async close(options: {timeoutMs?: number} = {}): Promise<void> {
    this.closed = true
    if (options.timeoutMs === undefined) await this.window.idle()
    else await settledWithin(this.window.idle(), options.timeoutMs)
    await Promise.all(
      this.nodes.map(async (node) => {
        const connection = node.connection
        node.connection = undefined
        await connection?.close(options.timeoutMs)
      }),
    )
  }

  private async run(topic: string, count: number, encode: () => Buffer): Promise<void> {
    if (this.closed) throw new NsqError('QUEUE_CLOSED', 'producer is closed')
    const invalid = describeInvalidName('topic', topic)
    if (invalid !== undefined) throw new NsqError('CONFIG', invalid)
    const data = encode()
    await this.acquire()
    try {
      let lastError: NsqError | undefined
      for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
        let node: Node | undefined
        try {
          node = await this.pickNode()
          const connection = node.connection ?? (await this.connectNode(node))
          if (!connection.writable) await connection.waitWritable()
          this.stats.commands++
          await connection.command(data)
          this.stats.published += count
          this.publishedByNsqd.set(node.address, (this.publishedByNsqd.get(node.address) ?? 0) + count)
          return
        } catch (error) {
          const failure = isNsqError(error)
            ? error
            : new NsqError('CONNECTION_FAILED', String(error), {cause: error, address: node?.address})
          if (!isRetriable(failure) || attempt === this.maxAttempts) throw failure
          lastError = failure
          this.stats.retries++
          this.events.retrying?.(node?.address ?? 'nsqd', failure, attempt)
        }
      }
      throw lastError ?? new NsqError('CONNECTION_FAILED', 'publish failed')
    } finally {
      this.release()
    }
  }

  /** Round-robin over nodes not in backoff, preferring connected ones; waits out the shortest backoff. */
  private async pickNode(): Promise<Node> {
    const now = Date.now()
    const n = this.nodes.length
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < n; i++) {
        const node = this.nodes[(this.roundRobin + i) % n] as Node
        const usable = pass === 0 ? node.connection?.state.kind === 'ready' : node.retryAt <= now
        if (usable) {
          this.roundRobin = (this.roundRobin + i + 1) % n
          return node
        }
      }
    }
    let soonest = this.nodes[0] as Node
    for (const node of this.nodes) if (node.retryAt < soonest.retryAt) soonest = node
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, soonest.retryAt - now)))
    return soonest
  }

  private connectNode(node: Node): Promise<Connection> {
    if (node.connection?.state.kind === 'ready') return Promise.resolve(node.connection)
    node.connecting ??= this.openConnection(node).finally(() => {
      node.connecting = undefined
    })
    return node.connecting
  }

  private async openConnection(node: Node): Promise<Connection> {
    let established = false
    const connection: Connection = new Connection({
      ...this.options,
      host: node.host,
      port: node.port,
      events: {
        closed: (error) => {
          if (node.connection === connection) node.connection = undefined
          if (error !== undefined) this.noteFailure(node)
          this.events.disconnected?.(node.address, error, established)
        },
      },
    })
    try {
      await connection.connect()
    } catch (error) {
      this.noteFailure(node)
      throw error
    }
    if (node.failures > 0) this.stats.reconnects++
    node.failures = 0
    node.retryAt = 0
    node.connection = connection
    established = true
    this.events.connected?.(node.address)
    return connection
  }

  private noteFailure(node: Node): void {
    node.failures++
    node.retryAt = Date.now() + backoffDelay(this.backoff, node.failures, this.random())
  }

  private acquire(): Promise<void> {
    return this.window.acquire()
  }

  private release(): void {
    this.window.release()
  }
}

function toBuffer(body: Buffer | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body
}

/** A failure another attempt could fix: the connection went away, or nsqd could not store the message. */
function isRetriable(error: NsqError): boolean {
  if (error instanceof ServerError) return !PERMANENT_CODES.has(error.code)
  if (error instanceof ConnectionError) return error.code !== 'AUTH_REQUIRED' && error.code !== 'TLS'
  return (
    error.code === 'CONNECTION_CLOSED' ||
    error.code === 'CONNECTION_REFUSED' ||
    error.code === 'CONNECTION_FAILED' ||
    error.code === 'PEER_DEAD' ||
    error.code === 'TIMEOUT'
  )
}
