/**
 * What `nsq bench pub`, `sub` and `pubsub` share: their flags, turning flags into a run plan,
 * the banner, progress on a terminal, the report (text, CSV or the `--json` summary), the CI
 * checks and the exit code (99 when a check is missed, 130 when interrupted).
 */
import fs from 'node:fs'
import os from 'node:os'
import {Flags, type Command} from '@oclif/core'
import {describeInvalidName, formatHostPort, parseHostPort} from '../core/index.js'
import {applyChecks, type Baseline} from '../tools/bench/checks.js'
import {parseBaseline, parseRegression} from '../tools/bench/compare.js'
import {autoName, STAMP_BYTES} from '../tools/bench/payload.js'
import {formatCount, renderBanner, renderCsv, renderText} from '../tools/bench/render.js'
import {runBench, type BenchOutcome, type BenchProgress} from '../tools/bench/run-bench.js'
import {paramsRecord, summarize} from '../tools/bench/summary.js'
import {parseRate, parseThreshold, type Threshold} from '../tools/bench/threshold.js'
import type {BenchKind, BenchParams, BenchSummary} from '../tools/bench/types.js'
import {stoppedExitCode} from '../tools/result.js'
import {NsqCommand} from './base-command.js'
import {startProgressLine} from './progress-line.js'
import {parseFlagValue} from './usage-error.js'
import {DURATIONS_HELP, EXIT, exitCodesHelp, type ExitCode} from './exit-codes.js'
import {
  connectionSettings,
  durationFlag,
  httpOptions,
  jsonSummaryFlag,
  nsqdHttpAddressFlag,
  nsqdTcpAddressFlag,
  securityFlags,
  sizeFlag,
  type SecurityFlagValues,
} from './flags.js'
import {plural} from '../tools/plural.js'

const RUN = 'RUN'
const CHECKS = 'CI CHECKS'
const OUTPUT = 'OUTPUT'

/** The default nsqd TCP address, as bench_writer / bench_reader use. */
const DEFAULT_NSQD = '127.0.0.1:4150'
/** Messages `sub` puts in an auto-named topic when neither --msgs nor --fill says. */
const DEFAULT_FILL = 100_000
const DEFAULT_DURATION_MS = 10_000
/**
 * `sub` asks nsqd for its largest output buffer by default (nsqd's --max-output-buffer-size,
 * 64 KiB): fewer, larger writes from nsqd, about a quarter more throughput on a loaded 2-core
 * machine (bench:cli). pubsub keeps nsqd's 16 KiB, which matters more for latency.
 */
const SUB_OUTPUT_BUFFER = 65_536

const rateFlag = Flags.custom<number>({
  helpValue: '<msgs/s>',
  parse: async (input, _context, options) => parseFlagValue(options.name, input, parseRate),
})

const benchNsqdTcpAddressFlag: typeof nsqdTcpAddressFlag = {
  ...nsqdTcpAddressFlag,
  summary: `nsqd TCP address; repeatable (publishers spread over them, consumers connect to all) [default: ${DEFAULT_NSQD}]`,
}
const benchNsqdHttpAddressFlag: typeof nsqdHttpAddressFlag = {
  ...nsqdHttpAddressFlag,
  summary: 'nsqd HTTP address, one per --nsqd-tcp-address, to create and delete the bench topic [default: TCP port + 1]',
}

