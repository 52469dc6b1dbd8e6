/**
 * The S3 uploader against a real S3-compatible server (versitygw) on loopback: keys, content and
 * metadata; multipart; outages (server stopped, server hung) with nothing lost and local files
 * deleted only after confirmation; resume after a crash; backpressure through the spool.
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {s3SinkFromFlags, type S3FlagValues} from '../../src/cli/s3-flags.js'
import type {FinishedFile} from '../../src/tools/to-file/file-shipper.js'
import type {ArchiveManifest} from '../../src/tools/to-file/manifest.js'
import {openS3Sink, type S3SinkOptions} from '../../src/tools/s3/open-s3-sink.js'
import type {S3Uploader, UploaderEvent} from '../../src/tools/s3/uploader.js'
import {startS3Server, type S3Server} from '../support/s3.js'

let server: S3Server
const dirs: string[] = []
const open: S3Uploader[] = []

beforeAll(async () => {
  server = await startS3Server()
  Object.assign(process.env, server.env())
})

afterEach(async () => {
  server.resume()
  for (const uploader of open.splice(0)) await uploader.close(AbortSignal.timeout(1))
})

afterAll(async () => {
  await server?.close()
  for (const dir of dirs) fs.rmSync(dir, {recursive: true, force: true})
})

function outputDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-upload-'))
  dirs.push(dir)
  return dir
}

let fileCounter = 0

/** Where to-file keeps a file's manifest and the uploader its marker: hidden beside the file. */
const hidden = (file: string, suffix: '.manifest.json' | '.s3.json'): string =>
  path.join(path.dirname(file), `.${path.basename(file)}${suffix}`)
/** Where versions before the hidden layout kept them: visible beside the file. */
const visible = (file: string, suffix: '.manifest.json' | '.s3.json'): string => file + suffix

/** Writes a finished file and its manifest as to-file does (`legacy`: as versions before the hidden layout did); returns what accept() gets. */
function finishedFile(
  dir: string,
  options: {name?: string; topic?: string; body?: Buffer; firstTimestamp?: string; legacy?: boolean} = {},
): FinishedFile & {body: Buffer} {
  const topic = options.topic ?? 'clicks'
  const name = options.name ?? `${topic}.host-${String(fileCounter++).padStart(6, '0')}.2024-01-31_15.log`
  const body = options.body ?? Buffer.from(Array.from({length: 50}, (_, i) => `${name} message ${i}`).join('\n') + '\n')
  const file = path.join(dir, name)
  fs.mkdirSync(path.dirname(file), {recursive: true})
  fs.writeFileSync(file, body)
  const manifest: ArchiveManifest = {
    messages: body.toString('utf8').split('\n').length - 1,
    bytes: body.length,
    firstTimestamp: options.firstTimestamp ?? '2024-01-31T15:04:05.000Z',
    lastTimestamp: '2024-01-31T15:59:00.000Z',
    sha256: createHash('sha256').update(body).digest('hex'),
    format: 'raw',
    gzip: false,
    topic,
  }
  fs.writeFileSync(options.legacy === true ? visible(file, '.manifest.json') : hidden(file, '.manifest.json'), JSON.stringify(manifest))
  return {path: file, name, topic, manifest, body}
}

