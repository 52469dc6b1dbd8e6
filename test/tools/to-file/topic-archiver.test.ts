import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {ArchiveFile} from '../../../src/tools/to-file/archive-file.js'
import type {FileShipper, FinishedFile} from '../../../src/tools/to-file/file-shipper.js'
import {topicFilenameFormat} from '../../../src/tools/to-file/naming.js'
import {utcWallTime} from '../../../src/tools/to-file/strftime.js'
import {TopicArchiver, type TopicArchiverOptions} from '../../../src/tools/to-file/topic-archiver.js'
import {FakeSource} from './fake-source.js'
import {sleep, until} from '../../support/wait.js'

const dirs: string[] = []
afterEach(() => {
  vi.restoreAllMocks()
  for (const dir of dirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
})

const T0 = Date.UTC(2024, 0, 31, 15, 59, 58)

function setup(overrides: Partial<TopicArchiverOptions> & {gzip?: boolean; workDir?: boolean} = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'to-file-unit-'))
  dirs.push(root)
  const outputDir = path.join(root, 'out')
  const workDir = overrides.workDir === true ? path.join(root, 'work') : outputDir
  const clock = {now: T0}
  const source = new FakeSource()
  const finished: FinishedFile[] = []
  const opened: string[] = []
  const gzip = overrides.gzip ?? false
  const rotation = overrides.rotation ?? {rotateSize: 0, rotateIntervalMs: 0}
  const archiver = new TopicArchiver(source, {
    topic: 't',
    file: {
      workDir,
      outputDir,
      gzip,
      gzipLevel: 6,
      format: 'raw',
      exclusive: gzip || rotation.rotateIntervalMs > 0,
      rotateSize: rotation.rotateSize,
      manifest: true,
    },
    topicFormat: topicFilenameFormat(
      {
        filenameFormat: '<TOPIC>.<HOST><REV>.<DATETIME>.log',
        hostIdentifier: 'h',
        gzip,
        rotateSize: rotation.rotateSize,
        rotateIntervalMs: rotation.rotateIntervalMs,
        separateWorkDir: workDir !== outputDir,
      },
      't',
    ),
    datetimeFormat: '%Y-%m-%d_%H',
    rotation,
    syncIntervalMs: 30_000,
    skipEmptyFiles: false,
    maxInFlight: 10,
    dedupeWindow: 0,
    drainTimeoutMs: 1000,
    now: () => clock.now,
    wallTime: (ms) => utcWallTime(new Date(ms)),
    lingerMs: 5,
    events: {finished: (f) => finished.push(f), opened: (_t, p) => opened.push(p)},
    ...overrides,
  })
  const done = archiver.run()
  return {root, outputDir, workDir, clock, source, archiver, finished, opened, done}
}

const read = (file: string): string => (file.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(file)) : fs.readFileSync(file)).toString()