/** Flags of every bench command. */
export const benchCommonFlags = {
  json: jsonSummaryFlag,
  'nsqd-tcp-address': benchNsqdTcpAddressFlag,
  'nsqd-http-address': benchNsqdHttpAddressFlag,
  topic: Flags.string({char: 't', summary: 'topic to use [default: an auto-named nsq_bench_xxxxxx, deleted afterwards]', helpGroup: RUN}),
  clients: Flags.integer({
    char: 'c',
    min: 1,
    summary:
      'concurrent clients, each on its own connection (pubsub: this many publishers and consumers) [default: pub and sub one per core, as bench_writer / bench_reader; pubsub 1]',
    helpGroup: RUN,
  }),
  size: sizeFlag({default: 200, summary: 'message body size (e.g. 200, 1KiB)', helpGroup: RUN}),
  msgs: Flags.integer({
    char: 'n',
    min: 1,
    summary: 'measured messages in all (split across clients)',
    exclusive: ['duration'],
    helpGroup: RUN,
  }),
  duration: durationFlag({
    char: 'd',
    summary: `measured run time (e.g. 10s) [default: ${DEFAULT_DURATION_MS / 1000}s when --msgs is not given]`,
    exclusive: ['msgs'],
    helpGroup: RUN,
  }),
  warmup: durationFlag({default: 0, summary: 'run this long first without measuring (e.g. 2s)', helpGroup: RUN}),
  cleanup: Flags.boolean({
    allowNo: true,
    default: true,
    summary: 'delete the auto-named topic / channel afterwards (--no-cleanup keeps them)',
    helpGroup: RUN,
  }),
  threshold: Flags.string({
    multiple: true,
    summary: "fail (exit 99) unless METRIC OP VALUE holds, e.g. 'rate>50000', 'p99<5ms', 'errors==0'; repeatable",
    helpGroup: CHECKS,
  }),
  compare: Flags.string({summary: 'compare with an earlier `--json` summary and print the deltas', helpGroup: CHECKS}),
  'max-regression': Flags.string({
    default: '10%',
    summary: 'with --compare: fail (exit 99) when msgs/s drops, or p50/p90/p99 rise, by more than this',
    helpGroup: CHECKS,
  }),
  csv: Flags.boolean({
    summary: 'print CSV (a row per client and one per side) instead of the text report',
    exclusive: ['json'],
    helpGroup: OUTPUT,
  }),
  progress: Flags.boolean({
    allowNo: true,
    default: true,
    summary: 'live progress on stderr (only when it is a terminal)',
    helpGroup: OUTPUT,
  }),
  ...securityFlags,
}

/** Flags of the publishing commands (pub, pubsub). */
export const benchPublishFlags = {
  'batch-size': Flags.integer({
    char: 'b',
    min: 1,
    summary: 'messages per publish command: 1 = PUB, more = MPUB [default: pub 200, as bench_writer; 1 with --rate and for pubsub]',
    helpGroup: RUN,
  }),
  rate: rateFlag({
    char: 'r',
    summary:
      "aggregate publish rate in msgs/s (e.g. 50000, 50k), split across clients; latency is then measured from each message's scheduled send time",
    helpGroup: RUN,
  }),
  pipeline: Flags.integer({
    min: 1,
    default: 4,
    summary: "publish commands awaiting nsqd's OK at once per client (1 = like bench_writer); under --rate up to 1024",
    helpGroup: RUN,
  }),
}

/** Flags of the consuming commands (sub, pubsub). */
export const benchConsumeFlags = {
  channel: Flags.string({summary: 'channel to consume [default: an auto-named nsq_bench_xxxxxx, deleted afterwards]', helpGroup: RUN}),
  'max-in-flight': Flags.integer({min: 1, default: 2500, summary: "RDY per consuming client (bench_reader's --rdy)", helpGroup: RUN}),
  'output-buffer-size': Flags.integer({
    min: -1,
    summary:
      "bytes nsqd buffers before flushing deliveries to a consumer (-1 = unbuffered, for latency) [default: sub 65536, nsqd's max; pubsub nsqd's, 16384]",
    helpGroup: RUN,
  }),
  'output-buffer-timeout': durationFlag({
    summary: "longest nsqd holds buffered deliveries (nsqd allows ≥ 25ms) [default: nsqd's, 250ms]",
    helpGroup: RUN,
  }),
}

/** Flags of pub and sub (pubsub keeps its clients on one thread, for one clock). */
export const benchThreadFlags = {
  threads: Flags.boolean({
    allowNo: true,
    summary:
      "run each client on its own worker thread, so clients use several cores as Go's bench_writer / bench_reader do [default: on with more than one client]",
    helpGroup: RUN,
  }),
}

/** Flags only `sub` has. */
export const benchFillFlags = {
  fill: Flags.integer({
    min: 0,
    summary: `publish this many messages into the topic before consuming [default: --msgs or ${formatCount(DEFAULT_FILL)} for an auto-named topic, else 0]`,
    helpGroup: RUN,
  }),
}

/** The parsed values of the bench flags (each command has a subset). */
interface BenchFlagValues extends SecurityFlagValues {
  'nsqd-tcp-address'?: string[] | undefined
  'nsqd-http-address'?: string[] | undefined
  topic?: string | undefined
  channel?: string | undefined
  clients?: number | undefined
  size: number
  msgs?: number | undefined
  duration?: number | undefined
  warmup: number
  cleanup: boolean
  threshold?: string[] | undefined
  compare?: string | undefined
  'max-regression': string
  csv: boolean
  progress: boolean
  quiet: boolean
  'batch-size'?: number | undefined
  rate?: number | undefined
  pipeline?: number | undefined
  'max-in-flight'?: number | undefined
  fill?: number | undefined
  'output-buffer-size'?: number | undefined
  'output-buffer-timeout'?: number | undefined
  threads?: boolean | undefined
}

