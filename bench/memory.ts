/**
 * npm run bench:memory — peak RSS (VmHWM from /proc, polled every 10 ms until the process exits,
 * shutdown included) of our commands (the built CLI, bin/run.js) next to the official Go tools,
 * each at two input sizes ten times apart, in one run on the same nsqd(s):
 *
 *   to-nsq    publish LINES / 10×LINES lines of ~100 B from a file on stdin   (vs to_nsq)
 *   to-file   archive MESSAGES / 10×MESSAGES queued messages, plain and --gzip (vs nsq_to_file)
 *   to-file   the same with --s3-bucket on a loopback versitygw, --rotate-size 2MB (no Go counterpart)
 *   tail      -n MESSAGES / 10×MESSAGES into a pipe whose lines are counted     (vs nsq_tail)
 *   relay     copy the queued messages to a second nsqd                        (vs nsq_to_nsq)
 *   to-http   POST them to a loopback node:http server, --n 100                (vs nsq_to_http)
 *
 * Messages are 100–200 B (avg ~150 B); each tool at its default max-in-flight (to-file's and the
 * relay's are 1000, the Go tools' 200), except to-http / relay runs where both are given 200. to-file runs use --sync-interval=1s for both
 * (nsq_to_file FINs its last partial batch only on that timer) and are done once the channel has
 * no message queued or in flight (every message FIN'd, i.e. synced); then SIGTERM. Rounds
 * alternate who goes first; the highest peak of the rounds is quoted.
 *
 * Checks (printed, not asserted): every figure of ours ≤ 80 MiB, and large / small ≤ 1.10.
 * Env: MESSAGES (40,000), LINES (200,000), ROUNDS (1),
 * NODE_FLAGS (node flags for our side only, to try a V8 setting),
 * ONLY (comma list of to-nsq, to-file, to-file-gzip, to-file-s3, tail, relay, to-http; default all).
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd} from '../test/support/nsq.js'
import {startS3Server, type S3Server} from '../test/support/s3.js'
import {ensureNsqBinaries, fmt, makeBodies, measure, type Measured} from './lib.js'

const MESSAGES = Number(process.env.MESSAGES ?? 40_000)
const LINES = Number(process.env.LINES ?? 200_000)
const ROUNDS = Number(process.env.ROUNDS ?? 1)
const ONLY = (process.env.ONLY ?? '').split(',').filter(Boolean)
const LIMIT_MIB = 80
const FLAT = 1.1
const CLI = path.resolve('bin/run.js')
/** Extra node flags for our side (e.g. NODE_FLAGS=--max-semi-space-size=2), to measure a V8 setting. */
const NODE_FLAGS = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean)
const NODE = process.execPath
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const go = (name: string): string => path.join(process.env.NSQ_BIN_DIR ?? '', name)

interface Row {
  name: string
  /** Input size per column. */
  sizes: [number, number]
  unit: string
  ours: [number, number]
  theirs: [number, number] | undefined
  goName: string | undefined
}

/** `count` lines of 90–110 bytes plus newline (as bench/compare-to-nsq.ts). */
function writeLines(file: string, count: number): void {
  const fd = fs.openSync(file, 'w')
  const parts: string[] = []
  for (let i = 0; i < count; i++) {
    parts.push(
      `${i.toString().padStart(9, '0')} ${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3).slice(i % 20, 80 + (i % 20) + (i % 21))}\n`,
    )
    if (parts.length === 10_000) fs.writeSync(fd, parts.splice(0).join(''))
  }
  if (parts.length > 0) fs.writeSync(fd, parts.join(''))
  fs.closeSync(fd)
}

async function channel(api: NsqdHttpClient, topic: string, name: string): Promise<{depth: number; inFlight: number}> {
  const stats = await api.stats({topic, channel: name})
  const found = stats.topics.find((t) => t.topic_name === topic)?.channels.find((c) => c.channel_name === name)
  return {depth: found?.depth ?? Number.NaN, inFlight: found?.in_flight_count ?? Number.NaN}
}

async function topicCount(api: NsqdHttpClient, topic: string): Promise<number> {
  const stats = await api.stats({topic})
  return stats.topics.find((t) => t.topic_name === topic)?.message_count ?? 0
}

