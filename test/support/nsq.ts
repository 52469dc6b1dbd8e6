import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {ChildProcess} from 'node:child_process'
import {collectOutput, spawnTracked, stopChild} from './processes.js'

/** Set NSQ_SKIP_INTEGRATION=1 to skip (visibly) every test that needs real NSQ. */
export const skipIntegration = process.env.NSQ_SKIP_INTEGRATION === '1'

/** Path of an NSQ binary from NSQ_BIN_DIR (set by the test global setup, or by a benchmark). */
export function nsqBin(name: string): string {
  const dir = process.env.NSQ_BIN_DIR
  if (!dir) throw new Error('NSQ binaries are not available: NSQ_BIN_DIR is not set (NSQ_SKIP_INTEGRATION=1?)')
  return path.join(dir, name)
}

interface Service {
  readonly pid: number
  readonly tcpPort: number
  readonly httpPort: number
  /** `127.0.0.1:<tcp port>` */
  readonly tcpAddress: string
  /** `127.0.0.1:<http port>` */
  readonly httpAddress: string
  /** The last 64 KiB of its log. */
  log(): string
  /** SIGTERM (then SIGKILL) and wait for exit. */
  stop(): Promise<void>
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>
  /** SIGSTOP: the process stays, but stops answering. */
  pause(): void
  /** SIGCONT */
  resume(): void
  /** Starts it again on the same ports (and data dir). */
  restart(): Promise<void>
}

export type NsqdProcess = Service & {readonly dataPath: string}
export type LookupdProcess = Service

const HOST = '127.0.0.1'
const running = new Set<Service>()

function listening(text: string, kind: 'TCP' | 'HTTP'): number | undefined {
  const match = new RegExp(`${kind}: listening on ${HOST.replaceAll('.', '\\.')}:(\\d+)`).exec(text)
  return match === null ? undefined : Number(match[1])
}

async function startService(binary: string, name: string, args: (tcp: number, http: number) => string[]): Promise<Service> {
  let child: ChildProcess
  let output: ReturnType<typeof collectOutput>
  let tcpPort = 0
  let httpPort = 0

  const launch = async (): Promise<void> => {
    child = spawnTracked(nsqBin(binary), args(tcpPort, httpPort))
    output = collectOutput(child)
    const text = await output.until((t) => listening(t, 'TCP') !== undefined && listening(t, 'HTTP') !== undefined, 15_000, name)
    tcpPort = listening(text, 'TCP') as number
    httpPort = listening(text, 'HTTP') as number
    await waitForPing(`${HOST}:${httpPort}`, 10_000)
  }
  await launch()
  const service: Service = {
    get pid() {
      return child.pid as number
    },
    get tcpPort() {
      return tcpPort
    },
    get httpPort() {
      return httpPort
    },
    get tcpAddress() {
      return `${HOST}:${tcpPort}`
    },
    get httpAddress() {
      return `${HOST}:${httpPort}`
    },
    log: () => output.text(),
    stop: async () => {
      await stopChild(child, 'SIGTERM')
      running.delete(service)
    },
    kill: async () => {
      await stopChild(child, 'SIGKILL')
      running.delete(service)
    },
    pause: () => process.kill(child.pid as number, 'SIGSTOP'),
    resume: () => process.kill(child.pid as number, 'SIGCONT'),
    restart: async () => {
      await stopChild(child, 'SIGTERM')
      await launch()
      running.add(service)
    },
  }
  running.add(service)
  return service
}

async function waitForPing(httpAddress: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://${httpAddress}/ping`, {signal: AbortSignal.timeout(1000)})
      if (response.ok) return
      last = new Error(`HTTP ${response.status}`)
    } catch (error) {
      last = error
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`no /ping answer from ${httpAddress} within ${timeoutMs} ms: ${String(last)}`)
}

export interface NsqdOptions {
  lookupd?: readonly LookupdProcess[]
  /** Extra nsqd flags, e.g. `--max-msg-size=1024`. */
  args?: readonly string[]
}

/** Starts nsqd on free 127.0.0.1 ports with a temp data dir; waits for /ping. */
export async function startNsqd(options: NsqdOptions = {}): Promise<NsqdProcess> {
  const dataPath = fs.mkdtempSync(path.join(os.tmpdir(), 'nsqd-'))
  const service = await startService('nsqd', 'nsqd', (tcp, http) => [
    `--tcp-address=${HOST}:${tcp}`,
    `--http-address=${HOST}:${http}`,
    `--data-path=${dataPath}`,
    `--broadcast-address=${HOST}`,
    ...(options.lookupd ?? []).map((l) => `--lookupd-tcp-address=${l.tcpAddress}`),
    // With a certificate nsqd also serves HTTPS, by default on 0.0.0.0:4152: two such nsqd at
    // once (tests run in parallel) would collide, and servers bind to 127.0.0.1 on free ports only.
    ...(options.args?.some((a) => a.startsWith('--tls-cert')) === true && !options.args.some((a) => a.startsWith('--https-address'))
      ? [`--https-address=${HOST}:0`]
      : []),
    ...(options.args ?? []),
  ])
  return Object.assign(Object.create(service) as Service, {dataPath})
}

/** Starts nsqlookupd on free 127.0.0.1 ports; waits for /ping. */
export function startLookupd(args: readonly string[] = []): Promise<LookupdProcess> {
  return startService('nsqlookupd', 'nsqlookupd', (tcp, http) => [
    `--tcp-address=${HOST}:${tcp}`,
    `--http-address=${HOST}:${http}`,
    `--broadcast-address=${HOST}`,
    ...args,
  ])
}

export interface Cluster {
  nsqd: NsqdProcess[]
  lookupd: LookupdProcess[]
  stop(): Promise<void>
}

/** The modelled deployment: 3 nsqd, each registered with 2 nsqlookupd. */
export async function startCluster(nsqdCount = 3, lookupdCount = 2, nsqdArgs: readonly string[] = []): Promise<Cluster> {
  const lookupd = await Promise.all(Array.from({length: lookupdCount}, () => startLookupd()))
  const nsqd = await Promise.all(Array.from({length: nsqdCount}, () => startNsqd({lookupd, args: nsqdArgs})))
  return {
    nsqd,
    lookupd,
    stop: async () => {
      await Promise.all([...nsqd, ...lookupd].map((s) => s.stop()))
    },
  }
}

/** Stops every service this test process started and has not stopped. */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()))
}