/** The tail of every bench command's description. */
export const BENCH_OUTPUT_HELP = [
  'Prints a banner with every parameter (stderr), a line per client, the aggregate msgs/s and MiB/s (payload bytes),',
  'min/avg/max/stddev of the client rates and latency p50/p90/p99/p99.9/max from an HDR histogram. A run disturbed by',
  'errors, lost connections or lost messages says so. Ctrl-C stops early and still prints the summary (exit 130).',
  '--json prints the summary object (top-level msgs_per_sec, mb_per_sec, p50_ms, p90_ms, p99_ms, p999_ms, max_ms).',
].join('\n')

/** The durations and exit-codes lines of every bench command's description. */
export const BENCH_EXIT_CODES_HELP = [
  DURATIONS_HELP,
  '',
  exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.USAGE, EXIT.UNAVAILABLE, EXIT.THRESHOLD, EXIT.INTERRUPTED], {
    [EXIT.FAILURE]: 'runtime failure (no message got through)',
    [EXIT.THRESHOLD]: 'a --threshold or --compare check missed',
    [EXIT.INTERRUPTED]: 'interrupted (Ctrl-C; the summary is still printed)',
  }),
].join('\n')

/**
 * `--clients` when not given: pub and sub open one client per core (os.availableParallelism()),
 * as bench_writer and bench_reader open GOMAXPROCS connections, so the two compare at their
 * defaults; pubsub keeps its clients on one thread (one clock for the latency) and opens one.
 */
export function defaultClients(kind: BenchKind): number {
  return kind === 'pubsub' ? 1 : os.availableParallelism()
}

/**
 * `--batch-size` when not given: pub sends MPUB batches of 200 as bench_writer does (so the two
 * compare at their defaults); with --rate (a per-message schedule) and for pubsub (per-message
 * latency) it is 1, a PUB per message.
 */
export function defaultBatchSize(kind: BenchKind, rate: number | undefined): number {
  return kind === 'pub' && rate === undefined ? 200 : 1
}

export abstract class BenchCommand<T extends typeof Command> extends NsqCommand<T> {
  static override enableJsonFlag = true
  protected abstract readonly kind: BenchKind

  async run(): Promise<BenchSummary> {
    const flags = this.flags as unknown as BenchFlagValues
    const params = this.plan(flags)
    const thresholds = this.thresholds(flags)
    const baseline = this.baseline(flags)
    const settings = connectionSettings(flags)
    const http = httpOptions(flags, 5000)
    const banner = paramsRecord(params)
    // The default is the machine's, so the banner says where the number comes from.
    if (flags.clients === undefined && this.kind !== 'pubsub') banner.clients = `${params.clients} (one per core)`
    this.status(renderBanner(this.kind, banner))
    let latest: BenchProgress | undefined
    const line = startProgressLine({
      render: () => (latest === undefined ? '' : this.renderProgress(latest)),
      intervalMs: 1000,
      enabled: flags.progress && !flags.quiet && !this.jsonEnabled(),
    })
    let outcome: BenchOutcome
    try {
      outcome = await runBench(params, settings, http, {
        signal: this.signal,
        events: {
          status: (text) => {
            line.clear()
            this.status(text)
          },
          warning: (text) => {
            line.clear()
            this.warn(text)
          },
          ...(line.active
            ? {
                progress: (p: BenchProgress) => {
                  latest = p
                  line.draw()
                },
              }
            : {}),
        },
      })
    } finally {
      line.stop()
    }
    const summary = applyChecks(summarize(outcome), thresholds, baseline)
    for (const warning of summary.warnings.slice(outcome.warnings.length)) this.warn(warning)
    if (summary.disturbed) {
      this.warn(
        `this run was disturbed (${plural(summary.errors, 'error')}, ${plural(summary.reconnects, 'reconnect')}, ${summary.lost} lost): these results are not reliable`,
      )
    }
    if (!this.jsonEnabled())
      process.stdout.write(flags.csv ? renderCsv(summary) : renderText(summary, params.batchSize, params.rate !== undefined))
    // Nothing measured and only errors (e.g. --size over nsqd's --max-msg-size): the run failed.
    const failed = !summary.interrupted && summary.messages === 0 && summary.errors > 0
    if (failed) this.alert(`error: no message got through (${plural(summary.errors, 'error')}): see the warnings above`)
    return this.complete({summary, exitCode: benchExitCode(summary, failed)})
  }

