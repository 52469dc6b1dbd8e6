/**
 * npm run demo — starts a throw-away nsqlookupd + nsqd on free loopback ports and runs the
 * toolkit's main jobs against them with the built `nsq` CLI, printing each command as a user
 * would type it: pipe log lines into a topic (to-nsq), peek at them (tail), archive a channel to
 * gzip files with a manifest (to-file), look at the cluster (stat), and benchmark it (bench).
 * Everything it starts is stopped at the end, and its files live in a temp folder it removes.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startLookupd, startNsqd, stopAllServices} from '../test/support/nsq.js'
import {ensureNsqBinaries} from '../bench/lib.js'

const say = (line: string): boolean => process.stderr.write(`${line}\n`)
const CLI = path.resolve('bin/run.js')

/** Starts `nsq <args>` with `input` on stdin, echoing the command and its output. */
function start(args: string[], options: {input?: string; shown?: string} = {}): {child: ChildProcess; done: Promise<number | null>} {
  say(`\n$ ${options.shown ?? `nsq ${args.join(' ')}`}`)
  const child = spawn(process.execPath, [CLI, ...args], {stdio: ['pipe', 'pipe', 'inherit']})
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(chunk))
  child.stdin?.end(options.input ?? '')
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => resolve(code))
  })
  return {child, done}
}

/** Runs `nsq <args>` to completion; a non-zero exit stops the demo. */
async function nsq(args: string[], options: {input?: string; shown?: string} = {}): Promise<void> {
  const code = await start(args, options).done
  if (code !== 0) throw new Error(`nsq ${args[0]} exited with ${code}`)
}

async function main(): Promise<void> {
  ensureNsqBinaries()
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-demo-'))
  const lookupd = await startLookupd()
  const nsqd = await startNsqd({lookupd: [lookupd]})
  const L = lookupd.httpAddress
  const N = nsqd.tcpAddress
  say(`nsqlookupd on ${L} (HTTP), nsqd on ${N} (TCP) / ${nsqd.httpAddress} (HTTP); files in ${work}`)
  try {
    // Channels made first, so each gets every message (a topic copies messages to each channel).
    const http = new NsqdHttpClient(nsqd.httpAddress)
    await http.createTopic('demo_logs')
    for (const channel of ['archive', 'debug']) await http.createChannel('demo_logs', channel)

    const lines = Array.from(
      {length: 10_000},
      (_, i) =>
        `${new Date(Date.UTC(2026, 10, 25, 12, 0, i % 60)).toISOString()} level=${i % 50 === 0 ? 'error' : 'info'} request_id=${i} path=/api/orders status=${i % 50 === 0 ? 500 : 200}`,
    )
    await nsq(['to-nsq', 'demo_logs', '--nsqd-tcp-address', N], {
      input: `${lines.join('\n')}\n`,
      shown: `generate-logs | nsq to-nsq demo_logs --nsqd-tcp-address ${N}`,
    })

    await nsq(['tail', 'demo_logs', '--channel', 'debug', '-n', '3', '--lookupd-http-address', L])
    await nsq(['tail', 'demo_logs', '--channel', 'debug', '-n', '2', '--format', 'json', '--lookupd-http-address', L])

    const archive = path.join(work, 'archive')
    const total = 10_000
    // to-file runs until stopped; the demo stops it (SIGTERM: sync, FIN, close) once everything is archived.
    const toFile = start([
      'to-file',
      '--topic',
      'demo_logs',
      '--channel',
      'archive',
      '--gzip',
      '--output-dir',
      archive,
      '--lookupd-http-address',
      L,
    ])
    const deadline = Date.now() + 60_000
    for (;;) {
      const stats = await http.stats({topic: 'demo_logs', channel: 'archive'})
      const channel = stats.topics[0]?.channels.find((c) => c.channel_name === 'archive')
      if (channel !== undefined && channel.depth === 0 && channel.in_flight_count === 0 && channel.message_count >= total) break
      if (Date.now() > deadline) throw new Error('to-file did not archive the demo messages within 60 s')
      await new Promise((r) => setTimeout(r, 200))
    }
    toFile.child.kill('SIGTERM')
    if ((await toFile.done) !== 0) throw new Error('nsq to-file did not stop cleanly')
    say(`\narchive ${archive}:`)
    for (const name of fs.readdirSync(archive)) say(`  ${name} (${fs.statSync(path.join(archive, name)).size} bytes)`)

    await nsq(['stat', '--once', '--lookupd-http-address', L])
    await nsq([
      'bench',
      'pubsub',
      '--nsqd-tcp-address',
      N,
      '--nsqd-http-address',
      nsqd.httpAddress,
      '--duration',
      '3s',
      '--size',
      '200',
      '--batch-size',
      '50',
    ])
  } finally {
    await stopAllServices()
    fs.rmSync(work, {recursive: true, force: true})
  }
}

await main()