describe('TopicArchiver (injected clock, real files, fake message source)', () => {
  it('rotates when the hour changes: the revision restarts at 0 and each file holds its hour', async () => {
    const {source, clock, archiver, finished, done, outputDir} = setup({gzip: true, workDir: true})
    source.push('a')
    source.push('b')
    await until(() => source.finished.length === 2)
    clock.now = T0 + 3000 // 16:00:01
    source.push('c')
    await until(() => source.finished.length === 3)
    archiver.stop()
    await done
    expect(finished.map((f) => f.name)).toEqual(['t.h-000000.2024-01-31_15.log.gz', 't.h-000000.2024-01-31_16.log.gz'])
    expect([
      read(path.join(outputDir, 't.h-000000.2024-01-31_15.log.gz')),
      read(path.join(outputDir, 't.h-000000.2024-01-31_16.log.gz')),
      source.finished,
    ]).toEqual(['a\nb\n', 'c\n', ['a', 'b', 'c']])
    expect(read(path.join(outputDir, 't.h-000000.2024-01-31_16.log.gz'))).toBe('c\n')
    expect(source.finished).toEqual(['a', 'b', 'c'])
  })

  it("with two syncs in flight, no message is FIN'd before the fdatasync covering it (and every earlier one) resolved; bytes stay in arrival order", async () => {
    // The fdatasync seam: each sync runs the real one, then waits until the test lets it resolve.
    type Sync = (this: ArchiveFile, span: Parameters<ArchiveFile['sync']>[0]) => Promise<void>
    const realSync = Object.getOwnPropertyDescriptor(ArchiveFile.prototype, 'sync')?.value as Sync
    const gates: (() => void)[] = []
    let open = false
    vi.spyOn(ArchiveFile.prototype, 'sync').mockImplementation(async function (this: ArchiveFile, span) {
      // The gate is taken when the sync is called, so gates[i] is the i-th batch's sync whichever
      // real fdatasync returns first.
      const gate = open ? Promise.resolve() : new Promise<void>((resolve) => gates.push(resolve))
      await realSync.call(this, span)
      await gate
    })
    // max-in-flight 8: a batch is synced once it holds 2 messages.
    const {source, archiver, done, outputDir} = setup({maxInFlight: 8})
    for (const body of ['a', 'b', 'c', 'd']) source.push(body)
    await until('two syncs in flight', () => gates.length === 2)
    const turns = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
    }
    await turns()
    expect(source.finished).toEqual([])
    // The second batch's sync resolves first: it is durable, but the first is not yet, so nothing is FIN'd.
    ;(gates[1] as () => void)()
    await turns()
    expect(source.finished).toEqual([])
    // The first resolves: both batches are FIN'd, in order.
    ;(gates[0] as () => void)()
    await until(() => source.finished.length === 4)
    expect(source.finished).toEqual(['a', 'b', 'c', 'd'])
    open = true
    archiver.stop()
    await done
    const [file] = fs.readdirSync(outputDir).filter((f) => !f.startsWith('.'))
    expect(read(path.join(outputDir, file as string))).toBe('a\nb\nc\nd\n')
  })

  it('rotates by size after more than rotate-size bytes, bumping the revision', async () => {
    const {source, archiver, finished, done} = setup({rotation: {rotateSize: 4, rotateIntervalMs: 0}})
    for (const body of ['aa', 'bb', 'cc', 'dd', 'ee']) source.push(body)
    await until(() => source.finished.length === 5)
    archiver.stop()
    await done
    // 'aa\n' (3) then 'bb\n' (6 > 4) → next message opens rev 1.
    expect(finished.map((f) => [f.name, f.manifest.messages])).toEqual([
      ['t.h-000000.2024-01-31_15.log', 2],
      ['t.h-000001.2024-01-31_15.log', 2],
      ['t.h-000002.2024-01-31_15.log', 1],
    ])
  })

  it('rotates by interval on the sync tick, and SIGHUP closes the file so the next gets rev+1', async () => {
    const {source, clock, archiver, finished, opened, done, outputDir} = setup({rotation: {rotateSize: 0, rotateIntervalMs: 1000}})
    source.push('x')
    await until(() => source.finished.length === 1)
    clock.now += 1001
    archiver.tick() // interval passed: a new (empty) file opens at once (no --skip-empty-files)
    await until(() => opened.length === 2)
    source.push('y')
    await until(() => source.finished.length === 2)
    archiver.rotate()
    await until(() => finished.length === 2)
    source.push('z')
    await until(() => source.finished.length === 3)
    archiver.stop()
    await done
    expect(finished.map((f) => f.name)).toEqual([
      't.h-000000.2024-01-31_15.log',
      't.h-000001.2024-01-31_15.log',
      't.h-000002.2024-01-31_15.log',
    ])
    expect(['000000', '000001', '000002'].map((rev) => read(path.join(outputDir, `t.h-${rev}.2024-01-31_15.log`)))).toEqual([
      'x\n',
      'y\n',
      'z\n',
    ])
  })

  it('with --skip-empty-files a tick only closes the file; the next message opens the next', async () => {
    const {source, clock, archiver, finished, opened, done} = setup({
      skipEmptyFiles: true,
      rotation: {rotateSize: 0, rotateIntervalMs: 1000},
    })
    source.push('x')
    await until(() => source.finished.length === 1)
    clock.now += 1001
    archiver.tick()
    await until(() => finished.length === 1)
    expect(finished.map((f) => f.name)).toEqual(['t.h-000000.2024-01-31_15.log'])
    clock.now += 5000
    archiver.tick()
    // The tick runs as an exclusive op: once the archiver is ready again it is done, slow or not.
    await archiver.whenReady()
    expect(finished).toHaveLength(1)
    expect(opened).toHaveLength(1)
    archiver.stop()
    await done
    expect(finished).toHaveLength(1)
  })

  it('never overwrites a name already in the output dir: it skips to the next free revision', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'to-file-unit-'))
    dirs.push(root)
    const out = path.join(root, 'out')
    fs.mkdirSync(out, {recursive: true})
    fs.writeFileSync(path.join(out, 't.h-000000.2024-01-31_15.log.gz'), 'precious')
    const {source, archiver, finished, done, outputDir} = setup({
      gzip: true,
      workDir: true,
      file: {
        workDir: path.join(root, 'work'),
        outputDir: out,
        gzip: true,
        gzipLevel: 6,
        format: 'raw',
        exclusive: true,
        rotateSize: 0,
        manifest: true,
      },
    })
    source.push('new')
    await until(() => source.finished.length === 1)
    archiver.stop()
    await done
    expect(outputDir).not.toBe(out) // setup made its own dirs; the override points at ours
    expect(fs.readFileSync(path.join(out, 't.h-000000.2024-01-31_15.log.gz'), 'utf8')).toBe('precious')
    expect(finished.map((f) => f.name)).toEqual(['t.h-000001.2024-01-31_15.log.gz'])
    expect(read(path.join(out, 't.h-000001.2024-01-31_15.log.gz'))).toBe('new\n')
    expect(fs.readdirSync(path.join(root, 'work'))).toEqual([])
  })

  it('writes a hidden manifest with counts, time range and the sha256 of the stored bytes', async () => {
    const {source, archiver, finished, done, outputDir} = setup({gzip: true, workDir: true})
    source.push('late', 1_700_000_002_000)
    source.push('early', 1_700_000_001_000)
    await until(() => source.finished.length === 2)
    archiver.stop()
    await done
    const name = finished[0]?.name ?? ''
    const file = path.join(outputDir, name)
    // Hidden beside the file: the listing holds only the archive, as nsq_to_file's does.
    expect(fs.readdirSync(outputDir).sort()).toEqual([`.${name}.manifest.json`, name])
    const manifest = JSON.parse(fs.readFileSync(path.join(outputDir, `.${name}.manifest.json`), 'utf8')) as Record<string, unknown>
    const {createHash} = await import('node:crypto')
    expect(manifest).toEqual({
      messages: 2,
      bytes: fs.statSync(file).size,
      firstTimestamp: '2023-11-14T22:13:21.000000000Z',
      lastTimestamp: '2023-11-14T22:13:22.000000000Z',
      sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
      format: 'raw',
      gzip: true,
    })
  })

  it('--redelivery-window drops a message the same nsqd delivers again (same id), still FINs it, and keeps the same id from another nsqd', async () => {
    const {source, archiver, done, outputDir, finished} = setup({redeliveryWindow: 100})
    source.push('a', undefined, {id: '0000000000000001'})
    source.push('b', undefined, {id: '0000000000000002'})
    source.push('a', undefined, {id: '0000000000000001', attempts: 2}) // redelivered after a lost connection
    source.push('x', undefined, {id: '0000000000000001', nsqd: '127.0.0.1:4250'}) // another nsqd's id space
    source.push('b', undefined, {id: '0000000000000003'}) // same body, new id: a new message
    await until(() => source.finished.length === 5)
    archiver.stop()
    const stats = await done
    expect(stats.redeliveriesDropped).toBe(1)
    expect(stats.messages).toBe(4)
    expect(read(path.join(outputDir, finished[0]?.name ?? ''))).toBe('a\nb\nx\nb\n')
    expect(source.finished.sort()).toEqual(['a', 'a', 'b', 'b', 'x'])
  })

  it('without --redelivery-window a redelivery is archived twice (at least once)', async () => {
    const {source, archiver, done, outputDir, finished} = setup()
    source.push('a', undefined, {id: '0000000000000001'})
    source.push('a', undefined, {id: '0000000000000001', attempts: 2})
    await until(() => source.finished.length === 2)
    archiver.stop()
    expect((await done).redeliveriesDropped).toBe(0)
    expect(read(path.join(outputDir, finished[0]?.name ?? ''))).toBe('a\na\n')
  })

  it('--dedupe-window drops repeated bodies but still FINs them', async () => {
    const {source, archiver, done, outputDir, finished} = setup({dedupeWindow: 100})
    for (const body of ['a', 'b', 'a', 'c', 'b']) source.push(body)
    await until(() => source.finished.length === 5)
    archiver.stop()
    const stats = await done
    expect(stats.duplicatesDropped).toBe(2)
    expect(read(path.join(outputDir, finished[0]?.name ?? ''))).toBe('a\nb\nc\n')
    expect(source.finished.sort()).toEqual(['a', 'a', 'b', 'b', 'c'])
  })

  it('while the file shipper is backlogged, messages are held unwritten and unFINd, then archived in order once it is ready', async () => {
    let release!: () => void
    const shipper: FileShipper & {backlogged: boolean} = {
      backlogged: false,
      accept: () => Promise.resolve(),
      whenReady: () => new Promise<void>((resolve) => (release = resolve)),
      close: () => Promise.resolve({files: 0, bytes: 0, lastError: undefined}),
    }
    const {source, archiver, done, outputDir, finished} = setup({shipper})
    source.push('a')
    await until(() => source.finished.length === 1)
    shipper.backlogged = true
    source.push('b')
    source.push('c')
    // Taken (the source has nothing queued) but held: nothing written, nothing FIN'd, nothing requeued.
    await until(() => source.queued === 0)
    await sleep(20) // give a (wrong) write and sync the chance to happen
    expect(source.finished).toEqual(['a'])
    expect(source.requeued).toEqual([])
    shipper.backlogged = false
    release()
    await until(() => source.finished.length === 3)
    expect(source.finished).toEqual(['a', 'b', 'c'])
    archiver.stop()
    await done
    expect(read(path.join(outputDir, finished[0]?.name ?? ''))).toBe('a\nb\nc\n')
  })

  it('stop while messages are held writes them before the file is closed', async () => {
    const shipper: FileShipper = {
      backlogged: true,
      accept: () => Promise.resolve(),
      whenReady: () => new Promise<void>(() => undefined),
      close: () => Promise.resolve({files: 0, bytes: 0, lastError: undefined}),
    }
    const {source, archiver, done, outputDir, finished} = setup({shipper})
    source.push('x')
    source.push('y')
    await until(() => source.queued === 0)
    expect(source.finished).toEqual([])
    archiver.stop()
    await done
    expect(source.finished).toEqual(['x', 'y'])
    expect(read(path.join(outputDir, finished[0]?.name ?? ''))).toBe('x\ny\n')
  })

  it("a file error ends the run with it, and the messages it held are requeued, none FIN'd", async () => {
    const {source, done, root} = setup()
    // The output dir cannot be created: a file is in its place.
    fs.writeFileSync(path.join(root, 'out'), 'not a directory')
    source.push('p')
    source.push('q')
    await expect(done).rejects.toThrow()
    expect(source.finished).toEqual([])
    expect(source.requeued.sort()).toEqual(['p', 'q'])
  })
})