/** A topic holding `count` queued messages in channels `ours` and `theirs`. */
async function fill(api: NsqdHttpClient, topic: string, count: number): Promise<void> {
  await api.createTopic(topic)
  for (const name of ['ours', 'theirs']) await api.createChannel(topic, name)
  for (let i = 0; i < count; i += 20_000) await api.mpub(topic, makeBodies(Math.min(20_000, count - i)))
}

/** Every message of the channel FIN'd. */
const drained = (api: NsqdHttpClient, topic: string, name: string) => async (): Promise<boolean> => {
  const c = await channel(api, topic, name)
  return c.depth === 0 && c.inFlight === 0
}

function check(who: string, result: Measured, expectLines?: number): number {
  if (result.code !== 0 && result.code !== null) throw new Error(`${who} exited ${result.code}:\n${result.stderr}`)
  if (expectLines !== undefined && result.lines !== expectLines)
    throw new Error(`${who} printed ${result.lines} lines, expected ${expectLines}:\n${result.stderr}`)
  process.stderr.write(
    `  ${who.padEnd(44)} ${fmt(result.seconds, 2).padStart(7)} s  peak RSS ${fmt(result.peakMiB, 1)} MiB (at the peak: anon ${fmt(result.atPeak.anon, 1)}, file ${fmt(result.atPeak.file, 1)})\n`,
  )
  return result.peakMiB
}

type Runner = (who: 'ours' | 'theirs', size: number, tag: string) => Promise<number>

/** Runs both sides at both sizes, ROUNDS times alternating who goes first; keeps the highest peak. */
async function pair(name: string, sizes: [number, number], unit: string, goName: string | undefined, runner: Runner): Promise<Row> {
  process.stderr.write(`\n== ${name} ==\n`)
  const peaks = {ours: [0, 0] as [number, number], theirs: [0, 0] as [number, number]}
  let serial = 0
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, size] of sizes.entries()) {
      const order =
        goName === undefined ? (['ours'] as const) : round % 2 === 0 ? (['theirs', 'ours'] as const) : (['ours', 'theirs'] as const)
      for (const who of order) {
        const peak = await runner(who, size, `${name.replace(/\W+/g, '_')}_${serial++}`)
        peaks[who][index] = Math.max(peaks[who][index] as number, peak)
      }
    }
  }
  return {name, sizes, unit, ours: peaks.ours, theirs: goName === undefined ? undefined : peaks.theirs, goName}
}

function startReceiver(): Promise<{server: http.Server; port: number; counts: Map<string, number>}> {
  const counts = new Map<string, number>()
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined)
    req.on('end', () => {
      counts.set(req.url ?? '', (counts.get(req.url ?? '') ?? 0) + 1)
      res.writeHead(200, {'content-length': '0'})
      res.end()
    })
  })
  server.keepAliveTimeout = 60_000
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({server, port: (server.address() as AddressInfo).port, counts})),
  )
}

function print(rows: Row[]): void {
  const out = [
    '',
    `Peak RSS (VmHWM, MiB), ours vs the Go tools; two input sizes 10× apart; limit ≤ ${LIMIT_MIB} MiB, large/small ≤ ${FLAT}`,
  ]
  out.push(
    `  ${'command'.padEnd(30)} ${'input'.padStart(20)}  ${'ours'.padStart(12)}  ${'Go'.padStart(12)}  ${'ours large/small'.padStart(17)}  checks`,
  )
  for (const row of rows) {
    const [small, large] = row.ours
    const ratio = large / small
    const within = row.ours.every((v) => v <= LIMIT_MIB)
    const flat = ratio <= FLAT
    out.push(
      `  ${row.name.padEnd(30)} ${`${fmt(row.sizes[0])} / ${fmt(row.sizes[1])} ${row.unit}`.padStart(20)}  ${`${fmt(small, 1)} / ${fmt(large, 1)}`.padStart(12)}  ${(row.theirs === undefined ? 'n/a' : `${fmt(row.theirs[0], 1)} / ${fmt(row.theirs[1], 1)}`).padStart(12)}  ${fmt(ratio, 2).padStart(17)}  ${within ? `≤ ${LIMIT_MIB} met` : `≤ ${LIMIT_MIB} MISSED`}, ${flat ? 'flat met' : 'flat MISSED'}${row.goName === undefined ? '' : ` (Go: ${row.goName})`}`,
    )
  }
  out.push(
    `  load average: ${os
      .loadavg()
      .map((l) => fmt(l, 2))
      .join(', ')}; node ${process.version}`,
  )
  process.stdout.write(`${out.join('\n')}\n`)
}

