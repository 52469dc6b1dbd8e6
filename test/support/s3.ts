/**
 * A real S3-compatible server on loopback for the S3 upload tests (DESIGN.md §3): versitygw over a
 * temp folder (or moto's server when versitygw could not be built), from S3_SERVER_BIN, which the
 * vitest global setup sets with scripts/ensure-s3.mjs. Started on a free 127.0.0.1 port, stopped
 * by pid; it can be paused (SIGSTOP: connections hang) or stopped and started again on the same
 * port and folder (connections refused meanwhile) to simulate outages.
 */
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type {ChildProcess} from 'node:child_process'
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3'
import {collectOutput, spawnTracked, stopChild} from './processes.js'

const HOST = '127.0.0.1'
// The SDK warns on every client about its future Node 22 requirement; the tests run on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

/** A running (or, between stop() and start(), stopped) S3-compatible server. */
export interface S3Server {
  /** `versitygw` or `moto` (moto keeps objects in memory: a restart loses them; start() makes the bucket again). */
  readonly kind: 'versitygw' | 'moto'
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string
  readonly port: number
  /** A bucket created at start. */
  readonly bucket: string
  readonly region: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** The pid of the server process. */
  readonly pid: number
  /** AWS_* variables that point the SDK's default credential chain at this server. */
  env(): Record<string, string>
  /** A client for checking what the server holds (path-style, these credentials). */
  client(): S3Client
  /** Keys under `prefix` in the bucket, sorted. */
  keys(prefix?: string): Promise<string[]>
  /** The bytes of an object. */
  get(key: string): Promise<Buffer>
  /** HEAD of an object (metadata, size, ETag). */
  head(key: string): Promise<HeadObjectCommandOutput>
  /** SIGSTOP: the port still accepts connections but nothing answers. */
  pause(): void
  /** SIGCONT */
  resume(): void
  /** Stops the process (connections are refused until start()). */
  stop(): Promise<void>
  /** Starts it again on the same port and folder and waits until it answers. */
  start(): Promise<void>
  /** Stops it and removes its folder. */
  close(): Promise<void>
  /** The last 64 KiB of its output. */
  log(): string
}

/** Path of the S3 server binary from S3_SERVER_BIN (set by the test global setup). */
export function s3ServerBin(): string {
  const bin = process.env.S3_SERVER_BIN
  if (!bin) throw new Error('no S3 server: S3_SERVER_BIN is not set (run through vitest, whose global setup runs scripts/ensure-s3.mjs)')
  return bin
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

async function waitForAnswer(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the S3 server exited (${child.exitCode ?? child.signalCode})`)
    try {
      // Any HTTP answer (versitygw says 403 to an unsigned request) means it is serving.
      await fetch(`${endpoint}/`, {signal: AbortSignal.timeout(1000)})
      return
    } catch (error) {
      last = error
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`the S3 server at ${endpoint} did not answer within ${timeoutMs} ms: ${String(last)}`)
}

/** Starts an S3-compatible server on a free loopback port with a temp folder and creates a bucket. */
export async function startS3Server(options: {bucket?: string} = {}): Promise<S3Server> {
  const bin = s3ServerBin()
  const kind = path.basename(bin).startsWith('moto') ? 'moto' : 'versitygw'
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-server-'))
  const accessKeyId = 'test-access-key'
  const secretAccessKey = 'test-secret-key-0123456789'
  const region = 'us-east-1'
  const bucket = options.bucket ?? 'nsq-archive'
  let port = 0
  let child: ChildProcess
  let output: ReturnType<typeof collectOutput>

  const launch = async (): Promise<void> => {
    const args =
      kind === 'moto'
        ? ['-H', HOST, '-p', String(port)]
        : ['--access', accessKeyId, '--secret', secretAccessKey, '--region', region, '--port', `${HOST}:${port}`, '--quiet', 'posix', dir]
    child = spawnTracked(bin, args)
    output = collectOutput(child)
    await waitForAnswer(`http://${HOST}:${port}`, child, 15_000)
  }
  // Another process may take the free port between the probe and the bind: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      await launch()
      break
    } catch (error) {
      await stopChild(child!, 'SIGKILL')
      if (attempt === 3) throw new Error(`could not start ${bin}: ${String(error)}\n${output!.text()}`)
    }
  }
  const endpoint = `http://${HOST}:${port}`
  const makeClient = (): S3Client =>
    new S3Client({endpoint, region, forcePathStyle: true, credentials: {accessKeyId, secretAccessKey}, maxAttempts: 2})
  const admin = makeClient()
  await admin.send(new CreateBucketCommand({Bucket: bucket}))

  return {
    kind,
    endpoint,
    port,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    get pid() {
      return child.pid as number
    },
    env: () => ({
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_REGION: region,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }),
    client: makeClient,
    keys: async (prefix = '') => {
      const keys: string[] = []
      let token: string | undefined
      do {
        const page = await admin.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix, ContinuationToken: token}))
        for (const entry of page.Contents ?? []) if (entry.Key !== undefined) keys.push(entry.Key)
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined
      } while (token !== undefined)
      return keys.sort()
    },
    get: async (key) => {
      const response = await admin.send(new GetObjectCommand({Bucket: bucket, Key: key}))
      return Buffer.from(await (response.Body as {transformToByteArray(): Promise<Uint8Array>}).transformToByteArray())
    },
    head: (key) => admin.send(new HeadObjectCommand({Bucket: bucket, Key: key})),
    pause: () => process.kill(child.pid as number, 'SIGSTOP'),
    resume: () => process.kill(child.pid as number, 'SIGCONT'),
    stop: () => stopChild(child, 'SIGTERM'),
    start: async () => {
      await stopChild(child, 'SIGTERM')
      await launch()
      // moto keeps everything in memory: its bucket (and objects) are gone after a restart.
      if (kind === 'moto') await admin.send(new CreateBucketCommand({Bucket: bucket}))
    },
    close: async () => {
      await stopChild(child, 'SIGTERM')
      admin.destroy()
      fs.rmSync(dir, {recursive: true, force: true})
    },
    log: () => output.text(),
  }
}
