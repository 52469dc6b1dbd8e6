import os from 'node:os'
import type net from 'node:net'
import {once, type EventEmitter} from 'node:events'
import {ConnectionError, NsqError, ServerError} from '../errors.js'
import {FrameDecoder, FrameType, DEFAULT_MAX_FRAME_SIZE, type Frame} from '../protocol/frame-decoder.js'
import {parseMessage, type RawMessage} from '../protocol/message.js'
import {MAGIC_V2, encodeAuth, encodeIdentify, encodeNop, encodeSub} from '../protocol/commands.js'
import {
  parseAuthResponse,
  parseIdentifyResponse,
  type AuthResponse,
  type IdentifyRequest,
  type IdentifyResponse,
} from '../protocol/identify.js'
import {formatHostPort} from '../util/address.js'
import {Fifo} from '../util/fifo.js'
import {dialTcp, describeSocketError, upgradeToTls, type TlsOptions} from './dial.js'
import {deflateLayer, loadSnappyCodec, snappyLayer, type StreamLayer} from './compression.js'
import {OutboundQueue} from './outbound-queue.js'
import type {SnappyBlockCodec} from '../protocol/snappy-frames.js'

export type Compression = 'none' | 'snappy' | 'deflate'

/** Events a connection sends up to its owner (consumer or producer): one typed sink. */
export interface ConnectionEvents {
  /** A message frame. */
  message?(message: RawMessage): void
  /** A non-fatal error frame (E_FIN_FAILED, E_REQ_FAILED, E_TOUCH_FAILED). */
  nonFatalError?(error: ServerError): void
  /** The connection is gone; `error` is undefined after a clean close. Called once. */
  closed?(error: NsqError | undefined): void
}

export interface ConnectionOptions {
  host: string
  port: number
  clientId?: string
  hostname?: string
  userAgent?: string
  /** Heartbeat interval asked of nsqd, ms (default 30000). The read deadline is twice this. */
  heartbeatIntervalMs?: number
  outputBufferSize?: number
  outputBufferTimeoutMs?: number
  /** Server-side in-flight timeout for this client, ms (0 = nsqd's default). */
  msgTimeoutMs?: number
  sampleRate?: number
  tls?: TlsOptions | undefined
  compression?: Compression
  deflateLevel?: number
  authSecret?: string | undefined
  dialTimeoutMs?: number
  /** Deadline for the whole handshake after the TCP connect, ms (default 10000). */
  handshakeTimeoutMs?: number
  maxFrameSize?: number
  events?: ConnectionEvents
  /** Clock in ms, for the read deadline; injectable for tests. */
  now?: () => number
}

/** The connection's state, as one discriminated union. */
export type ConnectionState =
  | {readonly kind: 'idle'}
  | {readonly kind: 'connecting'}
  | {readonly kind: 'ready'; readonly identify: IdentifyResponse; readonly auth: AuthResponse | undefined}
  | {readonly kind: 'closing'; readonly identify: IdentifyResponse}
  | {readonly kind: 'closed'; readonly error: NsqError | undefined}

interface PendingCommand {
  resolve(data: Buffer): void
  reject(error: NsqError): void
}

const HEARTBEAT = Buffer.from('_heartbeat_', 'latin1')
const PACKAGE_USER_AGENT = 'nsq-toolkit/0.1.0'

/**
 * One nsqd TCP connection (protocol V2): dial, magic, IDENTIFY with feature negotiation,
 * TLS / snappy / deflate upgrades, AUTH, then a stream of frames.
 *
 * - Responses are matched in order to the commands awaiting them (nsqd answers in order).
 * - Heartbeats are answered with NOP; no byte for two heartbeat intervals declares the peer dead.
 * - FIN/REQ/TOUCH failures are non-fatal events; any other error frame fails everything pending
 *   with a ServerError and closes the connection.
 * - Writes issued in the same tick are coalesced into one socket write by an OutboundQueue;
 *   `writable` / `waitWritable()` expose backpressure from the socket.
 */