async function main(): Promise<void> {
  ensureNsqBinaries()
  process.env.S3_SERVER_BIN ??= execFileSync(NODE, ['scripts/ensure-s3.mjs'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim()
  const wanted = (name: string): boolean => ONLY.length === 0 || ONLY.includes(name)
  const large = MESSAGES * 10
  const nsqdArgs = [`--mem-queue-size=${large * 2 + 1000}`]
  const [nsqd, second] = await Promise.all([startNsqd({args: nsqdArgs}), startNsqd({args: nsqdArgs})])
  const api = new NsqdHttpClient(nsqd.httpAddress)
  const secondApi = new NsqdHttpClient(second.httpAddress)
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'))
  let s3: S3Server | undefined
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined
  const rows: Row[] = []
  const sizes: [number, number] = [MESSAGES, large]
  try {
    if (wanted('to-nsq')) {
      const inputs = new Map<number, string>()
      for (const count of [LINES, LINES * 10]) {
        const file = path.join(scratch, `lines-${count}.txt`)
        writeLines(file, count)
        inputs.set(count, file)
      }
      rows.push(
        await pair('to-nsq', [LINES, LINES * 10], 'lines', 'to_nsq', async (who, size, topic) => {
          const stdin = inputs.get(size) as string
          const result =
            who === 'ours'
              ? await measure(NODE, [...NODE_FLAGS, CLI, 'to-nsq', topic, '--nsqd-tcp-address', nsqd.tcpAddress, '-q'], {stdin})
              : await measure(go('to_nsq'), [`--topic=${topic}`, `--nsqd-tcp-address=${nsqd.tcpAddress}`], {stdin})
          const count = await topicCount(api, topic)
          if (count !== size) throw new Error(`${who}: topic ${topic} holds ${count} messages, expected ${size}`)
          await api.deleteTopic(topic)
          return check(`${who} ${fmt(size)}`, result)
        }),
      )
      for (const file of inputs.values()) fs.rmSync(file)
    }

    const fileModes = [
      {key: 'to-file', name: 'to-file', extra: [] as string[]},
      {key: 'to-file-gzip', name: 'to-file --gzip', extra: ['--gzip']},
    ]
    for (const mode of fileModes) {
      if (!wanted(mode.key)) continue
      rows.push(
        await pair(mode.name, sizes, 'msgs', 'nsq_to_file', async (who, size, topic) => {
          await fill(api, topic, size)
          const out = fs.mkdtempSync(path.join(scratch, `${who}-`))
          const args = [
            `--topic=${topic}`,
            `--channel=${who}`,
            `--nsqd-tcp-address=${nsqd.tcpAddress}`,
            `--output-dir=${out}`,
            '--sync-interval=1s',
            ...mode.extra,
          ]
          const until = drained(api, topic, who)
          const result =
            who === 'ours'
              ? await measure(NODE, [...NODE_FLAGS, CLI, 'to-file', '-q', ...args], {until})
              : await measure(go('nsq_to_file'), args, {until})
          await api.deleteTopic(topic)
          fs.rmSync(out, {recursive: true, force: true})
          return check(`${who} ${fmt(size)}`, result)
        }),
      )
    }

    if (wanted('to-file-s3')) {
      s3 = await startS3Server()
      const server = s3
      rows.push(
        await pair('to-file --gzip --s3-bucket', sizes, 'msgs', undefined, async (who, size, topic) => {
          await fill(api, topic, size)
          const out = fs.mkdtempSync(path.join(scratch, `${who}-`))
          const args = [
            'to-file',
            '-q',
            `--topic=${topic}`,
            `--channel=${who}`,
            `--nsqd-tcp-address=${nsqd.tcpAddress}`,
            `--output-dir=${out}`,
            '--sync-interval=1s',
            '--gzip',
            '--rotate-size=2MB',
            `--s3-bucket=${server.bucket}`,
            `--s3-endpoint=${server.endpoint}`,
            '--s3-force-path-style',
            `--s3-prefix=${topic}/`,
          ]
          const result = await measure(NODE, [...NODE_FLAGS, CLI, ...args], {
            until: drained(api, topic, who),
            env: {...process.env, ...server.env()},
          })
          const left = fs.readdirSync(out).filter((f) => !f.startsWith('.'))
          if (left.length > 0) throw new Error(`to-file --s3-bucket left ${left.join(', ')} in ${out}:\n${result.stderr}`)
          if ((await server.keys(`${topic}/`)).length === 0) throw new Error(`nothing uploaded under ${topic}/`)
          await api.deleteTopic(topic)
          fs.rmSync(out, {recursive: true, force: true})
          return check(`${who} ${fmt(size)}`, result)
        }),
      )
    }

    if (wanted('tail')) {
      rows.push(
        await pair('tail -n', sizes, 'msgs', 'nsq_tail', async (who, size, topic) => {
          await fill(api, topic, size)
          const args = [`--topic=${topic}`, `--channel=${who}`, `--nsqd-tcp-address=${nsqd.tcpAddress}`, `-n=${size}`]
          const result =
            who === 'ours'
              ? await measure(NODE, [...NODE_FLAGS, CLI, 'tail', ...args], {countLines: true})
              : await measure(go('nsq_tail'), args, {countLines: true})
          await api.deleteTopic(topic)
          return check(`${who} ${fmt(size)}`, result, size)
        }),
      )
    }

    if (wanted('relay')) {
      rows.push(
        await pair('relay', sizes, 'msgs', 'nsq_to_nsq', async (who, size, topic) => {
          await fill(api, topic, size)
          const copy = `${topic}_copy`
          const args = [
            `--topic=${topic}`,
            `--channel=${who}`,
            `--nsqd-tcp-address=${nsqd.tcpAddress}`,
            `--destination-nsqd-tcp-address=${second.tcpAddress}`,
            `--destination-topic=${copy}`,
            '--max-in-flight=200',
          ]
          const until = async (): Promise<boolean> => (await topicCount(secondApi, copy)) >= size
          const result =
            who === 'ours'
              ? await measure(NODE, [...NODE_FLAGS, CLI, 'relay', '-q', ...args], {until})
              : await measure(go('nsq_to_nsq'), [...args, '--status-every=0'], {until})
          await api.deleteTopic(topic)
          await secondApi.deleteTopic(copy)
          return check(`${who} ${fmt(size)}`, result)
        }),
      )
    }

    if (wanted('to-http')) {
      receiver = await startReceiver()
      const sink = receiver
      rows.push(
        await pair('to-http', sizes, 'msgs', 'nsq_to_http', async (who, size, topic) => {
          await fill(api, topic, size)
          const key = `/${topic}/${who}`
          const args = [
            `--topic=${topic}`,
            `--channel=${who}`,
            `--nsqd-tcp-address=${nsqd.tcpAddress}`,
            `--post=http://127.0.0.1:${sink.port}${key}`,
            '--n=100',
            '--max-in-flight=200',
          ]
          const until = (): boolean => (sink.counts.get(key) ?? 0) >= size
          const result =
            who === 'ours'
              ? await measure(NODE, [...NODE_FLAGS, CLI, 'to-http', '-q', ...args], {until})
              : await measure(go('nsq_to_http'), [...args, '--status-every=0'], {until})
          await api.deleteTopic(topic)
          return check(`${who} ${fmt(size)}`, result)
        }),
      )
    }
  } finally {
    receiver?.server.closeAllConnections()
    receiver?.server.close()
    await s3?.close()
    await Promise.all([nsqd.stop(), second.stop()])
    fs.rmSync(scratch, {recursive: true, force: true})
  }
  print(rows)
}

await main()
