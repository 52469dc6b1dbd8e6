/**
 * The uploader's rules with an in-memory store that can misbehave on purpose (the real server is
 * in s3-uploader.integration.test.ts): a PUT that is acknowledged but not confirmed by HEAD is
 * retried and the local file stays until confirmation; waits follow the injected backoff.
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import type {FinishedFile} from '../../../src/tools/to-file/file-shipper.js'
import type {BucketCheck, ObjectStore, PutRequest, StoredObject} from '../../../src/tools/s3/object-store.js'
import {S3Uploader, type UploaderEvent} from '../../../src/tools/s3/uploader.js'
import {until} from '../../support/wait.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
})

/** Objects in memory; `lie` makes the next N HEADs after a PUT report nothing. */
class MemoryStore implements ObjectStore {
  readonly bucket = 'mem'
  readonly objects = new Map<string, {body: Buffer; metadata: Record<string, string>}>()
  puts = 0
  lie = 0
  localSeenAtPut: boolean[] = []

  async put(request: PutRequest): Promise<{etag: string | undefined}> {
    this.puts++
    this.objects.set(request.key, {body: fs.readFileSync(request.path), metadata: request.metadata})
    return {etag: `"${this.puts}"`}
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const object = this.objects.get(key)
    if (object === undefined) return undefined
    if (this.lie > 0 && this.puts > 0) {
      this.lie--
      return undefined
    }
    return {size: object.body.length, metadata: object.metadata, etag: '"x"'}
  }

  async checkBucket(): Promise<BucketCheck> {
    return {status: 'ok'}
  }

  close(): void {}
}

function finished(dir: string, name: string, text: string): FinishedFile {
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  const manifest = {
    messages: 1,
    bytes: text.length,
    firstTimestamp: '2024-01-31T15:00:00Z',
    lastTimestamp: '2024-01-31T15:00:00Z',
    sha256: createHash('sha256').update(text).digest('hex'),
    format: 'raw' as const,
    gzip: false,
    topic: 't',
  }
  fs.writeFileSync(path.join(dir, `.${name}.manifest.json`), JSON.stringify(manifest))
  return {path: file, name, topic: 't', manifest}
}

async function open(
  store: MemoryStore,
  onEvent: (e: UploaderEvent) => void,
  waits: number[] = [],
): Promise<{uploader: S3Uploader; dir: string}> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-unit-'))
  dirs.push(dir)
  const uploader = await S3Uploader.open({
    store,
    outputDir: dir,
    prefix: 'p/',
    keyTime: {datetimeFormat: '%Y', utc: true},
    host: 'h',
    keepLocal: false,
    spool: {maxBytes: 1000, maxFiles: 10},
    backoff: {initialMs: 100, maxMs: 1000, jitter: 0.5},
    retryClock: {sleep: async (ms) => void waits.push(ms)},
    retryRandom: () => 0.5,
    onEvent,
  })
  return {uploader, dir}
}

describe('S3Uploader rules', () => {
  it('retries a PUT that HEAD does not confirm, keeping the local file until it is confirmed', async () => {
    const store = new MemoryStore()
    store.lie = 1
    const events: UploaderEvent[] = []
    const waits: number[] = []
    const localAtRetry: boolean[] = []
    const {uploader, dir} = await open(
      store,
      (e) => {
        events.push(e)
        if (e.type === 'retry') localAtRetry.push(fs.existsSync(path.join(dir, 'a.log')))
      },
      waits,
    )
    await uploader.accept(finished(dir, 'a.log', 'hello\n'))
    await until(() => events.some((e) => e.type === 'uploaded'))
    const retries = events.filter((e) => e.type === 'retry')
    expect(retries.map((e) => e.type === 'retry' && e.error)).toEqual(['p/a.log: the upload was acknowledged but HEAD shows no object'])
    // After the unconfirmed upload, the local file was still there.
    expect(localAtRetry).toEqual([true])
    // Backoff 100 ms, cut by a quarter (jitter 0.5 × random 0.5).
    expect(waits).toEqual([75])
    // The second attempt found the first PUT's object (same digest) by HEAD and did not PUT again.
    expect(store.puts).toBe(1)
    expect(events.find((e) => e.type === 'uploaded')).toMatchObject({attempts: 2, key: 'p/a.log', alreadyThere: true})
    expect(fs.existsSync(path.join(dir, 'a.log'))).toBe(false)
    expect(fs.existsSync(path.join(dir, '.a.log.manifest.json'))).toBe(false)
    expect(store.objects.get('p/a.log')?.body.toString()).toBe('hello\n')
    await uploader.close()
  })

  it('counts each file once in the spool however often it is accepted, and stops taking files after close', async () => {
    const store = new MemoryStore()
    const events: UploaderEvent[] = []
    const {uploader, dir} = await open(store, (e) => events.push(e))
    const file = finished(dir, 'b.log', 'x\n')
    await Promise.all([uploader.accept(file), uploader.accept(file), uploader.accept(file)])
    await uploader.close()
    expect(events.filter((e) => e.type === 'uploaded')).toHaveLength(1)
    expect(store.puts).toBe(1)
    expect(uploader.stats()).toMatchObject({uploadedFiles: 1, uploadedBytes: 2, pendingFiles: 0})
    await expect(uploader.accept(finished(dir, 'c.log', 'y\n'))).rejects.toThrow(/closed/)
  })
})
