import {Args, Flags} from '@oclif/core'
import {NsqCommand, toCliError} from '../cli/base-command.js'
import type {DropInSpec} from '../cli/drop-in.js'
import {toNsqDropIn} from '../cli/drop-in-specs.js'
import {EXIT, exitCodesHelp} from '../cli/exit-codes.js'
import {
  connectionSettings,
  durationFlag,
  httpOptions,
  lookupdHttpAddressFlag,
  nsqdHttpAddressFlag,
  nsqdTcpAddressFlag,
  liveness,
  securityFlags,
  sizeFlag,
  addressMap,
  jsonSummaryFlag,
} from '../cli/flags.js'
import {startProgressLine, type ProgressLine} from '../cli/progress-line.js'
import {isBrokenPipe, watchStdout, writeWithBackpressure} from '../cli/stdout.js'
import {metricsFlags, openMetrics} from '../cli/metrics.js'
import {isTerminal} from '../cli/terminal.js'
import {formatDuration} from '../cli/units.js'
import {describeInvalidName} from '../core/index.js'
import {ErrorsFile} from '../tools/publish/errors-file.js'
import {DEFAULT_LIMITS} from '../tools/publish/nsqd-limits.js'
import type {Refusal} from '../tools/publish/refusal.js'
import {parseDelimiter} from '../tools/to-nsq/delimiter.js'
import {runToNsq, type ToNsqResult} from '../tools/to-nsq/run-to-nsq.js'
import {failedCount, formatSummary, type ToNsqStats, type ToNsqSummary} from '../tools/to-nsq/summary.js'
import {plural} from '../tools/plural.js'
import {formatCount} from '../tools/format-count.js'

export default class ToNsq extends NsqCommand<typeof ToNsq> {
  static override summary = 'Publish stdin to a topic, one message per line (or per delimiter)'
  static override leanHeap = true

