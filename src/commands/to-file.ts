import {Args, Flags} from '@oclif/core'
import {NsqCommand} from '../cli/base-command.js'
import type {DropInSpec} from '../cli/drop-in.js'
import {toFileDropIn} from '../cli/drop-in-specs.js'
import {EXIT, exitCodesHelp} from '../cli/exit-codes.js'
import {
  addressMap,
  connectionSettings,
  durationFlag,
  httpOptions,
  lookupdHttpAddressFlag,
  nsqdTcpAddressFlag,
  liveness,
  securityFlags,
  sizeFlag,
  jsonSummaryFlag,
} from '../cli/flags.js'
import {metricsFlags, openMetrics} from '../cli/metrics.js'
import {s3Flags, s3SinkFromFlags, type S3Sink} from '../cli/s3-flags.js'
import {startProgressLine, type ProgressLine} from '../cli/progress-line.js'
import {isTerminal} from '../cli/terminal.js'
import {formatBytes, formatDuration} from '../cli/units.js'
import type {SyncObserver} from '../tools/metrics/observers.js'
import {describeWait} from '../tools/source/describe-wait.js'
import {exitCodeForLeftover} from '../tools/to-file/file-shipper.js'
import {plural} from '../tools/plural.js'
import {DEFAULT_DATETIME_FORMAT, DEFAULT_FILENAME_FORMAT} from '../tools/to-file/naming.js'
import {archiveConfig, ToFile, type ToFileSummary} from '../tools/to-file/run-to-file.js'
import type {TopicArchiverStats} from '../tools/to-file/topic-archiver.js'

const FILES = 'FILES'
const EXTRAS = 'BEYOND NSQ_TO_FILE'

/** The `--json` summary. */
export type ToFileResult = ToFileSummary & {s3?: ReturnType<S3Sink['stats']>}

export default class ToFileCommand extends NsqCommand<typeof ToFileCommand> {
  static override summary = 'Archive topics to rotating local files (and S3), crash-safe; a drop-in for nsq_to_file'
  static override leanHeap = true

  static override description = `Consumes a channel (default nsq_to_file) of each topic and appends every message as one line to files named like nsq_to_file's (--filename-format tokens <TOPIC> <HOST> <REV> <PID> <DATETIME>; --datetime-format is strftime in local time). Same flags, defaults, names and contents as nsq_to_file.

Durability: a message is FIN'd only after the bytes holding it are fsynced. gzip files get one gzip member per sync. After kill -9, the next start cuts each file left in the work dir at its last complete sync (gzip: last whole member; plain: the sync journal .<file>.sync) and finishes it into the output dir, so every file there is readable; what was cut was never FIN'd and comes back from nsqd (at-least-once: duplicates only, never loss).

Files in progress sit in --work-dir (default: the output dir) beside a hidden .<file>.open marker; finished files are moved (hard link + unlink, never overwriting: the revision is bumped) into --output-dir, with a hidden .<file>.manifest.json beside them (messages, bytes, first/last timestamp, sha256, format, gzip), so the output dir lists only what nsq_to_file's does. The output dir and work dir are checked at start (made if missing, writable, one filesystem): exit 2 otherwise.

With --s3-bucket, file names are never reused, even across restarts within the same hour: <REV> is always kept (nsq_to_file drops it when appending) and required in --filename-format (exit 2 without it), files are opened exclusively (never appended to), and each topic keeps a hidden .<topic>.rev.json ledger in the work dir of the revisions already handed out, so a restart continues above them instead of reusing a name whose file was uploaded and deleted.

SIGHUP closes the current files (next message opens new ones). SIGINT/SIGTERM drain: RDY 0, sync, FIN, close, exit 0 (69 when files are left for an S3 store that is failing; the next start uploads them).

${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.USAGE, EXIT.UNAVAILABLE, EXIT.INTERRUPTED], {[EXIT.OK]: 'ok (also after a Ctrl-C drain)', [EXIT.FAILURE]: "runtime failure (e.g. a full disk; nothing unwritten is FIN'd)", [EXIT.UNAVAILABLE]: 'nsqd / lookupd unreachable or refusing, or files left for a failing S3 store', [EXIT.INTERRUPTED]: 'a second Ctrl-C'})}`