export class Connection {
  readonly address: string
  private stateValue: ConnectionState = {kind: 'idle'}
  private socket: net.Socket | undefined
  private layer: StreamLayer | undefined
  private readonly decoder: FrameDecoder
  private readonly pending = new Fifo<PendingCommand>()
  /** Commands written after the handshake: coalesced per tick, then written through the current layer. */
  private readonly outbound = new OutboundQueue({
    write: (data) => this.writeNow(data),
    onceDrain: (resume) => {
      const emitter: EventEmitter | undefined = this.layer?.drainEmitter ?? this.socket
      emitter?.once('drain', resume)
    },
  })
  private idleWaiters: (() => void)[] = []
  private streaming = false
  private handshakeWake: (() => void) | undefined
  private lastReadAt = 0
  private deadlineTimer: NodeJS.Timeout | undefined
  private readonly events: ConnectionEvents
  private readonly now: () => number

  constructor(private readonly options: ConnectionOptions) {
    this.address = formatHostPort(options.host, options.port)
    this.decoder = new FrameDecoder(options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE)
    this.events = options.events ?? {}
    this.now = options.now ?? Date.now
  }

  get state(): ConnectionState {
    return this.stateValue
  }

  /** The negotiated IDENTIFY settings, once ready. */
  get identify(): IdentifyResponse | undefined {
    const state = this.stateValue
    return state.kind === 'ready' || state.kind === 'closing' ? state.identify : undefined
  }

  /** Commands written that still await a response. */
  get pendingCount(): number {
    return this.pending.length
  }

  /** False while the socket is applying backpressure or much is queued; see waitWritable(). */
  get writable(): boolean {
    return this.outbound.writable
  }

