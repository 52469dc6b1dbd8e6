import {Args, Flags} from '@oclif/core'
import {NsqCommand, toCliError} from '../cli/base-command.js'
import {EXIT, exitCodesHelp} from '../cli/exit-codes.js'
import {
  addressMap,
  connectionSettings,
  httpOptions,
  liveness,
  lookupdHttpAddressFlag,
  nsqdHttpAddressFlag,
  nsqdTcpAddressFlag,
  securityFlags,
  sizeFlag,
} from '../cli/flags.js'
import {startProgressLine, type ProgressLine} from '../cli/progress-line.js'
import {s3Flags} from '../cli/s3-flags.js'
import {formatBytes, formatDuration, parseDuration} from '../cli/units.js'
import {describeInvalidName} from '../core/index.js'
import {ErrorsFile} from '../tools/publish/errors-file.js'
import {DEFAULT_LIMITS} from '../tools/publish/nsqd-limits.js'
import {CheckpointError} from '../tools/replay/checkpoint.js'
import {NoSuchArchive} from '../tools/replay/local-files.js'
import {runReplay, type ReplayResult} from '../tools/replay/run-replay.js'
import {failedCount, formatSummary, type ReplayStats, type ReplaySummary} from '../tools/replay/summary.js'
import {parseTimeBound, type TimeRange} from '../tools/replay/time-range.js'
import {formatCount} from '../tools/format-count.js'

const SOURCE = 'ARCHIVE'

export default class Replay extends NsqCommand<typeof Replay> {
  static override summary = 'Publish archived messages back into a topic, by time range, resumable'