  private plan(flags: BenchFlagValues): BenchParams {
    const kind = this.kind
    const nsqd = (flags['nsqd-tcp-address'] ?? []).length > 0 ? (flags['nsqd-tcp-address'] as string[]) : [DEFAULT_NSQD]
    const given = flags['nsqd-http-address'] ?? []
    if (given.length > 0 && given.length !== nsqd.length)
      this.usage(`give one --nsqd-http-address per --nsqd-tcp-address (${nsqd.length}), or none to use TCP port + 1`)
    const nsqdHttp =
      given.length > 0
        ? given
        : nsqd.map((address) => {
            const {host, port} = parseHostPort(address, 4150)
            return formatHostPort(host, port + 1)
          })
    const autoTopic = flags.topic === undefined
    const autoChannel = flags.channel === undefined
    // A bad name is a usage error before anything starts (pub would otherwise only count failed publishes).
    const badName =
      (flags.topic === undefined ? undefined : describeInvalidName('topic', flags.topic)) ??
      (flags.channel === undefined ? undefined : describeInvalidName('channel', flags.channel))
    if (badName !== undefined) this.usage(badName)
    if (kind === 'pubsub' && flags.size < STAMP_BYTES)
      this.usage(`pubsub needs --size of at least ${STAMP_BYTES} bytes to carry the send time`)
    if (flags.size < 1) this.usage('--size must be at least 1 byte (nsqd refuses empty messages)')
    let fill = 0
    if (kind === 'sub') fill = flags.fill ?? (autoTopic ? (flags.msgs ?? DEFAULT_FILL) : 0)
    let durationMs = flags.duration
    if (durationMs !== undefined && durationMs <= 0) this.usage('--duration must be more than 0')
    if (flags.msgs === undefined && durationMs === undefined && fill === 0) durationMs = DEFAULT_DURATION_MS
    return {
      kind,
      nsqd,
      nsqdHttp,
      topic: flags.topic ?? autoName(),
      channel: flags.channel ?? autoName(),
      autoTopic,
      autoChannel,
      cleanup: flags.cleanup,
      clients: flags.clients ?? defaultClients(kind),
      size: flags.size,
      batchSize: flags['batch-size'] ?? defaultBatchSize(kind, flags.rate),
      msgs: flags.msgs,
      durationMs,
      rate: flags.rate,
      pipeline: flags.pipeline ?? 1,
      maxInFlight: flags['max-in-flight'] ?? 2500,
      warmupMs: flags.warmup,
      fill,
      outputBufferSize: flags['output-buffer-size'] ?? (kind === 'sub' ? SUB_OUTPUT_BUFFER : undefined),
      outputBufferTimeoutMs: flags['output-buffer-timeout'],
      threads: kind !== 'pubsub' && (flags.threads ?? (flags.clients ?? defaultClients(kind)) > 1),
    }
  }

  private thresholds(flags: BenchFlagValues): Threshold[] {
    try {
      return (flags.threshold ?? []).map(parseThreshold)
    } catch (error) {
      return this.usage((error as Error).message)
    }
  }

  private baseline(flags: BenchFlagValues): Baseline | undefined {
    if (flags.compare === undefined) return undefined
    try {
      const text = fs.readFileSync(flags.compare, 'utf8')
      return {name: flags.compare, figures: parseBaseline(text, flags.compare), maxRegressionPct: parseRegression(flags['max-regression'])}
    } catch (error) {
      const message =
        (error as NodeJS.ErrnoException).code === undefined
          ? (error as Error).message
          : `--compare ${flags.compare}: ${(error as Error).message}`
      return this.usage(message)
    }
  }

  private renderProgress(p: BenchProgress): string {
    const parts = [`${(p.elapsedMs / 1000).toFixed(0)}s ${p.phase}`]
    if (this.kind !== 'sub') parts.push(`published ${formatCount(p.published)}`)
    if (this.kind !== 'pub') parts.push(`consumed ${formatCount(p.consumed)}`)
    return parts.join(' · ')
  }
}

/** A bench run's exit code: 130 cut short (a finite job), 1 nothing got through, 99 a check missed. */
function benchExitCode(summary: BenchSummary, failed: boolean): ExitCode {
  if (summary.interrupted) return stoppedExitCode('finite')
  if (failed) return EXIT.FAILURE
  return summary.passed ? EXIT.OK : EXIT.THRESHOLD
}