  /** Connects and runs the whole handshake; resolves with the negotiated settings. */
  async connect(signal?: AbortSignal): Promise<IdentifyResponse> {
    if (this.stateValue.kind !== 'idle') throw new NsqError('CONFIG', `connection to ${this.address} was already started`)
    this.stateValue = {kind: 'connecting'}
    const {options} = this
    const handshakeTimeout = options.handshakeTimeoutMs ?? 10_000
    try {
      this.socket = await dialTcp(options.host, options.port, options.dialTimeoutMs ?? 5000, signal)
      this.attachSocket(this.socket)
      const timer = setTimeout(
        () => this.fail(new ConnectionError('TIMEOUT', this.address, `handshake did not finish within ${handshakeTimeout} ms`)),
        handshakeTimeout,
      )
      const onAbort = (): void => this.fail(new NsqError('ABORTED', `connect to ${this.address} aborted`, {address: this.address}))
      signal?.addEventListener('abort', onAbort, {once: true})
      try {
        return await this.handshake(handshakeTimeout)
      } finally {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
    } catch (error) {
      const failure =
        error instanceof NsqError ? error : new ConnectionError('CONNECTION_FAILED', this.address, String(error), {cause: error})
      this.fail(failure)
      throw failure
    }
  }

  /** The handshake, top to bottom (reference §1.1, §1.5–§1.7). */
  private async handshake(timeoutMs: number): Promise<IdentifyResponse> {
    const {options} = this
    const wantTls = options.tls !== undefined
    const compression = options.compression ?? 'none'
    const request: IdentifyRequest = {
      client_id: options.clientId ?? os.hostname().split('.')[0] ?? 'nsq-toolkit',
      hostname: options.hostname ?? os.hostname(),
      user_agent: options.userAgent ?? PACKAGE_USER_AGENT,
      feature_negotiation: true,
      heartbeat_interval: options.heartbeatIntervalMs ?? 30_000,
      tls_v1: wantTls,
      snappy: compression === 'snappy',
      deflate: compression === 'deflate',
      ...(compression === 'deflate' ? {deflate_level: options.deflateLevel ?? 6} : {}),
      ...(options.outputBufferSize === undefined ? {} : {output_buffer_size: options.outputBufferSize}),
      ...(options.outputBufferTimeoutMs === undefined ? {} : {output_buffer_timeout: options.outputBufferTimeoutMs}),
      ...(options.msgTimeoutMs === undefined ? {} : {msg_timeout: options.msgTimeoutMs}),
      ...(options.sampleRate === undefined ? {} : {sample_rate: options.sampleRate}),
    }
    // Loaded before IDENTIFY: no await may sit between reading a reply and installing its layer,
    // or bytes of the upgraded stream would reach the plain decoder.
    const snappyCodec = compression === 'snappy' ? await loadSnappyCodec() : undefined
    this.writeNow(Buffer.concat([MAGIC_V2, encodeIdentify({...request})]))
    const identify = parseIdentifyResponse(await this.readResponse('IDENTIFY'))

    if (wantTls) {
      if (!identify.tlsV1) {
        throw new ConnectionError(
          'TLS',
          this.address,
          'TLS was requested but nsqd did not enable it (start nsqd with --tls-cert and --tls-key)',
        )
      }
      const raw = this.requireSocket()
      raw.removeAllListeners('data')
      const leftover = this.decoder.takeRemaining()
      if (leftover.length > 0) raw.unshift(leftover)
      const secure = await upgradeToTls(raw, options.host, options.port, options.tls ?? {}, timeoutMs)
      this.socket = secure
      this.attachSocket(secure)
      await this.expectOk('TLS upgrade')
    }
    if ((identify.snappy && snappyCodec === undefined) || (identify.deflate && compression !== 'deflate')) {
      throw new NsqError('PROTOCOL', `${this.address}: nsqd enabled compression that was not asked for`, {address: this.address})
    }
    if (identify.snappy || identify.deflate) {
      const socket = this.requireSocket()
      const leftover = this.decoder.takeRemaining()
      const onPlain = (chunk: Buffer): void => this.receivePlain(chunk)
      this.layer = identify.snappy
        ? snappyLayer(socket, snappyCodec as SnappyBlockCodec, onPlain)
        : deflateLayer(socket, options.deflateLevel ?? 6, onPlain, (error) =>
            this.fail(new NsqError('PROTOCOL', `deflate stream error: ${error.message}`, {cause: error, address: this.address})),
          )
      if (leftover.length > 0) this.layer.receive(leftover)
      await this.expectOk(identify.snappy ? 'snappy upgrade' : 'deflate upgrade')
    }
    let auth: AuthResponse | undefined
    if (identify.authRequired) {
      if (options.authSecret === undefined) {
        throw new ConnectionError(
          'AUTH_REQUIRED',
          this.address,
          'nsqd requires AUTH but no secret was given (set --auth-secret or NSQ_AUTH_SECRET)',
        )
      }
      this.writeNow(encodeAuth(options.authSecret))
      auth = parseAuthResponse(await this.readResponse('AUTH'))
    }
    this.stateValue = {kind: 'ready', identify, auth}
    this.streaming = true
    this.startReadDeadline()
    this.dispatchFrames()
    return identify
  }

  /** Sends SUB and waits for its OK. */
  async subscribe(topic: string, channel: string): Promise<void> {
    await this.command(encodeSub(topic, channel))
  }

  /**
   * Writes a command that nsqd answers (PUB, MPUB, DPUB, SUB, CLS) and resolves with the
   * response data; rejects with the ServerError nsqd sent, or a ConnectionError if the
   * connection dies first.
   */
  command(data: Buffer): Promise<Buffer> {
    const state = this.stateValue
    if (state.kind !== 'ready') {
      return Promise.reject(this.notReadyError())
    }
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.push({resolve, reject})
      this.send(data)
    })
  }

  /** Queues a command that nsqd does not answer (RDY, FIN, REQ, TOUCH, NOP). */
  send(data: Buffer): void {
    const state = this.stateValue
    if (state.kind === 'closed' || state.kind === 'idle') return
    this.outbound.push(data)
  }

  /** Queues `FIN <id>` without allocating: the consumer's hot path. */
  sendFin(id: Buffer): void {
    const state = this.stateValue
    if (state.kind === 'closed' || state.kind === 'idle') return
    this.outbound.pushFin(id)
  }

  /** Resolves once `writable` is true again (or the connection closed). */
  waitWritable(): Promise<void> {
    if (this.stateValue.kind === 'closed') return Promise.resolve()
    return this.outbound.waitWritable()
  }

  /**
   * Closes cleanly: waits (up to `timeoutMs`) for commands awaiting a response, flushes what is
   * queued, then ends the socket. Resolves when the socket is closed.
   */
  async close(timeoutMs = 5000): Promise<void> {
    const state = this.stateValue
    if (state.kind === 'closed') return
    if (state.kind === 'ready') this.stateValue = {kind: 'closing', identify: state.identify}
    const socket = this.socket
    if (socket === undefined || state.kind === 'idle' || state.kind === 'connecting') {
      this.fail(new ConnectionError('CONNECTION_CLOSED', this.address, 'closed before the handshake finished'))
      return
    }
    if (this.pending.length > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs)
        }),
      ])
      clearTimeout(timer)
    }
    if (this.stateValue.kind === 'closed') return
    this.outbound.flush()
    if (this.pending.length > 0) {
      this.fail(
        new ConnectionError('TIMEOUT', this.address, `closed with ${this.pending.length} commands unanswered after ${timeoutMs} ms`),
      )
      return
    }
    const closed = once(socket, 'close').catch(() => undefined)
    this.stopReadDeadline()
    this.layer?.destroy()
    socket.end()
    const forced = setTimeout(() => socket.destroy(), 1000)
    await closed
    clearTimeout(forced)
    this.finish(undefined)
  }

  /** Tears the connection down at once, failing everything pending with `error`. */
  destroy(error?: NsqError): void {
    this.fail(error ?? new ConnectionError('CONNECTION_CLOSED', this.address, 'connection destroyed'))
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const wake of waiters) wake()
  }

  /** Writes through the current layer; false means the socket wants us to wait for 'drain'. */
  private writeNow(data: Buffer): boolean {
    if (this.layer !== undefined) return this.layer.write(data)
    const socket = this.socket
    if (socket === undefined || socket.destroyed) return true
    return socket.write(data)
  }

  private requireSocket(): net.Socket {
    if (this.socket === undefined) throw new ConnectionError('CONNECTION_CLOSED', this.address, 'socket is gone')
    return this.socket
  }

  private attachSocket(socket: net.Socket): void {
    this.lastReadAt = this.now()
    socket.on('data', (chunk: Buffer) => {
      this.lastReadAt = this.now()
      if (this.layer === undefined) this.receivePlain(chunk)
      else this.layer.receive(chunk)
    })
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(describeSocketError(this.address, error)))
    socket.on('close', () => {
      if (this.stateValue.kind === 'closing' && this.pending.length === 0) this.finish(undefined)
      else this.fail(new ConnectionError('CONNECTION_CLOSED', this.address, 'connection closed by nsqd'))
    })
  }

  private receivePlain(chunk: Buffer): void {
    this.decoder.push(chunk)
    if (this.streaming) this.dispatchFrames()
    else this.handshakeWake?.()
  }

  private dispatchFrames(): void {
    try {
      let frame: Frame | undefined
      while (this.streaming && (frame = this.decoder.next()) !== undefined) this.dispatch(frame)
    } catch (error) {
      this.fail(error instanceof NsqError ? error : new NsqError('PROTOCOL', String(error), {cause: error, address: this.address}))
    }
  }

  private dispatch(frame: Frame): void {
    switch (frame.type) {
      case FrameType.Message:
        this.events.message?.(parseMessage(frame.data))
        return
      case FrameType.Response: {
        if (frame.data.equals(HEARTBEAT)) {
          this.send(encodeNop())
          return
        }
        const waiting = this.pending.shift()
        if (waiting === undefined) {
          this.fail(
            new NsqError('PROTOCOL', `${this.address}: response "${frame.data.toString('latin1', 0, 64)}" with no command awaiting it`, {
              address: this.address,
            }),
          )
          return
        }
        waiting.resolve(frame.data)
        if (this.pending.length === 0 && this.idleWaiters.length > 0) this.releaseIdleWaiters()
        return
      }
      case FrameType.Error: {
        const error = ServerError.fromFrame(frame.data.toString('utf8'), this.address)
        if (!error.fatal) {
          this.events.nonFatalError?.(error)
          return
        }
        this.fail(error)
        return
      }
      default:
        this.fail(new NsqError('PROTOCOL', `${this.address}: unknown frame type ${frame.type}`, {address: this.address}))
    }
  }

  /** Handshake reads are pulled one frame at a time, so an upgrade can take the bytes after it. */
  private async readFrame(what: string): Promise<Frame> {
    for (;;) {
      const state = this.stateValue
      if (state.kind === 'closed')
        throw state.error ?? new ConnectionError('CONNECTION_CLOSED', this.address, `closed while waiting for the ${what} reply`)
      const frame = this.decoder.next()
      if (frame !== undefined) {
        if (frame.type === FrameType.Response && frame.data.equals(HEARTBEAT)) {
          this.writeNow(encodeNop())
          continue
        }
        return frame
      }
      await new Promise<void>((resolve) => {
        this.handshakeWake = resolve
      })
      this.handshakeWake = undefined
    }
  }

  private async readResponse(what: string): Promise<Buffer> {
    const frame = await this.readFrame(what)
    if (frame.type === FrameType.Error) throw ServerError.fromFrame(frame.data.toString('utf8'), this.address)
    if (frame.type !== FrameType.Response)
      throw new NsqError('PROTOCOL', `${this.address}: unexpected frame type ${frame.type} during ${what}`, {address: this.address})
    return frame.data
  }

  private async expectOk(what: string): Promise<void> {
    const data = await this.readResponse(what)
    if (data.toString('latin1') !== 'OK')
      throw new NsqError('PROTOCOL', `${this.address}: expected OK after ${what}, got "${data.toString('latin1', 0, 64)}"`, {
        address: this.address,
      })
  }

  private startReadDeadline(): void {
    const interval = this.options.heartbeatIntervalMs ?? 30_000
    if (interval <= 0) return
    const limit = interval * 2
    this.deadlineTimer = setInterval(
      () => {
        const silence = this.now() - this.lastReadAt
        if (silence > limit) {
          this.fail(
            new ConnectionError(
              'PEER_DEAD',
              this.address,
              `no data for ${Math.round(silence)} ms (two heartbeat intervals is ${limit} ms); nsqd is stalled or unreachable`,
            ),
          )
        }
      },
      Math.max(50, Math.floor(interval / 4)),
    )
    this.deadlineTimer.unref()
  }

  private stopReadDeadline(): void {
    if (this.deadlineTimer !== undefined) clearInterval(this.deadlineTimer)
    this.deadlineTimer = undefined
  }

  private notReadyError(): NsqError {
    const state = this.stateValue
    if (state.kind === 'closed' && state.error !== undefined) {
      return new ConnectionError('CONNECTION_CLOSED', this.address, `connection is closed: ${state.error.message}`, {cause: state.error})
    }
    return new ConnectionError('CONNECTION_CLOSED', this.address, `connection is ${state.kind}`)
  }

  /** Fails everything pending and closes. The first failure wins; later calls do nothing. */
  private fail(error: NsqError): void {
    if (this.stateValue.kind === 'closed') return
    this.stopReadDeadline()
    this.stateValue = {kind: 'closed', error}
    const pending = this.pending.drain()
    const head = pending.shift()
    // The head command is the one nsqd answered with the error; the rest died with the connection.
    head?.reject(error)
    const collateral =
      error instanceof ServerError
        ? new ConnectionError('CONNECTION_CLOSED', this.address, `connection closed after ${error.code}`, {cause: error})
        : error
    for (const waiting of pending) waiting.reject(collateral)
    this.outbound.discard()
    this.layer?.destroy()
    this.socket?.destroy()
    this.handshakeWake?.()
    this.outbound.releaseWaiters()
    this.releaseIdleWaiters()
    this.events.closed?.(error)
  }

  private finish(error: NsqError | undefined): void {
    if (this.stateValue.kind === 'closed') return
    this.stopReadDeadline()
    this.stateValue = {kind: 'closed', error}
    this.outbound.releaseWaiters()
    this.events.closed?.(error)
  }
}