  static override description = [
    'Reads stdin as raw bytes, splits it into records on --delimiter (newline; -0 for NUL) and publishes each record',
    "as one message, in pipelined MPUB batches capped by nsqd's --max-msg-size and --max-body-size (read from the",
    'nsqd HTTP API when reachable, else --max-message-bytes / --max-body-bytes). stdin is read only as fast as nsqd',
    'accepts. A last record without a trailing delimiter is published intact; empty records are skipped.',
    '',
    'Every record not published (too big, invalid envelope, refused by nsqd) is counted, and written to --errors FILE',
    'as one NDJSON line: {"record":N,"reason":"oversize|empty|invalid_envelope|publish_failed|incomplete","error":"…","body":"…"}',
    '(body_base64 instead of body when not UTF-8; "bytes"/"truncated" for records over 64 MiB; "nsqd" in fanout mode).',
    'An errors file is valid --input-format json input, so it can be fixed and replayed.',
    '',
    '--defer: nsqd has no deferred MPUB, so with --defer each record is its own DPUB (pipelined, not batched).',
    'Ctrl-C stops reading stdin, waits for every outstanding answer from nsqd, prints the summary and exits 130.',
    '',
    'An nsqd that refuses for good (TLS required without --tls, AUTH denied or not permitted, E_INVALID) stops the run at once:',
    'no more stdin is read, what is in flight is waited for, records read but not published go to --errors, and after the',
    "summary come nsqd's reason and a hint (e.g. add --tls); exit 69. Round-robin over several nsqd leaves a refusing one out",
    'and sends its records to the others (69 only when every nsqd refused); in fanout mode one refusing nsqd stops the run.',
    'If the --errors file cannot be written (full disk, I/O error), reading stops the same way; after the summary come the file,',
    'the error code and the numbers of the records neither published nor recorded (with the body of up to 20 of at most 200',
    'bytes); exit 1.',
    '',
    exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.USAGE, EXIT.PARTIAL, EXIT.UNAVAILABLE, EXIT.INTERRUPTED], {
      [EXIT.FAILURE]: 'the --errors file could not be written',
      [EXIT.PARTIAL]: 'some records not published',
      [EXIT.UNAVAILABLE]: 'nsqd unreachable, or every nsqd refused for good',
      [EXIT.INTERRUPTED]: 'Ctrl-C before the end of stdin',
    }),
  ].join('\n')

  static override examples = [
    {
      description: 'Publish a log file, one message per line',
      command: '<%= config.bin %> <%= command.id %> events --nsqd-tcp-address 127.0.0.1:4150 < events.log',
    },
    {
      description: 'Find the nsqd through nsqlookupd, keep going past oversize lines and collect them',
      command:
        'tail -F app.log | <%= config.bin %> <%= command.id %> logs --lookupd-http-address 127.0.0.1:4161 --on-oversize skip --errors rejected.ndjson',
    },
    {
      description: 'Replay what nsq tail captured, binary bodies included',
      command:
        '<%= config.bin %> tail events -n 1000 --format json > dump.ndjson && <%= config.bin %> <%= command.id %> events-copy --input-format json < dump.ndjson',
    },
    {
      description: 'NUL-separated records, 500 msg/s, every message to both nsqd of a redundant pair',
      command:
        'find . -print0 | <%= config.bin %> <%= command.id %> files -0 --rate 500 --mode fanout --nsqd-tcp-address a:4150 --nsqd-tcp-address b:4150',
    },
    {
      description: 'Check a file against the size limits without publishing',
      command: '<%= config.bin %> <%= command.id %> events --dry-run --nsqd-http-address 127.0.0.1:4151 --json < events.log',
    },
  ]

  static override enableJsonFlag = true

  static override args = {
    topic: Args.string({description: 'topic to publish to (or --topic)', required: false, ignoreStdin: true}),
  }

  static override flags = {
    json: jsonSummaryFlag,
    topic: Flags.string({summary: 'topic to publish to (same as the argument)'}),
    'nsqd-tcp-address': nsqdTcpAddressFlag,
    'lookupd-http-address': lookupdHttpAddressFlag,
    'nsqd-http-address': nsqdHttpAddressFlag,
    mode: Flags.option({
      options: ['round-robin', 'fanout'] as const,
      default: 'round-robin',
      summary: 'round-robin: spread over the nsqd with failover; fanout: every message to every nsqd (the official to_nsq)',
    })(),
    delimiter: Flags.string({char: 'D', summary: 'record delimiter; escapes \\n \\r \\t \\0 \\xHH; several bytes allowed', default: '\\n'}),
    null: Flags.boolean({char: '0' as 'z', summary: 'records end with a NUL byte (like xargs -0)', exclusive: ['delimiter']}),
    'input-format': Flags.option({
      options: ['raw', 'json'] as const,
      default: 'raw',
      summary: 'raw: a record is a body; json: a record is an `nsq tail --format json` envelope (body or body_base64)',
    })(),
    'batch-size': Flags.integer({min: 1, default: 200, summary: 'most messages per MPUB'}),
    'batch-linger': durationFlag({
      default: 50,
      defaultHelp: async () => '50ms',
      summary: 'send a partial batch after this long without more input',
    }),
    rate: Flags.integer({min: 0, default: 0, summary: 'at most this many messages per second overall (0 = unlimited)'}),
    defer: durationFlag({summary: 'deliver each message after this delay (DPUB; one command per message)'}),
    count: Flags.integer({char: 'n', min: 1, summary: 'stop after publishing this many records'}),
    'keep-empty': Flags.boolean({summary: 'report empty records as not published (nsqd refuses empty bodies) instead of skipping them'}),
    'on-oversize': Flags.option({
      options: ['fail', 'skip'] as const,
      default: 'fail',
      summary: 'a record over the size limit: stop reading (fail) or record it and go on (skip)',
    })(),
    'on-invalid': Flags.option({
      options: ['fail', 'skip'] as const,
      default: 'fail',
      summary: 'an invalid envelope (--input-format json): stop reading (fail) or record it and go on (skip)',
    })(),
    errors: Flags.string({summary: 'write every record not published to this file (NDJSON, see above)'}),
    'max-message-bytes': sizeFlag({
      summary: `largest message body when nsqd's HTTP API is not reachable (default ${DEFAULT_LIMITS.maxMessageBytes})`,
    }),
    'max-body-bytes': sizeFlag({
      summary: `largest MPUB body when nsqd's HTTP API is not reachable (default ${DEFAULT_LIMITS.maxBodyBytes})`,
    }),
    tee: Flags.boolean({summary: 'also write each published record (with its delimiter) to stdout'}),
    'dry-run': Flags.boolean({summary: 'read, split and check sizes; publish nothing'}),
    ...securityFlags,
    'heartbeat-interval': liveness['heartbeat-interval'],
    ...metricsFlags,
  }

  /** How the official to_nsq's Go-style flags map to ours (bin/to_nsq.js). It publishes every record to every nsqd. */
  static dropIn: DropInSpec = toNsqDropIn

  async run(): Promise<ToNsqSummary> {
    const flags = this.flags
    const topic = this.topic()
    const delimiter = flags.null ? Buffer.from([0]) : this.parseDelimiterFlag(flags.delimiter)
    if (flags.tee && this.jsonEnabled()) this.usage('--tee and --json both write to stdout: use one of them')
    const tcp = flags['nsqd-tcp-address'] ?? []
    const lookupd = flags['lookupd-http-address'] ?? []
    if (tcp.length > 0 && lookupd.length > 0) this.usage('use --nsqd-tcp-address or --lookupd-http-address, not both')
    if (tcp.length === 0 && lookupd.length === 0 && !flags['dry-run']) {
      this.usage('--nsqd-tcp-address or --lookupd-http-address required', [
        'e.g. --nsqd-tcp-address 127.0.0.1:4150, or set NSQ_NSQD_TCP_ADDRESS',
      ])
    }

    const errorsPath = flags.errors
    const warned = new Set<string>()
    /** nsqd it could not connect to yet, said once each. */
    const unreachable = new Set<string>()
    const early: string[] = []
    let reading = false
    let progress: ProgressLine | undefined
    /** A status line that does not land in the middle of the progress line. */
    const say = (line: string): void => {
      progress?.clear()
      this.status(line)
    }
    let firstFailure = true
    const metrics = await openMetrics(flags['metrics-address'], 'to-nsq', say)
    const unwatch = watchStdout((error) => {
      if (isBrokenPipe(error)) this.stop('epipe')
    })
    let result: ToNsqResult
    try {
      result = await runToNsq({
        topic,
        nsqd: tcp,
        lookupd,
        nsqdHttp: flags['nsqd-http-address'] ?? [],
        addressMap: addressMap(flags),
        http: httpOptions(flags, 2000),
        mode: flags.mode,
        connection: connectionSettings(flags),
        dryRun: flags['dry-run'] === true,
        deferMs: flags.defer,
        limitOverrides: {maxMessageBytes: flags['max-message-bytes'], maxBodyBytes: flags['max-body-bytes']},
        checkLimits: (limits) => {
          if (flags.defer !== undefined && flags.defer > limits.maxDeferMs)
            this.usage(
              `--defer ${formatDuration(flags.defer)} is longer than nsqd's --max-req-timeout (${formatDuration(limits.maxDeferMs)})`,
            )
        },
        ...(errorsPath === undefined ? {} : {openErrorsFile: () => this.openErrors(errorsPath)}),
        batchSize: flags['batch-size'],
        pipeline: {
          delimiter,
          inputFormat: flags['input-format'],
          lingerMs: flags['batch-linger'],
          rate: flags.rate,
          count: flags.count,
          keepEmpty: flags['keep-empty'],
          onOversize: flags['on-oversize'],
          onInvalid: flags['on-invalid'],
          ...(flags.tee ? {tee: (data: Buffer) => this.writeStdout(data)} : {}),
        },
        input: process.stdin,
        signal: this.signal,
        outputGone: () => this.stopReason === 'epipe',
        ...(metrics === undefined ? {} : {publishObserver: metrics.publishObserver()}),
        events: {
          limitsUnread: (failure, source) =>
            say(
              `could not read limits from nsqd's HTTP API (${failure})${source === 'flags' ? '; using --max-message-bytes / --max-body-bytes' : ''}`,
            ),
          leftOut: (refusal, remaining) =>
            say(`nsqd ${refusal.nsqd ?? ''} refused publishing (${refusal.error.message}): left out; going on with the other ${remaining}`),
          disconnected: (address, error, established) => {
            if (error === undefined || this.signal.aborted) return
            if (established) {
              unreachable.delete(address)
              say(`lost ${address}: ${error.message} (reconnecting)`)
            } else if (!unreachable.has(address)) {
              // Said once until it connects: a connection it never had is not "lost". Before reading
              // starts it waits: if no nsqd connects at all, the run's error says it once instead.
              unreachable.add(address)
              const line = `cannot connect to ${address}: ${error.message} (retrying)`
              if (reading) say(line)
              else early.push(line)
            }
          },
          retrying: (address, error, failover) => {
            if (warned.has(address)) return
            warned.add(address)
            say(`publishes failed on ${address} (${error.message}); trying again${failover ? ' on the other nsqd' : ''}`)
          },
          notPublished: (failure) => {
            if (!firstFailure) return
            firstFailure = false
            say(
              `record ${failure.record} not published (${failure.reason}): ${failure.error}${errorsPath === undefined ? '' : ` (see ${errorsPath})`}`,
            )
          },
          reading: (stats) => {
            reading = true
            for (const line of early.splice(0)) say(line)
            if (isTerminal(process.stdin)) this.status('reading records from the terminal: end with Ctrl-D')
            progress = this.startProgress(stats)
          },
          readingDone: () => progress?.stop(),
        },
      })
    } finally {
      progress?.stop()
      unwatch()
      process.stdin.destroy()
      await metrics?.close()
    }

    const {summary, run, refusal, errorsFile} = result
    if (run.stoppedAt !== undefined) {
      const hint = run.stoppedAt.error.startsWith('invalid envelope')
        ? 'use --on-invalid skip to record bad lines and go on'
        : "use --on-oversize skip to record such records and go on, or raise nsqd's --max-msg-size"
      process.stderr.write(`stopped at record ${run.stoppedAt.record}: ${run.stoppedAt.error} (${hint})\n`)
    }
    if (!this.jsonEnabled()) this.status(formatSummary(summary))
    if (refusal !== undefined) this.reportRefusal(refusal, summary.records)
    if (errorsFile !== undefined) this.reportBrokenErrorsFile(errorsFile)
    return this.complete(result)
  }

  /** nsqd refused publishing for good: its reason and the same hint `tail` gives (exit 69 follows). */
  private reportRefusal(refusal: Refusal, read: number): void {
    const where = refusal.nsqd === undefined ? 'nsqd' : `nsqd ${refusal.nsqd}`
    process.stderr.write(
      `Error: ${where} refused publishing: ${refusal.error.message}; stopped reading after ${plural(read, 'record', {format: formatCount})}\n`,
    )
    for (const hint of toCliError(refusal.error).suggestions ?? []) process.stderr.write(`hint: ${hint}\n`)
  }

  /**
   * The errors file failed (full disk, I/O error): name the file, the error code and every record
   * neither published nor recorded (as ranges), with the body of the short ones (see
   * UnrecordedRecords: at most 20 bodies of at most 200 UTF-8 bytes; the others by number only).
   */
  private reportBrokenErrorsFile(errorsFile: ErrorsFile): void {
    const broken = errorsFile.failure
    if (broken === undefined) return
    const {unrecorded} = errorsFile
    const lost =
      unrecorded.count === 0
        ? 'every record not published is in it'
        : `${formatCount(unrecorded.count)} record(s) neither published nor recorded: ${unrecorded.ranges}`
    process.stderr.write(`Error: errors file ${errorsFile.path} (--errors): ${broken.code} (${broken.message}); stopped reading; ${lost}\n`)
    for (const line of unrecorded.bodyLines()) process.stderr.write(`  ${line}\n`)
  }

  private topic(): string {
    const {topic: flagTopic} = this.flags
    const argTopic = this.args.topic
    if (flagTopic !== undefined && argTopic !== undefined && flagTopic !== argTopic)
      this.usage(`two topics given: "${argTopic}" and --topic "${flagTopic}"`)
    const topic = flagTopic ?? argTopic
    if (topic === undefined) this.usage('a topic is required: nsq to-nsq TOPIC (or --topic TOPIC)')
    const invalid = describeInvalidName('topic', topic)
    if (invalid !== undefined) this.usage(invalid)
    return topic
  }

  private parseDelimiterFlag(text: string): Buffer {
    try {
      return parseDelimiter(text)
    } catch (error) {
      return this.usage((error as Error).message)
    }
  }

  private openErrors(path: string): ErrorsFile {
    try {
      return new ErrorsFile(path)
    } catch (error) {
      return this.usage(`--errors ${path}: ${(error as Error).message}`)
    }
  }

  private writeStdout(data: Buffer): Promise<void> {
    if (this.stopReason === 'epipe') return Promise.resolve()
    return writeWithBackpressure(data, this.signal)
  }

  private startProgress(stats: Readonly<ToNsqStats>): ProgressLine {
    const started = performance.now()
    return startProgressLine({
      enabled: !this.flags.quiet && !this.jsonEnabled(),
      render: () => {
        const secs = (performance.now() - started) / 1000
        return `${formatCount(stats.published)} published · ${formatCount(Math.round(stats.published / secs))} msg/s · ${failedCount(stats)} failed`
      },
    })
  }
}
