/**
 * bench:compare section `replay`: `nsq replay` from a plain and from a gzip archive of the same
 * 200,000 lines of ~100 B, next to what users run today on the same files: `nsq to-nsq < file`,
 * `zcat file.gz | nsq to-nsq` and `zcat file.gz | to_nsq` (the official app). Each run is timed
 * from spawn until exit (start-up included) and checked by the topic's message count; rounds
 * alternate and medians are quoted. Target: replay from a plain file ≥ 0.8× `nsq to-nsq` on it.
 * Env: LINES, ROUNDS.
 */
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {startNsqd} from '../test/support/nsq.js'
import type {ComparisonRow} from './compare.js'
import {fmt, median} from './lib.js'

const LINES = Number(process.env.LINES ?? 200_000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)

/** `count` varied lines of 90–110 bytes. */
function lines(count: number): Buffer {
  const parts: string[] = []
  for (let i = 0; i < count; i++)
    parts.push(
      `${i.toString().padStart(9, '0')} ${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3).slice(i % 20, 80 + (i % 20) + (i % 21))}\n`,
    )
  return Buffer.from(parts.join(''))
}

/** Wall time of a shell command line, until it exits 0. */
function timed(command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn('sh', ['-c', command], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)))
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`${command} exited ${code}:\n${stderr}`)),
    )
  })
}

export async function compare(): Promise<ComparisonRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-replay-'))
  const plain = path.join(dir, 'archive.log')
  const gzip = path.join(dir, 'archive.log.gz')
  const data = lines(LINES)
  fs.writeFileSync(plain, data)
  fs.writeFileSync(gzip, zlib.gzipSync(data, {level: 6}))
  const nsqd = await startNsqd({args: ['--mem-queue-size=10000000']})
  const http = new NsqdHttpClient(nsqd.httpAddress)
  const nsq = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.resolve('bin/run.js'))}`
  const toNsq = JSON.stringify(path.join(process.env.NSQ_BIN_DIR as string, 'to_nsq'))
  const addr = `--nsqd-tcp-address ${nsqd.tcpAddress}`
  const runs: Record<string, (topic: string) => string> = {
    'replay plain': (t) => `${nsq} replay ${t} ${plain} ${addr} --nsqd-http-address ${nsqd.httpAddress} -q`,
    'to-nsq plain': (t) => `${nsq} to-nsq ${t} ${addr} --nsqd-http-address ${nsqd.httpAddress} -q < ${plain}`,
    'replay gzip': (t) => `${nsq} replay ${t} ${gzip} ${addr} --nsqd-http-address ${nsqd.httpAddress} -q`,
    'zcat | to-nsq': (t) => `zcat ${gzip} | ${nsq} to-nsq ${t} ${addr} --nsqd-http-address ${nsqd.httpAddress} -q`,
    'zcat | to_nsq': (t) => `zcat ${gzip} | ${toNsq} --topic=${t} --nsqd-tcp-address=${nsqd.tcpAddress}`,
  }
  const rates: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]))
  process.stderr.write(
    `replay: ${fmt(LINES)} lines of ~${fmt(data.length / LINES)} B (${fmt(data.length / 1024 ** 2, 1)} MiB, gzip ${fmt(fs.statSync(gzip).size / 1024 ** 2, 1)} MiB), ${ROUNDS} rounds\n`,
  )
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const line: string[] = []
      for (const [name, command] of Object.entries(runs)) {
        const topic = `bench_replay_${name.replace(/[^a-z]/g, '')}_${round}`
        const seconds = await timed(command(topic))
        const stats = await http.stats({topic})
        const count = stats.topics.find((t) => t.topic_name === topic)?.message_count ?? 0
        if (count !== LINES) throw new Error(`${name}: topic ${topic} holds ${count} messages, expected ${LINES}`)
        await http.deleteTopic(topic)
        rates[name]?.push(LINES / seconds)
        line.push(`${name} ${fmt(LINES / seconds)} msg/s`)
      }
      process.stderr.write(`round ${round}: ${line.join(' · ')}\n`)
    }
  } finally {
    await nsqd.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  }
  const m = (name: string): number => median(rates[name] ?? [])
  return [
    {
      name: `replay vs to-nsq, plain file of ${fmt(LINES)} lines (until exit)`,
      ours: m('replay plain'),
      theirs: m('to-nsq plain'),
      unit: 'msg/s',
      target: 0.8,
    },
    {
      name: `replay vs zcat | to-nsq, the same lines gzipped`,
      ours: m('replay gzip'),
      theirs: m('zcat | to-nsq'),
      unit: 'msg/s',
      target: 0.8,
    },
    {
      name: `replay vs zcat | to_nsq (official), the same lines gzipped`,
      ours: m('replay gzip'),
      theirs: m('zcat | to_nsq'),
      unit: 'msg/s',
      target: 1,
      notes:
        'to_nsq cannot read a torn gzip tail, cuts the last byte of a final line without newline, and carries no binary or multi-line bodies',
    },
  ]
}