  static override examples = [
    {
      description: 'Archive one topic hourly under /data/archive',
      command: '<%= config.bin %> <%= command.id %> --topic events --output-dir /data/archive --nsqd-tcp-address 127.0.0.1:4150',
    },
    {
      description: 'Every topic matching a pattern, gzip, 100 MB files, finished files only in the output dir',
      command:
        "<%= config.bin %> <%= command.id %> --topic-pattern '^orders\\.' --gzip --rotate-size 100MB --work-dir /data/work --output-dir /data/archive --lookupd-http-address 127.0.0.1:4161",
    },
    {
      description: 'Replayable NDJSON archive, uploaded to S3-compatible storage',
      command:
        '<%= config.bin %> <%= command.id %> --topic events --format json --gzip --s3-bucket archive --s3-prefix "<TOPIC>/<DATETIME>/" --s3-endpoint http://127.0.0.1:9000 --s3-force-path-style --nsqd-tcp-address 127.0.0.1:4150',
    },
    {description: 'Rotate now', command: 'kill -HUP <pid>'},
  ]

  static override enableJsonFlag = true

  static override args = {
    topic: Args.string({description: 'topic to archive (same as --topic)', required: false, ignoreStdin: true}),
  }

  static override flags = {
    json: jsonSummaryFlag,
    topic: Flags.string({summary: 'topic to archive; repeatable (one consumer and one file per topic)', multiple: true}),
    'topic-pattern': Flags.string({summary: 'regex (unanchored): archive every lookupd topic matching it, or filter --topic'}),
    'topic-refresh': durationFlag({
      summary: "how often lookupd's topic list is read for --topic-pattern",
      default: 60_000,
      defaultHelp: async () => '1m',
    }),
    channel: Flags.string({char: 'c', summary: 'channel to consume', default: 'nsq_to_file'}),
    'max-in-flight': Flags.integer({
      summary:
        'messages in flight per topic, also the most held unsynced (nsq_to_file: 200; more keeps nsqd streaming during an fdatasync)',
      default: 1000,
      min: 1,
    }),
    'output-dir': Flags.string({summary: 'directory for finished files', default: '/tmp', helpGroup: FILES}),
    'work-dir': Flags.string({
      summary: 'directory for files being written (default: --output-dir); same filesystem as --output-dir',
      default: '',
      helpGroup: FILES,
    }),
    'filename-format': Flags.string({
      summary: 'file name: <TOPIC> <HOST> <REV> <PID> <DATETIME>; / makes subdirectories',
      default: DEFAULT_FILENAME_FORMAT,
      helpGroup: FILES,
    }),
    'datetime-format': Flags.string({
      summary: 'strftime format of <DATETIME> (local time); a change rotates',
      default: DEFAULT_DATETIME_FORMAT,
      helpGroup: FILES,
    }),
    'host-identifier': Flags.string({
      summary: 'value of <HOST> (may hold <SHORT_HOST>, <HOSTNAME>); default the short host name',
      default: '',
      helpGroup: FILES,
    }),
    gzip: Flags.boolean({summary: 'gzip files (.gz appended; one member per sync)', helpGroup: FILES}),
    'gzip-level': Flags.integer({summary: 'gzip level 1 (fastest) to 9 (smallest)', default: 6, helpGroup: FILES}),
    'skip-empty-files': Flags.boolean({summary: 'do not open a new file on a rotation tick until a message arrives', helpGroup: FILES}),
    'rotate-size': sizeFlag({summary: 'rotate after this many (uncompressed) bytes; 0 = off', default: 0, helpGroup: FILES}),
    'rotate-interval': durationFlag({summary: 'rotate files open longer than this; 0 = off', default: 0, helpGroup: FILES}),
    'sync-interval': durationFlag({
      summary: "longest time between syncs (keep below nsqd's --msg-timeout)",
      default: 30_000,
      defaultHelp: async () => '30s',
      helpGroup: FILES,
    }),
    'http-client-connect-timeout': durationFlag({summary: 'lookupd HTTP connect timeout', default: 2000, defaultHelp: async () => '2s'}),
    'http-client-request-timeout': durationFlag({summary: 'lookupd HTTP request timeout', default: 5000, defaultHelp: async () => '5s'}),
    format: Flags.option({
      options: ['raw', 'json'] as const,
      default: 'raw',
      summary: 'raw: body + newline; json: the nsq tail --format json envelope (replay with to-nsq --input-format json)',
      helpGroup: EXTRAS,
    })(),
    manifest: Flags.boolean({
      allowNo: true,
      default: true,
      summary: 'write a hidden .<file>.manifest.json beside each finished file',
      helpGroup: EXTRAS,
    }),
    'redelivery-window': Flags.integer({
      summary:
        'ids per topic remembered to drop a message nsqd delivers again (same nsqd, same id: after a lost connection, a timeout or an nsqd restart) instead of archiving it twice; 0 = off',
      default: 16_384,
      min: 0,
      helpGroup: EXTRAS,
    }),
    'dedupe-window': Flags.integer({
      summary: 'drop a body seen among the last N (for redundant nsqd pairs); 0 = off',
      default: 0,
      min: 0,
      helpGroup: EXTRAS,
    }),
    'drain-timeout': durationFlag({
      summary: 'on stop, longest wait for nsqd to take back what is in flight',
      default: 30_000,
      defaultHelp: async () => '30s',
      helpGroup: EXTRAS,
    }),
    'nsqd-tcp-address': nsqdTcpAddressFlag,
    'lookupd-http-address': lookupdHttpAddressFlag,
    ...securityFlags,
    ...liveness,
    ...s3Flags,
    ...metricsFlags,
  }

