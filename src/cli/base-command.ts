/**
 * The base of every `nsq` command: shared flags (colour, quiet), typed parsed flags and args,
 * signal handling (first Ctrl-C / SIGTERM aborts `this.signal` so the command drains; a second
 * Ctrl-C exits 130 at once), the stderr lines every command writes (`status`, `warn`, `alert`:
 * one `--quiet` rule), and the one place that turns a tool's result (`complete`) or any error
 * (`catch`) into output and an exit code.
 */
import {setMaxListeners} from 'node:events'
import {Command, Errors, Flags, toConfiguredId, type Interfaces} from '@oclif/core'
import {classifyError, isNsqError, NsqError, type ErrorKind} from '../core/index.js'
import {chooseContext, resolveContext, type ContextChoice, type FlagInfo, type Resolution} from '../tools/context/resolve.js'
import {ContextStore, type StoredContext} from '../tools/context/store.js'
import {closest} from './closest.js'
import {dropInName, inDropInTerms, type DropInSpec} from './drop-in.js'
import {snakeCaseKeys} from './json-case.js'
import {applyColor} from './color.js'
import type {ToolResult} from '../tools/result.js'
import {EXIT, type ExitCode} from './exit-codes.js'
import {hintsFor} from './hints.js'
import {leanHeap, type LeanHeapMode} from './lean-heap.js'
import {isTerminal} from './terminal.js'
import {UsageError} from './usage-error.js'