  static override description = [
    'Reads archives written by `nsq to-file` (plain or gzip, raw lines or --format json envelopes, with or without',
    'manifests) and by the official nsq_to_file (plain or multi-member gzip) and publishes every record again, through',
    "the same publisher as `nsq to-nsq` (MPUB batches capped by nsqd's limits, round-robin with failover or fanout).",
    'PATH is a file, a folder (walked; hidden files such as manifests are left out), a glob, or - for stdin;',
    '--s3-bucket / --s3-prefix read the objects to-file uploaded.',
    '',
    'Files are replayed in time order, records in file order. --since / --until (RFC 3339, a date, or a duration ago',
    "such as 2h) skip files wholly outside the range without reading them: by their manifest's first / last timestamp,",
    'else by the datetime in their name (--datetime-format; a file named 2024-05-01_10 was written from 10:00 to 11:00).',
    'Inside a file, JSON envelopes are filtered by their timestamp; raw records have none and follow their file.',
    '',
    'A gzip file whose last member is cut short (a writer that crashed) is replayed up to the tear: every whole line',
    'before it is published, the tear is reported and the cut line goes to --errors as "incomplete" (exit 3).',
    '',
    '--checkpoint FILE records, durably (fsync) and only for records nsqd acknowledged, how far each file was replayed.',
    'After a crash or kill -9 the same command goes on from there; at most one in-flight window (16 batches of',
    '--batch-size; 1 with --ordered) is sent again, and the summary says how many that is. Ctrl-C drains, writes the',
    'checkpoint and exits 130.',
    '',
    exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.USAGE, EXIT.PARTIAL, EXIT.UNAVAILABLE, EXIT.INTERRUPTED], {
      [EXIT.PARTIAL]: 'some records not replayed (in --errors) or a file not readable to its end',
      [EXIT.UNAVAILABLE]: 'nsqd unreachable or refusing',
      [EXIT.INTERRUPTED]: 'interrupted (Ctrl-C before the end)',
    }),
  ].join('\n')

  static override examples = [
    {
      description: 'Replay yesterday afternoon of an archive into a new topic',
      command:
        '<%= config.bin %> <%= command.id %> orders-replay /data/archive --since 2024-05-01T12:00:00Z --until 2024-05-01T18:00:00Z --nsqd-tcp-address 127.0.0.1:4150',
    },
    {
      description: 'The last 2 hours, each record back to the topic it was archived from, one batch in flight',
      command:
        "<%= config.bin %> <%= command.id %> '/data/archive/*.gz' --topic-from-envelope --since 2h --ordered --lookupd-http-address 127.0.0.1:4161",
    },
    {
      description: 'From S3, resumable, checking each file against its manifest first',
      command:
        '<%= config.bin %> <%= command.id %> events --s3-bucket archive --s3-prefix events/ --verify --checkpoint replay.ckpt --nsqd-tcp-address 127.0.0.1:4150',
    },
    {
      description: 'What would be replayed',
      command: '<%= config.bin %> <%= command.id %> events /data/archive --since 6h --dry-run',
    },
    {
      description: 'From a pipe',
      command: 'zcat old.log.gz | <%= config.bin %> <%= command.id %> events - --nsqd-tcp-address 127.0.0.1:4150',
    },
  ]

  static override enableJsonFlag = true
  static override strict = false

  static override args = {
    topic: Args.string({
      description: 'topic to publish to (with --topic-from-envelope: a path, like the rest)',
      required: false,
      ignoreStdin: true,
    }),
    path: Args.string({description: 'archive files, folders or globs; - for stdin', required: false, ignoreStdin: true}),
  }

  static override flags = {
    topic: Flags.string({summary: 'topic to publish to (instead of the first argument; the fallback with --topic-from-envelope)'}),
    'topic-from-envelope': Flags.boolean({
      summary: 'publish each JSON record to the topic it was archived from (every argument is then a path)',
    }),
    'topic-map': Flags.string({
      summary: 'with --topic-from-envelope: publish topic FROM to TO instead (repeatable)',
      helpValue: 'FROM=TO',
      multiple: true,
    }),
    since: Flags.string({
      summary: 'replay records from this time on: RFC 3339, a date, or a duration ago (2h, 30m, 1d)',
      helpGroup: SOURCE,
    }),
    until: Flags.string({summary: 'replay records before this time (same forms as --since)', helpGroup: SOURCE}),
    'input-format': Flags.option({
      options: ['auto', 'raw', 'json'] as const,
      default: 'auto',
      summary: "auto: the manifest's format, else JSON when the first line is an envelope; raw: each line is a body; json: envelopes",
      helpGroup: SOURCE,
    })(),
    'datetime-format': Flags.string({
      summary: 'strftime format of <DATETIME> in the file names (as given to to-file / nsq_to_file)',
      default: '%Y-%m-%d_%H',
      helpGroup: SOURCE,
    }),
    'datetime-utc': Flags.boolean({
      summary: 'the datetime in file names is UTC (default: local time, as nsq_to_file writes it)',
      helpGroup: SOURCE,
    }),
    verify: Flags.boolean({
      summary: 'check each file against its manifest (records, size, sha256) before publishing it; a mismatch stops with exit 3',
    }),
    'skip-bad': Flags.boolean({summary: 'with --verify: skip a file that fails the check (reported) and go on', dependsOn: ['verify']}),
    ordered: Flags.boolean({summary: 'one batch in flight at a time, so each nsqd receives the records in archive order'}),
    checkpoint: Flags.string({summary: 'resume file: replay continues from it after a crash, and records progress in it (durably)'}),
    'dry-run': Flags.boolean({summary: 'count the files, records and bytes in range; publish nothing'}),
    'nsqd-tcp-address': nsqdTcpAddressFlag,
    'lookupd-http-address': lookupdHttpAddressFlag,
    'nsqd-http-address': nsqdHttpAddressFlag,
    mode: Flags.option({
      options: ['round-robin', 'fanout'] as const,
      default: 'round-robin',
      summary: 'round-robin: spread over the nsqd with failover; fanout: every message to every nsqd',
    })(),
    'batch-size': Flags.integer({min: 1, default: 200, summary: 'most messages per MPUB'}),
    rate: Flags.integer({min: 0, default: 0, summary: 'at most this many messages per second overall (0 = unlimited)'}),
    errors: Flags.string({summary: 'write every record not published to this file (NDJSON, as to-nsq\'s, with "file")'}),
    'max-message-bytes': sizeFlag({
      summary: `largest message body when nsqd's HTTP API is not reachable (default ${DEFAULT_LIMITS.maxMessageBytes})`,
    }),
    'max-body-bytes': sizeFlag({
      summary: `largest MPUB body when nsqd's HTTP API is not reachable (default ${DEFAULT_LIMITS.maxBodyBytes})`,
    }),
    's3-bucket': Flags.string({
      summary: 'read the archive objects of this S3 (or S3-compatible) bucket',
      env: 'NSQ_S3_BUCKET',
      helpGroup: 'S3',
    }),
    's3-prefix': Flags.string({summary: 'only the objects whose key starts with this', default: '', helpGroup: 'S3'}),
    's3-endpoint': s3Flags['s3-endpoint'],
    's3-region': s3Flags['s3-region'],
    's3-force-path-style': s3Flags['s3-force-path-style'],
    's3-timeout': s3Flags['s3-timeout'],
    ...securityFlags,
    'heartbeat-interval': liveness['heartbeat-interval'],
  }

  async run(): Promise<ReplaySummary> {
    const flags = this.flags
    const {topic, paths} = this.topicAndPaths()
    const tcp = flags['nsqd-tcp-address'] ?? []
    const lookupd = flags['lookupd-http-address'] ?? []
    if (tcp.length > 0 && lookupd.length > 0) this.usage('use --nsqd-tcp-address or --lookupd-http-address, not both')
    if (tcp.length === 0 && lookupd.length === 0 && !flags['dry-run'])
      this.usage('--nsqd-tcp-address or --lookupd-http-address required', [
        'e.g. --nsqd-tcp-address 127.0.0.1:4150, or set NSQ_NSQD_TCP_ADDRESS',
      ])
    const bucket = flags['s3-bucket']
    if (paths.length === 0 && bucket === undefined)
      this.usage('nothing to replay: give archive files, folders or globs, - for stdin, or --s3-bucket')
    if (flags['s3-prefix'] !== '' && bucket === undefined) this.usage('--s3-prefix needs --s3-bucket')
    if (paths.filter((p) => p === '-').length > 1) this.usage('- (stdin) can be given once')
    if (flags.checkpoint !== undefined && paths.includes('-'))
      this.usage('--checkpoint cannot follow stdin (-): it cannot be read again from a position')
    if (flags.checkpoint !== undefined && flags['dry-run'])
      this.usage('--checkpoint and --dry-run do not go together: a dry run publishes nothing')
    if ((flags['topic-map'] ?? []).length > 0 && !flags['topic-from-envelope']) this.usage('--topic-map needs --topic-from-envelope')
    const range = this.timeRange()
    const errorsPath = flags.errors

    let progress: ProgressLine | undefined
    const say = (line: string): void => {
      progress?.clear()
      this.status(line)
    }
    const warned = new Set<string>()
    let firstFailure = true
    // The SDK warns on stderr about its future Node 22 requirement; users on Node 20 can do nothing about it.
    if (bucket !== undefined) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    let result: ReplayResult
    try {
      result = await runReplay({
        topic,
        topicFromEnvelope: flags['topic-from-envelope'],
        topicMap: this.topicMap(),
        paths,
        stdin: paths.includes('-') ? process.stdin : undefined,
        s3:
          bucket === undefined
            ? undefined
            : {
                bucket,
                prefix: flags['s3-prefix'],
                endpoint: flags['s3-endpoint'],
                region: flags['s3-region'],
                forcePathStyle: flags['s3-force-path-style'],
                requestTimeoutMs: flags['s3-timeout'],
              },
        range,
        datetimeFormat: flags['datetime-format'],
        nameUtc: flags['datetime-utc'],
        inputFormat: flags['input-format'],
        nsqd: tcp,
        lookupd,
        nsqdHttp: flags['nsqd-http-address'] ?? [],
        addressMap: addressMap(flags),
        http: httpOptions(flags, 2000),
        mode: flags.mode,
        connection: connectionSettings(flags),
        dryRun: flags['dry-run'],
        limitOverrides: {maxMessageBytes: flags['max-message-bytes'], maxBodyBytes: flags['max-body-bytes']},
        batchSize: flags['batch-size'],
        rate: flags.rate,
        ordered: flags.ordered,
        verify: flags.verify,
        skipBad: flags['skip-bad'],
        checkpointPath: flags.checkpoint,
        ...(errorsPath === undefined ? {} : {openErrorsFile: () => this.openErrors(errorsPath)}),
        signal: this.signal,
        events: {
          reading: (selection, stats) => {
            if (selection.selected.length === 0) say('no archive file overlaps the time range')
            progress = this.startProgress(stats)
          },
          readingDone: () => progress?.stop(),
          limitsUnread: (failure, source) =>
            say(
              `could not read limits from nsqd's HTTP API (${failure})${source === 'flags' ? '; using --max-message-bytes / --max-body-bytes' : ''}`,
            ),
          leftOut: (refusal, remaining) =>
            say(`nsqd ${refusal.nsqd ?? ''} refused publishing (${refusal.error.message}): left out; going on with the other ${remaining}`),
          disconnected: (address, error) => {
            if (error !== undefined && !this.signal.aborted) say(`lost ${address}: ${error.message} (reconnecting)`)
          },
          retrying: (address, error) => {
            if (warned.has(address)) return
            warned.add(address)
            say(`publishes failed on ${address} (${error.message}); trying again`)
          },
          notPublished: (failure) => {
            if (!firstFailure) return
            firstFailure = false
            say(
              `${failure.file} record ${failure.record} not published (${failure.reason}): ${failure.error}${errorsPath === undefined ? '' : ` (see ${errorsPath})`}`,
            )
          },
          torn: (torn) =>
            say(
              `${torn.file}: gzip torn after ${formatCount(torn.storedBytes)} stored bytes (${torn.error}); every whole record before it is replayed${torn.remainderBytes > 0 ? `, the cut line (${torn.remainderBytes} bytes) is not` : ''}`,
            ),
          badFile: (file, problem) => say(`${file} failed --verify: ${problem}${flags['skip-bad'] ? ' (skipped)' : ''}`),
        },
      })
    } catch (error) {
      if (error instanceof NoSuchArchive || error instanceof CheckpointError) this.usage(error.message)
      throw error
    } finally {
      progress?.stop()
      if (paths.includes('-')) process.stdin.destroy()
    }
    const {summary, refusal} = result
    if (!this.jsonEnabled()) for (const line of formatSummary(summary)) this.status(line)
    if (summary.checkpoint !== undefined && !this.jsonEnabled())
      this.status(
        `checkpoint ${summary.checkpoint.path}: ${summary.checkpoint.error === undefined ? 'written' : `FAILED (${summary.checkpoint.error})`}; a resumed run sends at most ${formatCount(summary.checkpoint.maxDuplicates)} records again (one in-flight window)`,
      )
    if (refusal !== undefined) {
      process.stderr.write(
        `Error: ${refusal.nsqd === undefined ? 'nsqd' : `nsqd ${refusal.nsqd}`} refused publishing: ${refusal.error.message}\n`,
      )
      for (const hint of toCliError(refusal.error).suggestions ?? []) process.stderr.write(`hint: ${hint}\n`)
    }
    const broken = result.errorsFile?.failure
    if (broken !== undefined)
      process.stderr.write(`Error: errors file ${errorsPath ?? ''} (--errors): ${broken.code} (${broken.message}); stopped reading\n`)
    return this.complete(result)
  }

  /** TOPIC and PATH…, or (with --topic / --topic-from-envelope) PATH… alone. */
  private topicAndPaths(): {topic: string | undefined; paths: string[]} {
    const raw = [...this.positional]
    const flags = this.flags
    let topic = flags.topic
    let paths = raw
    if (topic === undefined && !flags['topic-from-envelope']) {
      topic = raw[0]
      paths = raw.slice(1)
      if (topic === undefined) this.usage('a topic is required: nsq replay TOPIC PATH… (or --topic TOPIC, or --topic-from-envelope)')
    }
    if (topic !== undefined) {
      const invalid = describeInvalidName('topic', topic)
      if (invalid !== undefined) this.usage(invalid)
    }
    return {topic, paths}
  }

  /** Every positional argument (TOPIC and PATH…: the command takes any number). */
  private positional: string[] = []

  override async init(): Promise<void> {
    await super.init()
    const {argv} = await this.parse({
      flags: Replay.flags,
      baseFlags: NsqCommand.baseFlags,
      args: Replay.args,
      strict: false,
      enableJsonFlag: true,
    })
    this.positional = argv.map(String)
  }

  private timeRange(): TimeRange {
    const now = Date.now()
    const bound = (flag: 'since' | 'until'): number | undefined => {
      const text = this.flags[flag]
      if (text === undefined) return undefined
      try {
        return parseTimeBound(text, now, parseDuration)
      } catch (error) {
        return this.usage(`--${flag}: ${(error as Error).message}`)
      }
    }
    const range = {sinceMs: bound('since'), untilMs: bound('until')}
    if (range.sinceMs !== undefined && range.untilMs !== undefined && range.untilMs <= range.sinceMs)
      this.usage(`--until (${new Date(range.untilMs).toISOString()}) must be after --since (${new Date(range.sinceMs).toISOString()})`)
    return range
  }

  private topicMap(): Map<string, string> {
    const map = new Map<string, string>()
    for (const entry of this.flags['topic-map'] ?? []) {
      const at = entry.indexOf('=')
      const from = entry.slice(0, at)
      const to = entry.slice(at + 1)
      if (at <= 0 || to === '') this.usage(`--topic-map ${entry}: use FROM=TO`)
      const invalid = describeInvalidName('topic', to)
      if (invalid !== undefined) this.usage(`--topic-map ${entry}: ${invalid}`)
      map.set(from, to)
    }
    return map
  }

  private openErrors(path: string): ErrorsFile {
    try {
      return new ErrorsFile(path)
    } catch (error) {
      return this.usage(`--errors ${path}: ${(error as Error).message}`)
    }
  }

  private startProgress(stats: Readonly<ReplayStats>): ProgressLine {
    const started = performance.now()
    return startProgressLine({
      enabled: !this.flags.quiet && !this.jsonEnabled(),
      render: () => {
        const secs = (performance.now() - started) / 1000
        const fraction = stats.bytesTotal > 0 ? Math.min(1, stats.bytesRead / stats.bytesTotal) : 0
        const eta = fraction > 0 && fraction < 1 ? ` · ETA ${formatDuration(((1 - fraction) / fraction) * secs * 1000)}` : ''
        const width = 20
        const filled = Math.round(fraction * width)
        const bar =
          stats.bytesTotal > 0
            ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${formatBytes(stats.bytesRead)} / ${formatBytes(stats.bytesTotal)} · `
            : ''
        return `${bar}${formatCount(stats.published)} published · ${formatCount(Math.round(stats.published / Math.max(secs, 0.001)))} msg/s · ${failedCount(stats)} failed${eta}`
      },
    })
  }
}