  /** nsq_to_file's Go-style flags; `-consumer-opt` carries over where we have a flag, log options are accepted and ignored. */
  static dropIn: DropInSpec = toFileDropIn

  async run(): Promise<ToFileResult> {
    const {flags, args} = this
    const topics = [...(args.topic === undefined ? [] : [args.topic]), ...(flags.topic ?? [])]
    let pattern: RegExp | undefined
    try {
      pattern = flags['topic-pattern'] === undefined || flags['topic-pattern'] === '' ? undefined : new RegExp(flags['topic-pattern'])
    } catch (error) {
      this.usage(`--topic-pattern: ${(error as Error).message}`)
    }
    if (flags['gzip-level'] < 1 || flags['gzip-level'] > 9) this.usage('--gzip-level must be 1-9')
    const tty = isTerminal(process.stderr) && !flags.quiet && !flags.json
    // A sink deletes (or marks) uploaded files, so names must never be reused: <REV> kept and required, a revision ledger.
    const uniqueNames = flags['s3-bucket'] !== undefined && flags['s3-bucket'] !== ''
    const config = archiveConfig({
      ...flags,
      uniqueNames,
      outputDir: flags['output-dir'],
      workDir: flags['work-dir'],
      gzipLevel: flags['gzip-level'],
      rotateSize: flags['rotate-size'],
      rotateIntervalMs: flags['rotate-interval'],
      manifest: flags.manifest,
    })
    let sink: S3Sink | undefined
    // --metrics-address: opened once the options are known good (below); the callbacks reach it from there.
    let uploadLatency: {observe(seconds: number): void} | undefined
    let syncObserver: SyncObserver | undefined
    const openShipper = async (): Promise<S3Sink | undefined> => {
      sink = await s3SinkFromFlags(flags, {
        outputDir: config.outputDir,
        host: flags['host-identifier'] === '' ? undefined : flags['host-identifier'],
        datetimeFormat: flags['datetime-format'],
        filenameFormat: flags['filename-format'],
        onEvent: (event) => {
          if (event.type === 'uploaded' && !event.alreadyThere) uploadLatency?.observe(event.ms / 1000)
          if (event.type === 'retry') this.note(`s3: ${event.name}: attempt ${event.attempt} failed (${event.error}); retrying`)
          else if (event.type === 'uploaded' && !tty) this.note(`s3: uploaded ${event.name} → ${event.key}`)
          else if (event.type === 'unreachable')
            this.note(
              `s3: the store is unreachable (${event.error}); finished files wait in ${config.outputDir} and are uploaded once it answers`,
            )
          else if (event.type === 'draining')
            this.note(
              `s3: uploading ${plural(event.files, 'file')} (${formatBytes(event.bytes)}) before exit${event.timeoutMs === undefined ? '' : `, for up to ${formatDuration(event.timeoutMs)}`}${event.lastError === undefined ? '' : `; the last attempt failed: ${event.lastError}`} (what is left is uploaded on the next start)`,
            )
        },
      })
      return sink
    }
    const toFile = new ToFile({
      topics,
      ...(pattern === undefined ? {} : {topicPattern: pattern}),
      topicRefreshMs: flags['topic-refresh'],
      channel: flags.channel,
      nsqd: flags['nsqd-tcp-address'] ?? [],
      lookupd: flags['lookupd-http-address'] ?? [],
      maxInFlight: flags['max-in-flight'],
      outputDir: flags['output-dir'],
      workDir: flags['work-dir'],
      datetimeFormat: flags['datetime-format'],
      filenameFormat: flags['filename-format'],
      uniqueNames,
      hostIdentifier: flags['host-identifier'],
      gzip: flags.gzip === true,
      gzipLevel: flags['gzip-level'],
      skipEmptyFiles: flags['skip-empty-files'],
      rotateSize: flags['rotate-size'],
      rotateIntervalMs: flags['rotate-interval'],
      syncIntervalMs: Math.max(1, flags['sync-interval']),
      format: flags.format,
      manifest: flags.manifest,
      dedupeWindow: flags['dedupe-window'],
      redeliveryWindow: flags['redelivery-window'],
      drainTimeoutMs: flags['drain-timeout'],
      connection: connectionSettings(flags),
      addressMap: addressMap(flags),
      lookupdPollIntervalMs: flags['lookupd-poll-interval'],
      lookupdHttp: httpOptions(flags, flags['http-client-connect-timeout'] + flags['http-client-request-timeout']),
      openShipper,
      signal: this.signal,
      ...(flags['metrics-address'] === undefined ? {} : {syncObserver: {synced: (topic, s) => syncObserver?.synced(topic, s)}}),
      events: {
        repaired: (r) =>
          this.note(
            r.file === undefined
              ? `repaired: removed an empty file left by a crash (${plural(r.cutBytes, 'byte')} cut)`
              : `repaired ${r.file.name}: cut ${plural(r.cutBytes, 'byte')} after the last sync; ${plural(r.file.manifest.messages, 'message')} kept`,
          ),
        topicAdded: (topic, consumer) => {
          metrics?.consumer(topic, consumer)
          if (!tty) this.note(`archiving topic ${topic} (channel ${flags.channel})`)
        },
        topicFailed: (topic, error) => process.stderr.write(`error: cannot consume topic ${topic}: ${error.message}\n`),
        finished: (file) => {
          if (!tty)
            this.note(
              `finished ${file.name}: ${plural(file.manifest.messages, 'message')}, ${formatBytes(file.manifest.bytes)} on disk${file.manifest.gzip ? ' (gzip)' : ''}`,
            )
        },
        lookupdError: (address, error) => this.note(`lookupd ${address}: ${error.message}`),
        disconnected: (topic, address, error) => {
          metrics?.connectionLost(topic, address)
          if (!this.signal.aborted) this.note(`${topic}: lost ${address}: ${error.message} (reconnecting)`)
        },
        // Said once per nsqd (the topic source's rule).
        connectFailed: (topic, address, error) => this.note(`${topic}: cannot connect to ${address}: ${error.message}; retrying`),
        waiting: (wait) => this.note(describeWait(wait)),
        warning: (text) => {
          this.progress?.clear()
          this.warn(text)
        },
      },
    })
    const metrics = await openMetrics(flags['metrics-address'], 'to-file', (line) => this.note(line))
    if (metrics !== undefined) {
      syncObserver = metrics.syncObserver()
      uploadLatency = metrics.histogram('nsq_toolkit_upload_duration_seconds', 'Time to upload one finished file to S3 (retries included)')
      const perTopic = (pick: (s: TopicArchiverStats) => number) => () =>
        Object.entries(toFile.stats.topics).map(([topic, s]) => [{topic}, pick(s)] as const)
      metrics.counter(
        'nsq_toolkit_archived_messages_total',
        'Messages written to archive files',
        perTopic((s) => s.messages),
        ['topic'],
      )
      metrics.counter(
        'nsq_toolkit_archived_bytes_total',
        'Bytes written to archive files (before gzip)',
        perTopic((s) => s.bytes),
        ['topic'],
      )
      metrics.counter(
        'nsq_toolkit_files_finished_total',
        'Archive files finished (synced, moved to the output dir, manifest written)',
        perTopic((s) => s.filesFinished),
        ['topic'],
      )
      metrics.counter(
        'nsq_toolkit_syncs_total',
        'Batches fdatasynced',
        perTopic((s) => s.syncs),
        ['topic'],
      )
      metrics.counter(
        'nsq_toolkit_duplicates_dropped_total',
        "Messages dropped as duplicates or redeliveries (and FIN'd)",
        perTopic((s) => s.duplicatesDropped + s.redeliveriesDropped),
        ['topic'],
      )
      metrics.gauge('nsq_toolkit_upload_backlog_files', 'Finished files waiting to be uploaded', () => sink?.stats().pendingFiles ?? 0)
      metrics.gauge(
        'nsq_toolkit_upload_backlog_bytes',
        'Bytes of finished files waiting to be uploaded',
        () => sink?.stats().pendingBytes ?? 0,
      )
      metrics.counter('nsq_toolkit_uploaded_files_total', 'Files uploaded to S3', () => sink?.stats().uploadedFiles ?? 0)
      metrics.counter('nsq_toolkit_uploaded_bytes_total', 'Bytes uploaded to S3', () => sink?.stats().uploadedBytes ?? 0)
      metrics.counter('nsq_toolkit_upload_retries_total', 'Upload attempts that failed and were retried', () => sink?.stats().retries ?? 0)
    }
    const onHup = (): void => toFile.rotate()
    process.on('SIGHUP', onHup)
    let last = {at: Date.now(), messages: 0}
    const progress = startProgressLine({
      enabled: tty,
      intervalMs: 1000,
      render: () => {
        const s = toFile.stats
        const now = Date.now()
        const rate = ((s.messages - last.messages) * 1000) / Math.max(1, now - last.at)
        last = {at: now, messages: s.messages}
        const s3 = sink?.stats()
        const upload = s3 === undefined ? '' : `, s3 ${s3.uploadedFiles} up / ${s3.pendingFiles} pending`
        return `${plural(Object.keys(s.topics).length, 'topic')}, ${plural(s.messages, 'msg')} (${Math.round(rate)}/s), ${formatBytes(s.bytes)}, ${plural(s.filesFinished, 'file')} done${upload}`
      },
    })
    this.progress = progress
    try {
      const summary = await toFile.run()
      progress.stop()
      this.note(
        `to-file: ${plural(summary.messages, 'message')} (${formatBytes(summary.bytes)} of lines, uncompressed) in ${plural(summary.filesFinished, 'file')}${summary.redeliveriesDropped > 0 ? `, ${plural(summary.redeliveriesDropped, 'redelivery', {plural: 'redeliveries'})} dropped` : ''}${summary.duplicatesDropped > 0 ? `, ${plural(summary.duplicatesDropped, 'duplicate')} dropped` : ''}${summary.filesRepaired > 0 ? `, ${plural(summary.filesRepaired, 'file')} repaired` : ''}`,
      )
      const left = summary.unshipped
      if (left !== undefined && left.files > 0)
        this.note(
          `s3: ${plural(left.files, 'file')} (${formatBytes(left.bytes)}) left in ${config.outputDir} to upload on the next start${left.lastError === undefined ? '' : ` (the store is failing: ${left.lastError})`}`,
        )
      const s3 = sink?.stats()
      return this.complete({summary: {...summary, ...(s3 === undefined ? {} : {s3})}, exitCode: exitCodeForLeftover(left)})
    } finally {
      progress.stop()
      process.off('SIGHUP', onHup)
      await metrics?.close()
    }
  }

  /** The live status line while it runs (erased before any other stderr line). */
  private progress: ProgressLine | undefined

  private note(line: string): void {
    if (this.flags.json) return
    this.progress?.clear()
    this.status(line)
  }
}
