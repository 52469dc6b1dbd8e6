/**
 * The base of every `nsq` command: shared flags (colour, quiet), typed parsed flags and args,
 * signal handling (first Ctrl-C / SIGTERM aborts `this.signal` so the command drains; a second
 * Ctrl-C exits 130 at once), and one place that turns errors into an exit code and a hint.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import {isNsqError, type NsqError} from '../core/index.js'
import {applyColor} from './color.js'
import type {ToolResult} from '../tools/result.js'
import {EXIT} from './exit-codes.js'

export type NsqFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof NsqCommand)['baseFlags'] & T['flags']>
export type NsqArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** Why `signal` was aborted. */
export type StopReason = 'interrupt' | 'terminate' | 'epipe' | 'done'

export abstract class NsqCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    color: Flags.boolean({
      allowNo: true,
      summary: 'colour human output (default: when a TTY; NO_COLOR / FORCE_COLOR respected)',
      helpGroup: 'GLOBAL',
    }),
    quiet: Flags.boolean({char: 'q', summary: 'no banners, progress or status on stderr (errors still shown)', helpGroup: 'GLOBAL'}),
  }

  protected flags!: NsqFlags<T>
  protected args!: NsqArgs<T>
  /** True when stdout is coloured. */
  protected colored = false
  /** Aborted on the first SIGINT / SIGTERM (reason: StopReason), or by the command itself. */
  protected readonly stopper = new AbortController()
  /** Count of SIGINT / SIGTERM received. */
  protected signals = 0
  private readonly onSignal = (signal: NodeJS.Signals): void => this.handleSignal(signal)

  get signal(): AbortSignal {
    return this.stopper.signal
  }

  /** Why the command was asked to stop, if it was. */
  get stopReason(): StopReason | undefined {
    return this.stopper.signal.aborted ? (this.stopper.signal.reason as StopReason) : undefined
  }

  override async init(): Promise<void> {
    await super.init()
    const ctor = this.ctor as typeof NsqCommand
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as NsqFlags<T>
    this.args = args as NsqArgs<T>
    this.colored = applyColor(this.flags.color)
    const parsed = this.flags as Record<string, unknown>
    if (parsed['tls-insecure'] === true)
      process.stderr.write(
        "warning: --tls-insecure: nsqd's certificate is NOT verified; anyone on the path can read and alter this traffic\n",
      )
    if (typeof parsed['auth-secret'] === 'string' && process.argv.some((a) => a.startsWith('--auth-secret=') || a === '--auth-secret')) {
      process.stderr.write(
        'warning: --auth-secret on the command line is visible in the process list; prefer NSQ_AUTH_SECRET or --auth-secret-file\n',
      )
    }
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  /** Asks the command to stop (drain) with a reason; the first reason wins. */
  protected stop(reason: StopReason): void {
    if (!this.stopper.signal.aborted) this.stopper.abort(reason)
  }

  /** First SIGINT / SIGTERM: stop gracefully. Second: exit 130 at once (nsqd redelivers in-flight messages). */
  protected handleSignal(signal: NodeJS.Signals): void {
    this.signals++
    if (this.signals > 1) {
      process.stderr.write('\nforced exit: messages in flight will be redelivered by nsqd after its msg-timeout\n')
      process.exit(EXIT.INTERRUPTED)
    }
    this.stop(signal === 'SIGTERM' ? 'terminate' : 'interrupt')
    if (process.stderr.isTTY === true) this.status('\nstopping… (Ctrl-C again to force)')
  }

  /** A status line on stderr, unless --quiet. */
  protected status(line: string): void {
    if (!this.flags?.quiet) process.stderr.write(`${line}\n`)
  }

  /**
   * The one place a tool's typed result becomes the exit code: sets it and returns the summary
   * (which oclif prints for `--json`). Commands end `run()` with `return this.complete(result)`.
   */
  protected complete<S>(result: ToolResult<S>): S {
    process.exitCode = result.exitCode
    return result.summary
  }

  /** Fails with a usage error (exit 2): a bad flag value or combination. */
  protected usage(message: string, suggestions?: string[]): never {
    this.error(message, {exit: EXIT.USAGE, ...(suggestions === undefined ? {} : {suggestions})})
  }

  override async finally(error: Error | undefined): Promise<void> {
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
    await super.finally(error)
  }

  /** Every error leaves through here: NsqErrors get their exit code and a hint. */
  override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    if (isNsqError(error)) return super.catch(toCliError(error))
    if (!(error instanceof Errors.CLIError) && error.exitCode === undefined && error.name === 'Error' && error.message.startsWith('--')) {
      // Flag-value problems raised while building options (e.g. an unreadable --tls-ca file).
      return super.catch(new Errors.CLIError(error.message, {exit: EXIT.USAGE}))
    }
    return super.catch(error)
  }
}

/** Exit code and hints for an NsqError. */
export function exitCodeFor(error: NsqError): number {
  // nsqd --tls-required refuses SUB/PUB from a plain connection: E_INVALID "… (TLS required)".
  if (tlsRequired(error)) return EXIT.UNAVAILABLE
  switch (error.code) {
    case 'CONFIG':
      return EXIT.USAGE
    case 'CONNECTION_REFUSED':
    case 'CONNECTION_FAILED':
    case 'CONNECTION_CLOSED':
    case 'PEER_DEAD':
    case 'TIMEOUT':
    case 'TLS':
    case 'HTTP':
      return EXIT.UNAVAILABLE
    default:
      return error.code.startsWith('E_AUTH') || error.code === 'E_UNAUTHORIZED' || error.code === 'AUTH_REQUIRED'
        ? EXIT.UNAVAILABLE
        : EXIT.FAILURE
  }
}

function tlsRequired(error: NsqError): boolean {
  return error.code === 'E_INVALID' && /\(TLS required\)/.test(error.message)
}

function hintsFor(error: NsqError): string[] {
  const text = error.message
  if (tlsRequired(error)) return ['nsqd requires TLS: add --tls (and --tls-ca with the CA that signed its certificate)']
  if (/ENOTFOUND|EAI_AGAIN|does not resolve/.test(text)) {
    return [
      "the host name does not resolve here: set nsqd's --broadcast-address to a name or IP clients can reach, or map it with --address-map HOST=IP:PORT",
    ]
  }
  switch (error.code) {
    case 'CONNECTION_REFUSED':
      return [
        'is nsqd / nsqlookupd running there? check --nsqd-tcp-address / --lookupd-http-address (or NSQ_NSQD_TCP_ADDRESS / NSQ_LOOKUPD_HTTP_ADDRESS)',
      ]
    case 'TLS':
      return ["pass the CA that signed nsqd's certificate with --tls-ca, or (unsafe) --tls-insecure"]
    case 'AUTH_REQUIRED':
      return ['nsqd requires AUTH: set NSQ_AUTH_SECRET or --auth-secret-file']
    default:
      return error.code.startsWith('E_AUTH') || error.code === 'E_UNAUTHORIZED'
        ? ['check the AUTH secret (NSQ_AUTH_SECRET / --auth-secret-file) and its permissions']
        : []
  }
}

/** An NsqError as oclif's CLIError, with exit code, machine code and hints. */
export function toCliError(error: NsqError): Errors.CLIError {
  const suggestions = hintsFor(error)
  return new Errors.CLIError(error.message, {exit: exitCodeFor(error), code: error.code, ...(suggestions.length > 0 ? {suggestions} : {})})
}
