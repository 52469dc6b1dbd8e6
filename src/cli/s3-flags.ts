/**
 * The S3 upload flags of `nsq to-file` and the converter that opens the uploader from them.
 * The AWS SDK is loaded only when `--s3-bucket` is given (a dynamic import), so no command pays
 * for it otherwise. Credentials and the usual settings come from the SDK's standard chain:
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws/config,
 * SSO, web identity, container and instance roles; AWS_REGION and AWS_ENDPOINT_URL(_S3) too.
 */
import os from 'node:os'
import {Flags} from '@oclif/core'
import {NsqError} from '../core/index.js'
import type {FileShipper} from '../tools/to-file/file-shipper.js'
import type {UploaderEvent, UploaderStats} from '../tools/s3/uploader.js'
import {prefixProblem} from '../tools/s3/object-key.js'
import {DEFAULT_DATETIME_FORMAT} from '../tools/to-file/naming.js'
import {topicFromName} from '../tools/s3/topic-from-name.js'
import {nameDepth} from '../tools/to-file/naming.js'
import {durationFlag, sizeFlag} from './flags.js'
import {leanHeapForSdk} from './lean-heap.js'

const S3 = 'S3 UPLOAD'

/** Flags for the S3 upload of finished files: spread into a command's `flags`. */
export const s3Flags = {
  's3-bucket': Flags.string({
    summary: 'upload each finished file to this S3 (or S3-compatible) bucket, then delete it locally',
    env: 'NSQ_S3_BUCKET',
    helpGroup: S3,
  }),
  's3-prefix': Flags.string({
    summary:
      'key prefix, with the --filename-format tokens <TOPIC> <HOST> <PID> <DATETIME> (UTC, --s3-datetime-format); the file name follows it, so end it with / for a folder',
    default: '',
    helpGroup: S3,
  }),
  's3-datetime-format': Flags.string({
    summary:
      'strftime format of <DATETIME> in --s3-prefix (default: --datetime-format), e.g. %Y/%m/%d for date folders in the bucket while file names keep theirs',
    helpGroup: S3,
  }),
  's3-endpoint': Flags.string({
    summary: 'endpoint URL of an S3-compatible service (MinIO, R2, Ceph…); default AWS, or AWS_ENDPOINT_URL_S3',
    helpGroup: S3,
  }),
  's3-region': Flags.string({summary: "region (default AWS_REGION / the profile's, else us-east-1)", helpGroup: S3}),
  's3-force-path-style': Flags.boolean({
    summary: 'path-style URLs (endpoint/bucket/key), needed by most S3-compatible servers',
    helpGroup: S3,
  }),
  'keep-local': Flags.boolean({
    summary: 'keep local files after upload (a hidden .<file>.s3.json marker records the upload)',
    helpGroup: S3,
  }),
  's3-spool-max': sizeFlag({
    summary:
      "pending upload bytes above which archiving pauses until uploads catch up: nothing is written or FIN'd, at most --max-in-flight messages are held (touched) and the rest wait in nsqd",
    default: 1024 ** 3,
    defaultHelp: async () => '1GiB',
    helpGroup: S3,
  }),
  's3-spool-max-files': Flags.integer({
    summary: 'pending upload files above which archiving pauses (as --s3-spool-max)',
    default: 100,
    min: 1,
    helpGroup: S3,
  }),
  's3-concurrency': Flags.integer({summary: 'files uploaded at once', default: 2, min: 1, max: 64, helpGroup: S3}),
  's3-part-size': sizeFlag({
    summary: 'multipart part size; files larger than it use multipart upload (min 5MiB)',
    default: 16 * 1024 * 1024,
    defaultHelp: async () => '16MiB',
    helpGroup: S3,
  }),
  's3-timeout': durationFlag({
    summary: 'an S3 request with no progress for this long fails and is retried',
    default: 30_000,
    defaultHelp: async () => '30s',
    helpGroup: S3,
  }),
  's3-drain-timeout': durationFlag({
    summary: 'at exit, keep uploading pending files this long (the rest is uploaded on the next start)',
    default: 30_000,
    defaultHelp: async () => '30s',
    helpGroup: S3,
  }),
  's3-local-time': Flags.boolean({summary: 'format <DATETIME> in --s3-prefix in local time instead of UTC', helpGroup: S3}),
}

/** The parsed values of `s3Flags`. */
export interface S3FlagValues {
  's3-bucket'?: string | undefined
  's3-prefix': string
  's3-endpoint'?: string | undefined
  's3-region'?: string | undefined
  's3-force-path-style': boolean
  'keep-local': boolean
  's3-spool-max': number
  's3-spool-max-files': number
  's3-concurrency': number
  's3-part-size': number
  's3-timeout': number
  's3-drain-timeout': number
  's3-local-time': boolean
  's3-datetime-format'?: string | undefined
  /** to-file's `--manifest` / `--no-manifest`, when the command has it. */
  manifest?: boolean | undefined
}

