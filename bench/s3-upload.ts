/**
 * bench:s3 — what the uploader's guarantees cost: our S3Uploader (HEAD before, PUT or multipart,
 * HEAD to confirm, durable marker, delete) against bare AWS SDK uploads of the same files
 * (PutObject / lib-storage Upload, nothing else), to a real versitygw on loopback. Medians of
 * alternating rounds. Two shapes: many small files (request overhead shows) and one large
 * multipart file (bandwidth shows).
 *
 *   npx tsx bench/s3-upload.ts [--rounds 5] [--files 40] [--file-size 1MiB] [--large 128MiB]
 */
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {PutObjectCommand} from '@aws-sdk/client-s3'
import {Upload} from '@aws-sdk/lib-storage'
import {parseSize} from '../src/cli/units.js'
import type {FinishedFile} from '../src/tools/to-file/file-shipper.js'
import {manifestPath} from '../src/tools/to-file/manifest.js'
import {openS3Sink} from '../src/tools/s3/open-s3-sink.js'
import {startS3Server, type S3Server} from '../test/support/s3.js'

const {values} = parseArgs({
  options: {
    rounds: {type: 'string', default: '5'},
    files: {type: 'string', default: '40'},
    'file-size': {type: 'string', default: '1MiB'},
    large: {type: 'string', default: '128MiB'},
  },
})
const rounds = Number(values.rounds)
const PART = 16 * 1024 * 1024

process.env.S3_SERVER_BIN ??= execFileSync(process.execPath, ['scripts/ensure-s3.mjs'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
}).trim()

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

function makeFiles(dir: string, count: number, size: number, round: number): FinishedFile[] {
  const files: FinishedFile[] = []
  for (let i = 0; i < count; i++) {
    const body = Buffer.alloc(size, `r${round}-f${i}-`)
    const name = `bench.host-${String(i).padStart(6, '0')}.r${round}.log`
    const file = path.join(dir, name)
    fs.writeFileSync(file, body)
    const manifest = {
      messages: 1,
      bytes: size,
      firstTimestamp: null,
      lastTimestamp: null,
      sha256: createHash('sha256').update(body).digest('hex'),
      format: 'raw' as const,
      gzip: false,
      topic: 'bench',
    }
    fs.writeFileSync(manifestPath(file), JSON.stringify(manifest))
    files.push({path: file, name, topic: 'bench', manifest})
  }
  return files
}

async function ours(server: S3Server, files: FinishedFile[], dir: string, prefix: string): Promise<number> {
  const started = performance.now()
  const sink = await openS3Sink({
    bucket: server.bucket,
    endpoint: server.endpoint,
    forcePathStyle: true,
    outputDir: dir,
    prefix,
    keyTime: {datetimeFormat: '%Y', utc: true},
    host: 'h',
    keepLocal: false,
    spool: {maxBytes: 1e12, maxFiles: 1e6},
    multipartThreshold: PART,
    partSize: PART,
  })
  for (const file of files) await sink.accept(file)
  await sink.close()
  return performance.now() - started
}

async function bare(server: S3Server, files: FinishedFile[], prefix: string): Promise<number> {
  const started = performance.now()
  const client = server.client()
  let next = 0
  const worker = async (): Promise<void> => {
    for (let file = files[next++]; file !== undefined; file = files[next++]) {
      const key = prefix + file.name
      if (file.manifest.bytes > PART) {
        await new Upload({
          client,
          params: {Bucket: server.bucket, Key: key, Body: fs.createReadStream(file.path)},
          partSize: PART,
          queueSize: 2,
        }).done()
      } else {
        await client.send(new PutObjectCommand({Bucket: server.bucket, Key: key, Body: fs.readFileSync(file.path)}))
      }
    }
  }
  await Promise.all([worker(), worker()])
  client.destroy()
  return performance.now() - started
}

async function main(): Promise<void> {
  const server = await startS3Server()
  Object.assign(process.env, server.env())
  const shapes = [
    {label: `${values.files} × ${values['file-size']}`, count: Number(values.files), size: parseSize(values['file-size'])},
    {label: `1 × ${values.large} (multipart)`, count: 1, size: parseSize(values.large)},
  ]
  try {
    for (const shape of shapes) {
      const times = {ours: [] as number[], bare: [] as number[]}
      for (let round = 0; round < rounds; round++) {
        for (const who of round % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const)) {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-s3-'))
          const files = makeFiles(dir, shape.count, shape.size, round)
          const prefix = `${who}/${round}/`
          times[who].push(who === 'ours' ? await ours(server, files, dir, prefix) : await bare(server, files, prefix))
          fs.rmSync(dir, {recursive: true, force: true})
        }
      }
      const mbytes = (shape.count * shape.size) / 1024 ** 2
      const [o, b] = [median(times.ours), median(times.bare)]
      process.stdout.write(
        `${shape.label}: ours ${o.toFixed(0)} ms (${(mbytes / (o / 1000)).toFixed(0)} MiB/s), bare SDK ${b.toFixed(0)} ms (${(mbytes / (b / 1000)).toFixed(0)} MiB/s), ours/bare time ${(o / b).toFixed(2)}× (median of ${rounds} alternating rounds)\n`,
      )
    }
  } finally {
    await server.close()
  }
}

await main()