function events(): {
  list: UploaderEvent[]
  until: (ready: (list: UploaderEvent[]) => boolean, timeoutMs?: number) => Promise<void>
  push: (e: UploaderEvent) => void
} {
  const list: UploaderEvent[] = []
  return {
    list,
    push: (event) => list.push(event),
    until: async (ready, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs
      while (!ready(list)) {
        if (Date.now() > deadline) throw new Error(`timed out; events so far: ${JSON.stringify(list)}`)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    },
  }
}

const uploaded = (list: UploaderEvent[]): number => list.filter((e) => e.type === 'uploaded').length

async function uploader(dir: string, extra: Partial<S3SinkOptions> = {}): Promise<S3Uploader> {
  const sink = await openS3Sink({
    bucket: server.bucket,
    endpoint: server.endpoint,
    forcePathStyle: true,
    outputDir: dir,
    prefix: '',
    keyTime: {datetimeFormat: '%Y-%m-%d_%H', utc: true},
    host: 'host',
    keepLocal: false,
    spool: {maxBytes: 1024 ** 3, maxFiles: 100},
    requestTimeoutMs: 2000,
    connectTimeoutMs: 1000,
    backoff: {initialMs: 50, maxMs: 400, jitter: 0.5},
    ...extra,
  })
  open.push(sink)
  return sink
}

describe('S3 uploader (versitygw on loopback)', () => {
  it('uploads finished files under the prefix with their content and manifest metadata, then deletes them locally', async () => {
    const dir = outputDir()
    const seen = events()
    const flags: S3FlagValues = {
      's3-bucket': server.bucket,
      's3-prefix': 'archive/<TOPIC>/<DATETIME>/',
      's3-endpoint': server.endpoint,
      's3-region': server.region,
      's3-force-path-style': true,
      'keep-local': false,
      's3-spool-max': 1024 ** 3,
      's3-spool-max-files': 100,
      's3-concurrency': 2,
      's3-part-size': 16 * 1024 * 1024,
      's3-timeout': 5000,
      's3-drain-timeout': 10_000,
      's3-local-time': false,
    }
    const sink = await s3SinkFromFlags(flags, {outputDir: dir, host: 'host', datetimeFormat: '%Y/%m/%d/%H', onEvent: seen.push})
    expect(sink).toBeDefined()
    const files = [
      finishedFile(dir, {topic: 'clicks', firstTimestamp: '2024-01-31T23:30:00.000+02:00'}),
      finishedFile(dir, {topic: 'views', firstTimestamp: '2024-02-01T00:00:00.000Z'}),
      finishedFile(dir, {topic: 'clicks', name: 'sub/dir/nested.log', firstTimestamp: '2024-02-01T05:00:00.000Z'}),
    ]
    for (const file of files) await sink!.accept(file)
    await sink!.close()
    // <DATETIME> is the first message's time in UTC, formatted with --datetime-format.
    const expected = [
      `archive/clicks/2024/01/31/21/${files[0]!.name}`,
      `archive/views/2024/02/01/00/${files[1]!.name}`,
      'archive/clicks/2024/02/01/05/sub/dir/nested.log',
    ]
    expect(await server.keys('archive/')).toEqual([...expected].sort())
    for (const [i, key] of expected.entries()) {
      const file = files[i]!
      expect(await server.get(key)).toEqual(file.body)
      const head = await server.head(key)
      expect(head.Metadata).toEqual({
        topic: file.topic,
        messages: String(file.manifest.messages),
        bytes: String(file.body.length),
        sha256: file.manifest.sha256,
        format: 'raw',
        gzip: 'false',
        'first-timestamp': file.manifest.firstTimestamp,
        'last-timestamp': file.manifest.lastTimestamp,
      })
      expect(fs.existsSync(file.path)).toBe(false)
      expect(fs.existsSync(hidden(file.path, '.manifest.json'))).toBe(false)
      expect(fs.existsSync(hidden(file.path, '.s3.json'))).toBe(false)
    }
    expect(sink!.stats()).toMatchObject({uploadedFiles: 3, pendingFiles: 0, pendingBytes: 0})
    // The folders sub/dir/ held only the uploaded file: removed with it, the output dir itself kept.
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it('uploads a large file as a multipart upload', async () => {
    const dir = outputDir()
    const seen = events()
    const sink = await uploader(dir, {multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024, onEvent: seen.push})
    const body = Buffer.alloc(13 * 1024 * 1024)
    for (let i = 0; i < body.length; i += 4096) body.write(`block ${i}\n`, i)
    const file = finishedFile(dir, {name: 'big.log', body})
    await sink.accept(file)
    await seen.until((list) => uploaded(list) === 1)
    const head = await server.head('big.log')
    // A multipart object's ETag is the MD5 of the part MD5s followed by -<parts>: 13 MiB in 5 MiB parts → 3.
    expect(head.ETag).toMatch(/-3"$/)
    expect(head.ContentLength).toBe(body.length)
    expect(head.Metadata?.sha256).toBe(file.manifest.sha256)
    expect(
      createHash('sha256')
        .update(await server.get('big.log'))
        .digest('hex'),
    ).toBe(file.manifest.sha256)
    expect(fs.existsSync(file.path)).toBe(false)
  })

  it('completes a multipart upload that an outage interrupted', async () => {
    const dir = outputDir()
    const seen = events()
    const sink = await uploader(dir, {
      prefix: 'big-outage/',
      multipartThreshold: 5 * 1024 * 1024,
      partSize: 5 * 1024 * 1024,
      onEvent: seen.push,
    })
    await server.stop()
    const body = Buffer.alloc(11 * 1024 * 1024, 'multipart after an outage\n')
    const file = finishedFile(dir, {name: 'big-outage.log', body})
    await sink.accept(file)
    await seen.until((list) => list.filter((e) => e.type === 'retry').length >= 2)
    expect(fs.existsSync(file.path)).toBe(true)
    await server.start()
    await seen.until((list) => uploaded(list) === 1)
    const head = await server.head('big-outage/big-outage.log')
    expect(head.ETag).toMatch(/-3"$/)
    expect(
      createHash('sha256')
        .update(await server.get('big-outage/big-outage.log'))
        .digest('hex'),
    ).toBe(file.manifest.sha256)
    expect(fs.existsSync(file.path)).toBe(false)
  })

  it('keeps files with --keep-local, marks them, and never uploads them twice', async () => {
    const dir = outputDir()
    const seen = events()
    const sink = await uploader(dir, {keepLocal: true, prefix: 'kept/', onEvent: seen.push})
    const file = finishedFile(dir)
    await sink.accept(file)
    await sink.close()
    expect(await server.keys('kept/')).toEqual([`kept/${file.name}`])
    expect(fs.readFileSync(file.path)).toEqual(file.body)
    // Hidden: the output dir lists only the archive file.
    expect(fs.readdirSync(dir).filter((n) => !n.startsWith('.'))).toEqual([file.name])
    const marker = JSON.parse(fs.readFileSync(hidden(file.path, '.s3.json'), 'utf8')) as Record<string, unknown>
    expect(marker).toMatchObject({
      bucket: server.bucket,
      key: `kept/${file.name}`,
      bytes: file.body.length,
      sha256: file.manifest.sha256,
      keepLocal: true,
    })
    const before = (await server.head(`kept/${file.name}`)).LastModified
    const again = events()
    const second = await uploader(dir, {keepLocal: true, prefix: 'kept/', onEvent: again.push})
    expect(second.stats().pendingFiles).toBe(0)
    await second.close()
    expect(again.list).toEqual([])
    expect((await server.head(`kept/${file.name}`)).LastModified).toEqual(before)
  })

  it('survives the server going away: retries, deletes nothing until confirmed, loses nothing', async () => {
    const dir = outputDir()
    const seen = events()
    const sink = await uploader(dir, {prefix: 'outage/', onEvent: seen.push})
    await server.stop()
    const files = [finishedFile(dir), finishedFile(dir), finishedFile(dir)]
    for (const file of files) await sink.accept(file)
    await seen.until((list) => list.filter((e) => e.type === 'retry').length >= 6)
    for (const file of files) expect(fs.readFileSync(file.path)).toEqual(file.body)
    expect(uploaded(seen.list)).toBe(0)
    expect(sink.stats().lastError).toBeDefined()
    await server.start()
    await seen.until((list) => uploaded(list) === 3)
    expect(await server.keys('outage/')).toEqual(files.map((f) => `outage/${f.name}`).sort())
    for (const file of files) {
      expect(await server.get(`outage/${file.name}`)).toEqual(file.body)
      expect(fs.existsSync(file.path)).toBe(false)
    }
    expect(sink.stats()).toMatchObject({pendingFiles: 0, lastError: undefined})
  })

  it('survives a hung server (SIGSTOP): requests time out and are retried after it resumes', async () => {
    const dir = outputDir()
    const seen = events()
    const sink = await uploader(dir, {prefix: 'hung/', requestTimeoutMs: 500, onEvent: seen.push})
    server.pause()
    const file = finishedFile(dir)
    await sink.accept(file)
    await seen.until((list) => list.some((e) => e.type === 'retry'))
    expect(fs.existsSync(file.path)).toBe(true)
    server.resume()
    await seen.until((list) => uploaded(list) === 1)
    expect(await server.get(`hung/${file.name}`)).toEqual(file.body)
    expect(fs.existsSync(file.path)).toBe(false)
  })

  it('resumes uploads pending at a crash when a new uploader opens the same output dir', async () => {
    const dir = outputDir()
    await server.stop()
    const first = await uploader(dir, {prefix: 'crash/'})
    const files = [finishedFile(dir), finishedFile(dir, {name: 'nested/f.log'})]
    for (const file of files) await first.accept(file)
    // Dies without draining (as after kill -9): the uploads are in flight or waiting.
    await first.close(AbortSignal.abort())
    for (const file of files) expect(fs.existsSync(file.path)).toBe(true)
    // A file whose upload was confirmed but whose clean-up the crash cut short: only cleaned up.
    const done = finishedFile(dir)
    fs.writeFileSync(hidden(done.path, '.s3.json'), JSON.stringify({bucket: server.bucket, key: 'crash/x', keepLocal: false}))
    // A crash between deleting an uploaded file and its manifest: the manifest alone is removed.
    const orphan = finishedFile(dir)
    fs.rmSync(orphan.path)
    await server.start()
    const seen = events()
    const second = await uploader(dir, {prefix: 'crash/', scanDepth: 1, onEvent: seen.push})
    expect(seen.list[0]).toEqual({type: 'resumed', files: 2, bytes: files[0]!.body.length + files[1]!.body.length})
    await seen.until((list) => uploaded(list) === 2)
    expect(await server.keys('crash/')).toEqual([`crash/${files[0]!.name}`, 'crash/nested/f.log'])
    for (const file of [...files, done]) expect(fs.existsSync(file.path)).toBe(false)
    expect(fs.existsSync(hidden(done.path, '.manifest.json'))).toBe(false)
    expect(fs.existsSync(hidden(done.path, '.s3.json'))).toBe(false)
    expect(fs.existsSync(hidden(orphan.path, '.manifest.json'))).toBe(false)
    // nested/ held only nested/f.log: removed once it was uploaded.
    expect(fs.readdirSync(dir)).toEqual([])
    await second.close()
  })

  it('does not upload again what a crash left uploaded but not yet deleted', async () => {
    const dir = outputDir()
    const file = finishedFile(dir)
    const first = await uploader(dir, {prefix: 'twice/', keepLocal: true})
    await first.close()
    // Simulate the crash between the confirmed upload and the marker: remove the marker.
    fs.rmSync(hidden(file.path, '.s3.json'))
    const before = await server.head(`twice/${file.name}`)
    const seen = events()
    const second = await uploader(dir, {prefix: 'twice/', onEvent: seen.push})
    await seen.until((list) => uploaded(list) === 1)
    expect(seen.list.find((e) => e.type === 'uploaded')).toMatchObject({alreadyThere: true, key: `twice/${file.name}`})
    expect((await server.head(`twice/${file.name}`)).LastModified).toEqual(before.LastModified)
    expect(fs.existsSync(file.path)).toBe(false)
    await second.close()
  })

  it('uploads an output dir written by the previous version (manifests and markers visible beside the files)', async () => {
    const dir = outputDir()
    // Before the hidden layout: <file>.manifest.json beside each file, and <file>.s3.json for one kept after upload.
    const pending = finishedFile(dir, {legacy: true, firstTimestamp: '2024-01-31T15:00:00.000Z'})
    const nested = finishedFile(dir, {legacy: true, name: 'old/nested.log'})
    const kept = finishedFile(dir, {legacy: true})
    fs.writeFileSync(
      visible(kept.path, '.s3.json'),
      JSON.stringify({
        bucket: server.bucket,
        key: `legacy/${kept.name}`,
        etag: '"x"',
        bytes: kept.body.length,
        sha256: kept.manifest.sha256,
        uploadedAt: '2024-01-31T16:00:00.000Z',
        keepLocal: true,
      }),
    )
    const seen = events()
    const sink = await uploader(dir, {prefix: 'legacy/', scanDepth: 1, onEvent: seen.push})
    expect(seen.list[0]).toEqual({type: 'resumed', files: 2, bytes: pending.body.length + nested.body.length})
    await seen.until((list) => uploaded(list) === 2)
    await sink.close()
    // The kept file's old marker still counts: it is not uploaded again.
    expect(await server.keys('legacy/')).toEqual([`legacy/${pending.name}`, 'legacy/old/nested.log'])
    const head = await server.head(`legacy/${pending.name}`)
    expect(head.Metadata).toMatchObject({topic: 'clicks', messages: String(pending.manifest.messages), sha256: pending.manifest.sha256})
    expect(await server.get('legacy/old/nested.log')).toEqual(nested.body)
    // Afterwards the dir lists only the kept archive; its marker and manifest moved to the hidden names.
    expect(fs.readdirSync(dir).filter((n) => !n.startsWith('.'))).toEqual([kept.name])
    expect(fs.readdirSync(dir).sort()).toEqual([`.${kept.name}.manifest.json`, `.${kept.name}.s3.json`, kept.name])
    expect(JSON.parse(fs.readFileSync(hidden(kept.path, '.s3.json'), 'utf8'))).toMatchObject({keepLocal: true, key: `legacy/${kept.name}`})
  })

  it('never overwrites a different object under the same key', async () => {
    const dir = outputDir()
    const first = finishedFile(dir, {name: 'reused.log', body: Buffer.from('first life\n')})
    const a = await uploader(dir, {prefix: 'reuse/'})
    await a.accept(first)
    await a.close()
    const second = finishedFile(dir, {name: 'reused.log', body: Buffer.from('second life\n')})
    const seen = events()
    const b = await uploader(dir, {prefix: 'reuse/', onEvent: seen.push})
    await seen.until((list) => uploaded(list) === 1)
    const usedKey = `reuse/reused-${second.manifest.sha256.slice(0, 16)}.log`
    expect(seen.list).toContainEqual({type: 'conflict', name: 'reused.log', key: 'reuse/reused.log', usedKey})
    expect(await server.get('reuse/reused.log')).toEqual(first.body)
    expect(await server.get(usedKey)).toEqual(second.body)
    await b.close()
  })

  it('is backlogged beyond its spool bound while the server is down, and drains when it returns', async () => {
    const dir = outputDir()
    const seen = events()
    await server.stop()
    const sink = await uploader(dir, {prefix: 'backlog/', spool: {maxBytes: 1024 ** 3, maxFiles: 2}, onEvent: seen.push})
    const files = [finishedFile(dir), finishedFile(dir)]
    for (const file of files) await sink.accept(file)
    expect(sink.backlogged).toBe(false)
    files.push(finishedFile(dir))
    await sink.accept(files[2]!)
    expect(sink.backlogged).toBe(true)
    let ready = false
    const waiting = sink.whenReady(AbortSignal.timeout(60_000)).then(() => (ready = true))
    await seen.until((list) => list.filter((e) => e.type === 'retry').length >= 3)
    expect(ready).toBe(false)
    await server.start()
    await waiting
    expect(sink.backlogged).toBe(false)
    await seen.until((list) => uploaded(list) === 3)
    expect(await server.keys('backlog/')).toHaveLength(3)
    await sink.close()
  })

  it('refuses at once a bucket that does not exist or credentials that are wrong, but not a store that is down', async () => {
    const dir = outputDir()
    await expect(uploader(dir, {bucket: 'no-such-bucket'})).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/bucket "no-such-bucket" does not exist/) as unknown,
    })
    // moto, the fallback server, accepts any signature; versitygw (what CI builds) checks it.
    if (server.kind === 'versitygw') {
      const saved = process.env.AWS_SECRET_ACCESS_KEY
      process.env.AWS_SECRET_ACCESS_KEY = 'wrong-secret'
      try {
        await expect(uploader(dir)).rejects.toMatchObject({code: 'CONFIG', message: expect.stringMatching(/denied/) as unknown})
      } finally {
        process.env.AWS_SECRET_ACCESS_KEY = saved
      }
    }
    await server.stop()
    const sink = await uploader(dir)
    expect(sink.backlogged).toBe(false)
    await server.start()
  })

  it('gives up on a file someone deleted locally while the store was down, and frees its spool slot', async () => {
    const dir = outputDir()
    const seen = events()
    await server.stop()
    const sink = await uploader(dir, {prefix: 'gone/', spool: {maxBytes: 1024 ** 3, maxFiles: 0}, onEvent: seen.push})
    const file = finishedFile(dir)
    await sink.accept(file)
    expect(sink.backlogged).toBe(true)
    await seen.until((list) => list.some((e) => e.type === 'retry'))
    fs.rmSync(file.path)
    await server.start()
    await seen.until((list) => list.some((e) => e.type === 'missing'))
    expect(sink.backlogged).toBe(false)
    expect(await server.keys('gone/')).toEqual([])
    await sink.close()
  })

  it('neither uploads nor deletes a file that to-file has reopened (its .open marker is there)', async () => {
    const dir = outputDir()
    const seen = events()
    const sink = await uploader(dir, {prefix: 'open/', onEvent: seen.push})
    const file = finishedFile(dir)
    const marker = path.join(dir, `.${file.name}.open`)
    fs.writeFileSync(marker, '{}')
    await sink.accept(file)
    await seen.until((list) => list.some((e) => e.type === 'in-progress'))
    expect(fs.readFileSync(file.path)).toEqual(file.body)
    expect(await server.keys('open/')).toEqual([])
    // Finished again: handed over again, and uploaded.
    fs.rmSync(marker)
    await sink.accept(file)
    await seen.until((list) => uploaded(list) === 1)
    expect(await server.get(`open/${file.name}`)).toEqual(file.body)
    await sink.close()
  })

  it('is also backlogged by bytes', async () => {
    const dir = outputDir()
    await server.stop()
    const sink = await uploader(dir, {prefix: 'bytes/', spool: {maxBytes: 1000, maxFiles: 100}})
    await sink.accept(finishedFile(dir, {body: Buffer.alloc(600, 'a')}))
    expect(sink.backlogged).toBe(false)
    await sink.accept(finishedFile(dir, {body: Buffer.alloc(600, 'b')}))
    expect(sink.backlogged).toBe(true)
    expect(sink.stats()).toMatchObject({pendingFiles: 2, pendingBytes: 1200})
    await server.start()
    await sink.whenReady(AbortSignal.timeout(30_000))
    await sink.close()
    expect(await server.keys('bytes/')).toHaveLength(2)
  })
})