/** What to-file knows that the uploader needs. */
export interface S3SinkContext {
  /** The output dir, where finished files and their manifests land. */
  outputDir: string
  /** `<HOST>`: to-file's `--host-identifier` (`<SHORT_HOST>`, `<HOSTNAME>` expanded; default: the short host name). */
  host?: string | undefined
  /** `--datetime-format` (default `%Y-%m-%d_%H`). */
  datetimeFormat?: string | undefined
  /** `--filename-format`: with `--datetime-format`, its `/` count is how deep pending files are looked for. */
  filenameFormat?: string | undefined
  /** The topics archived (`--topic`), to tell the topic of a pending file found on start. */
  topics?: readonly string[] | undefined
  /** Upload events, for status lines. */
  onEvent?: ((event: UploaderEvent) => void) | undefined
}

/** The S3 uploader as to-file sees it: a FileShipper with counters for its status and summary. */
export type S3Sink = FileShipper & {stats(): UploaderStats}

const config = (message: string): NsqError => new NsqError('CONFIG', message)

/**
 * Opens the S3 uploader described by the flags, or returns undefined when `--s3-bucket` is not
 * given. Pending uploads left in the output dir by an earlier run are queued at once. Throws a
 * CONFIG NsqError (exit 2) for invalid values.
 */
export async function s3SinkFromFlags(flags: S3FlagValues, context: S3SinkContext): Promise<S3Sink | undefined> {
  const bucket = flags['s3-bucket']
  if (bucket === undefined || bucket === '') {
    for (const flag of ['s3-prefix', 's3-endpoint', 's3-region', 's3-datetime-format'] as const) {
      if (flags[flag] !== undefined && flags[flag] !== '') throw config(`--${flag} needs --s3-bucket`)
    }
    if (flags['keep-local']) throw config('--keep-local needs --s3-bucket')
    return undefined
  }
  if (flags.manifest === false) {
    throw config('--no-manifest cannot be used with --s3-bucket: files waiting for upload after a crash are found by their manifest')
  }
  const problem = prefixProblem(flags['s3-prefix'])
  if (problem !== undefined) throw config(`--s3-prefix "${flags['s3-prefix']}" ${problem}`)
  const endpoint = flags['s3-endpoint']
  if (endpoint !== undefined) {
    let url: URL | undefined
    try {
      url = new URL(endpoint)
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw config(`--s3-endpoint "${endpoint}" is not an http(s) URL, e.g. https://s3.example.com or http://127.0.0.1:9000`)
    }
  }
  if (flags['s3-part-size'] < 5 * 1024 * 1024) throw config('--s3-part-size must be at least 5MiB (the S3 minimum)')
  // The SDK warns on stderr about its future Node 22 requirement; users on Node 20 can do nothing about it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  leanHeapForSdk()
  const {openS3Sink} = await import('../tools/s3/open-s3-sink.js')
  const hostname = os.hostname()
  const shortHost = hostname.split('.')[0] ?? hostname
  // --host-identifier may hold <SHORT_HOST> / <HOSTNAME>, as in file names.
  const host = (context.host ?? shortHost).replaceAll('<SHORT_HOST>', shortHost).replaceAll('<HOSTNAME>', hostname)
  const filenameFormat = context.filenameFormat ?? '<TOPIC>.<HOST><REV>.<DATETIME>.log'
  return openS3Sink({
    bucket,
    endpoint,
    region: flags['s3-region'],
    forcePathStyle: flags['s3-force-path-style'],
    multipartThreshold: flags['s3-part-size'],
    partSize: flags['s3-part-size'],
    requestTimeoutMs: flags['s3-timeout'],
    outputDir: context.outputDir,
    prefix: flags['s3-prefix'],
    keyTime: {
      datetimeFormat: flags['s3-datetime-format'] ?? context.datetimeFormat ?? DEFAULT_DATETIME_FORMAT,
      utc: !flags['s3-local-time'],
    },
    host,
    keepLocal: flags['keep-local'],
    spool: {maxBytes: flags['s3-spool-max'], maxFiles: flags['s3-spool-max-files']},
    concurrency: flags['s3-concurrency'],
    scanDepth: nameDepth(filenameFormat, context.datetimeFormat ?? DEFAULT_DATETIME_FORMAT),
    topicOf: (name) => topicFromName(name, filenameFormat, host, context.topics),
    closeTimeoutMs: flags['s3-drain-timeout'],
    ...(context.onEvent === undefined ? {} : {onEvent: context.onEvent}),
  })
}