export type NsqFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof NsqCommand)['baseFlags'] & T['flags']>
export type NsqArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** Calls that may wait on `signal` at once (HTTP requests to every node of a large cluster, connections). */
const SIGNAL_LISTENERS = 1000

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
    context: Flags.string({
      summary: "connection settings from this named context (nsq context list; default: the current one; '' for none)",
      env: 'NSQ_CONTEXT',
      helpGroup: 'GLOBAL',
    }),
  }

  /** False on commands that must not take their flags from a context (`nsq context …` itself). */
  static appliesContext = true

  /**
   * Long-running streaming commands set this: V8 is tuned for a small peak RSS when they start
   * (lean-heap.ts); `'keep-compiler'` bounds the heap without `--optimize-for-size` (to-http).
   */
  static leanHeap: boolean | LeanHeapMode = false

  protected flags!: NsqFlags<T>
  protected args!: NsqArgs<T>
  /** True when stdout is coloured. */
  protected colored = false
  /** Aborted on the first SIGINT / SIGTERM (reason: StopReason), or by the command itself. */
  protected readonly stopper = new AbortController()
  /** Count of SIGINT / SIGTERM received. */
  protected signals = 0
  /** The context whose settings were applied, with where each connection value came from. */
  protected context: {choice: ContextChoice; stored: StoredContext; resolution: Resolution} | undefined
  private readonly onSignal = (signal: NodeJS.Signals): void => this.handleSignal(signal)

  get signal(): AbortSignal {
    return this.stopper.signal
  }

  /** Why the command was asked to stop, if it was. */
  get stopReason(): StopReason | undefined {
    return this.stopper.signal.aborted ? (this.stopper.signal.reason as StopReason) : undefined
  }

  override async init(): Promise<void> {
    const ctor = this.ctor as typeof NsqCommand
    if (ctor.leanHeap !== false) leanHeap(ctor.leanHeap === true ? 'size' : ctor.leanHeap)
    await super.init()
    let output
    try {
      output = await this.parse({
        flags: this.ctor.flags,
        baseFlags: ctor.baseFlags,
        enableJsonFlag: this.ctor.enableJsonFlag,
        args: this.ctor.args,
        strict: this.ctor.strict,
      })
    } catch (error) {
      // Whatever the argv parser refuses is a usage error (exit 2), including the kinds oclif
      // gives the generic exit 1 (a value not among a flag's options, a flag given twice).
      throw new ParseFailure(error as Error)
    }
    const {args, flags} = output
    splitEnvLists(flags, {...ctor.baseFlags, ...this.ctor.flags})
    preferGivenFlags(flags, this.argv)
    if (ctor.appliesContext) this.context = applyContext(flags, this.argv, {...ctor.baseFlags, ...this.ctor.flags})
    this.flags = flags as NsqFlags<T>
    this.args = args as NsqArgs<T>
    this.colored = applyColor(this.flags.color)
    const parsed = this.flags as Record<string, unknown>
    if (parsed['tls-insecure'] === true)
      this.warn("--tls-insecure: nsqd's certificate is NOT verified; anyone on the path can read and alter this traffic")
    if (typeof parsed['auth-secret'] === 'string' && process.argv.some((a) => a.startsWith('--auth-secret=') || a === '--auth-secret')) {
      this.warn('--auth-secret on the command line is visible in the process list; prefer NSQ_AUTH_SECRET or --auth-secret-file')
    }
    // Every concurrent call of a command listens on this one signal (each HTTP request to each
    // nsqd / lookupd, each connection) and lets go when it ends, so 11 at once is no leak:
    // Node's default limit of 10 made `stat lookupd` with two lookupd print MaxListenersExceededWarning.
    setMaxListeners(SIGNAL_LISTENERS, this.stopper.signal)
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
    if (isTerminal(process.stderr)) this.status('\nstopping… (Ctrl-C again to force)')
  }

  /** A status line on stderr, unless --quiet. */
  protected status(line: string): void {
    if (!this.quiet) process.stderr.write(`${line}\n`)
  }

  /**
   * A warning on stderr (`warning: …`), unless --quiet: something the user may want to change,
   * while the command goes on. Overrides oclif's `warn`, which --quiet would not silence.
   */
  override warn(input: string | Error): string | Error {
    if (!this.quiet) process.stderr.write(`warning: ${typeof input === 'string' ? input : input.message}\n`)
    return input
  }

  /** A line on stderr that --quiet does not silence: why the command ends the way it does. */
  protected alert(line: string): void {
    process.stderr.write(`${line}\n`)
  }

  /** True with --quiet (also before flags are parsed, from the argv). */
  private get quiet(): boolean {
    return this.flags === undefined ? this.argv.includes('--quiet') || this.argv.includes('-q') : this.flags.quiet
  }

  /**
   * The one place a tool's typed result becomes the exit code: sets it and returns the summary
   * (which oclif prints for `--json`). Commands end `run()` with `return this.complete(result)`.
   */
  protected complete<S>(result: ToolResult<S>): S {
    process.exitCode = result.exitCode
    return result.summary
  }

  /**
   * What `--json` prints: the summary with its field names in snake_case, one case for every
   * command (cli/json-case.ts; topic names, addresses and other data keys kept as they are).
   */
  protected override toSuccessJson(result: unknown): unknown {
    return snakeCaseKeys(result)
  }

  /**
   * `--json` prints one object on one line, whatever the command: `stat` streams one object per
   * tick (NDJSON) and a one-shot summary is the same shape, so `jq`, `grep` and line-based
   * readers treat every command alike (oclif's default is indented, coloured JSON).
   */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json)}\n`)
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

  /**
   * Every error leaves through here, as the exit code its class earns (see {@link exitCodeFor})
   * with its hint: NsqErrors by `classifyError`, oclif's parse errors as usage errors (2), a
   * mistyped flag as one line with "did you mean".
   */
  override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    const cliError = this.inDropInTerms(this.toCliError(error))
    // oclif's catch takes the code from `exitCode`, which a CLIError does not set (the --json path).
    if (cliError instanceof Errors.CLIError && cliError.oclif.exit !== undefined) process.exitCode = cliError.oclif.exit
    return super.catch(cliError)
  }

  /** Run as a drop-in (`nsq_stat`), the message and its hints name the drop-in and its Go-style flags. */
  private inDropInTerms(error: Error): Error {
    const spec = (this.ctor as {dropIn?: DropInSpec}).dropIn
    const name = dropInName()
    if (spec === undefined || name === undefined || !(error instanceof Errors.CLIError)) return error
    const say = (text: string): string => inDropInTerms(text, name, spec)
    const {suggestions, code} = error as Errors.CLIError & {suggestions?: string[]; code?: string}
    return new Errors.CLIError(say(error.message), {
      ...(error.oclif.exit === undefined ? {} : {exit: error.oclif.exit}),
      ...(code === undefined ? {} : {code}),
      ...(suggestions === undefined ? {} : {suggestions: suggestions.map(say)}),
    })
  }

  private toCliError(error: Error): Error {
    const cause = error instanceof ParseFailure ? error.cause : error
    if (isNsqError(cause)) {
      const kind = classifyError(cause).kind
      const context = this.context
      // Where the addresses and credentials came from, when a context supplied some.
      const extra =
        context !== undefined && (kind === 'unreachable' || kind === 'refused')
          ? [`connection settings came from context "${context.stored.name}" (nsq context show ${context.stored.name} lists them)`]
          : []
      return toCliError(cause, extra)
    }
    if (cause instanceof UsageError) return new Errors.CLIError(cause.usage, {exit: EXIT.USAGE})
    if (isNonExistentFlags(cause)) return this.unknownFlag(cause.flags)
    if (error instanceof ParseFailure) return new Errors.CLIError(parserMessage(cause), {exit: EXIT.USAGE})
    return error
  }

  private unknownFlag(given: readonly string[]): Errors.CLIError {
    const ctor = this.ctor as typeof NsqCommand
    const names = Object.entries({...ctor.baseFlags, ...this.ctor.flags}).flatMap(([name, flag]) => [
      `--${name}`,
      ...((flag as {allowNo?: boolean}).allowNo === true ? [`--no-${name}`] : []),
    ])
    if (this.ctor.enableJsonFlag) names.push('--json')
    const first = (given[0] ?? '').replace(/=.*$/, '')
    const suggestion = closest(first, names)
    const command = `${this.config.bin} ${this.id === undefined ? '' : toConfiguredId(this.id, this.config)}`.trim()
    const message = `unknown flag ${given.join(', ')}${suggestion === undefined ? '' : `: did you mean ${suggestion}?`} (${command} --help lists the flags)`
    return new Errors.CLIError(message, {exit: EXIT.USAGE})
  }
}

/** An error thrown while parsing the argv: a usage error, whatever its kind. */
class ParseFailure extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message)
  }
}

/** oclif's NonExistentFlagsError (a CLIParseError that lists the unknown flags). */
function isNonExistentFlags(error: Error): error is Errors.CLIError & {flags: string[]} {
  return error instanceof Errors.CLIError && 'parse' in error && Array.isArray((error as {flags?: unknown}).flags)
}

/**
 * oclif's parser message as one short message: without its "See more help with --help" line
 * (the usage error says which flag), and "Parsing --x \n\t<why>" (how it wraps what a flag's
 * parser threw) as "--x: <why>".
 */
function parserMessage(error: Error): string {
  return error.message.replace(/\nSee more help with --help$/, '').replace(/^Parsing (--[\w-]+) \n\t/, '$1: ')
}

/** The exit code of each error class (README's table). */
const EXIT_FOR: Readonly<Record<ErrorKind, ExitCode>> = {
  usage: EXIT.USAGE,
  unreachable: EXIT.UNAVAILABLE,
  refused: EXIT.UNAVAILABLE,
  retriable: EXIT.FAILURE,
  failed: EXIT.FAILURE,
}

/** The exit code an NsqError earns, from its class. */
export function exitCodeFor(error: NsqError): ExitCode {
  return EXIT_FOR[classifyError(error).kind]
}

/** An NsqError as oclif's CLIError, with exit code, machine code and its hint (said once). */
export function toCliError(error: NsqError, extraHints: readonly string[] = []): Errors.CLIError {
  const suggestions = [...hintsFor(error), ...extraHints]
  // A usage error is one short message: its machine code (CONFIG) would only add a line.
  const code = classifyError(error).kind === 'usage' ? {} : {code: error.code}
  return new Errors.CLIError(error.message, {exit: exitCodeFor(error), ...code, ...(suggestions.length > 0 ? {suggestions} : {})})
}

/**
 * A repeatable flag filled from its environment variable comes out of oclif's parser as one
 * string (`NSQ_NSQD_TCP_ADDRESS=a:4150,b:4150` → `'a:4150,b:4150'`), not the list a typed flag
 * gives: split it on the flag's delimiter, so an exported address list works like typed ones.
 */
export function splitEnvLists(flags: Record<string, unknown>, definitions: Readonly<Record<string, unknown>>): void {
  for (const [name, flag] of Object.entries(definitions)) {
    const f = flag as {multiple?: boolean; delimiter?: string}
    const value = flags[name]
    if (f.multiple !== true || typeof value !== 'string') continue
    flags[name] = (f.delimiter === undefined ? [value] : value.split(f.delimiter)).map((v) => v.trim()).filter((v) => v !== '')
  }
}

/** The command's flags as {@link resolveContext} needs them. */
export function flagInfos(definitions: Readonly<Record<string, unknown>>): Record<string, FlagInfo> {
  const infos: Record<string, FlagInfo> = {}
  for (const [name, flag] of Object.entries(definitions)) {
    const f = flag as {env?: string; allowNo?: boolean; char?: string}
    infos[name] = {env: f.env, allowNo: f.allowNo, char: f.char}
  }
  return infos
}

/**
 * Applies the chosen context (`--context`, `NSQ_CONTEXT`, else the current one) to parsed flags:
 * flags and env win over it (see {@link resolveContext}). A context naming an env var that is
 * not set is a usage error, naming the variable (never a value).
 */
export function applyContext(
  flags: Record<string, unknown>,
  argv: readonly string[],
  definitions: Readonly<Record<string, unknown>>,
  store: ContextStore = new ContextStore(),
): {choice: ContextChoice; stored: StoredContext; resolution: Resolution} | undefined {
  const typed = argv.some((a) => a === '--context' || a.startsWith('--context='))
  const choice = chooseContext(flags.context as string | undefined, typed, process.env, () => store.current())
  if (choice === undefined) return undefined
  let stored: StoredContext
  try {
    stored = store.read(choice.name)
  } catch (error) {
    if (choice.from === 'current' && isNsqError(error) && !store.exists(choice.name))
      throw new NsqError(
        'CONFIG',
        `the current context "${choice.name}" (${store.currentFile}) no longer exists: nsq context use NAME, or --context ''`,
      )
    throw error
  }
  const resolution = resolveContext({flags, definitions: flagInfos(definitions), argv, env: process.env, context: stored})
  const [missing] = resolution.missing
  if (missing !== undefined)
    throw new NsqError(
      'CONFIG',
      `context "${stored.name}": ${missing[0]} names the environment variable ${missing[1]}, which is not set (export it, or give the setting as a flag)`,
    )
  return {choice, stored, resolution}
}

/** Address flags of which a command takes one kind or the other (nsqd directly, or lookupd). */
const ONE_OR_THE_OTHER: readonly (readonly [string, string])[] = [
  ['nsqd-tcp-address', 'lookupd-http-address'],
  ['nsqd-http-address', 'lookupd-http-address'],
]

/**
 * A flag on the command line wins over an environment variable of the other kind: with
 * `NSQ_LOOKUPD_HTTP_ADDRESS` exported, `--nsqd-tcp-address A` means "A, not lookupd" instead of
 * "not both". Both given on the command line (or both from the environment) stay a usage error.
 */
export function preferGivenFlags(flags: Record<string, unknown>, argv: readonly string[]): void {
  const given = (name: string): boolean => argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  for (const [a, b] of ONE_OR_THE_OTHER) {
    if (flags[a] === undefined || flags[b] === undefined) continue
    if (given(a) && !given(b)) delete flags[b]
    else if (given(b) && !given(a)) delete flags[a]
  }
}
