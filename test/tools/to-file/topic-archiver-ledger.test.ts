/**
 * Unique names with a shipper: a shipper that deletes each finished file (and its manifest) once it
 * has it, as the S3 uploader does after a confirmed upload, must never be handed the same name
 * twice, across restarts (a new archiver on the same dirs) within the same dated name too.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import {afterEach, describe, expect, it} from 'vitest'
import type {FileShipper, FinishedFile, ShipperLeftover} from '../../../src/tools/to-file/file-shipper.js'
import {manifestPath} from '../../../src/tools/to-file/manifest.js'
import {topicFilenameFormat} from '../../../src/tools/to-file/naming.js'
import {repairWorkDir} from '../../../src/tools/to-file/repair.js'
import {RevisionLedger} from '../../../src/tools/to-file/revision-ledger.js'
import {archiveConfig} from '../../../src/tools/to-file/run-to-file.js'
import {utcWallTime} from '../../../src/tools/to-file/strftime.js'
import {TopicArchiver} from '../../../src/tools/to-file/topic-archiver.js'
import {FakeSource} from './fake-source.js'
import {until} from '../../support/wait.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
})

const T0 = Date.UTC(2024, 0, 31, 15, 10, 0)

/** Takes each finished file, keeps its content, and deletes it and its manifest (as the uploader does once an upload is confirmed). */
class DeletingShipper implements FileShipper {
  readonly names: string[] = []
  readonly contents = new Map<string, string>()
  readonly backlogged = false

  async accept(file: FinishedFile): Promise<void> {
    const data = fs.readFileSync(file.path)
    const text = (file.name.endsWith('.gz') ? zlib.gunzipSync(data) : data).toString()
    this.names.push(file.name)
    this.contents.set(file.name, (this.contents.get(file.name) ?? '') + text)
    fs.rmSync(file.path)
    fs.rmSync(manifestPath(file.path), {force: true})
  }

  whenReady(): Promise<void> {
    return Promise.resolve()
  }

  close(): Promise<ShipperLeftover> {
    return Promise.resolve({files: 0, bytes: 0, lastError: undefined})
  }
}

interface Dirs {
  outputDir: string
  workDir: string
}

function makeDirs(separate: boolean): Dirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'to-file-ledger-archiver-'))
  dirs.push(root)
  const outputDir = path.join(root, 'out')
  return {outputDir, workDir: separate ? path.join(root, 'work') : outputDir}
}

interface RunOptions {
  gzip?: boolean
  rotateSize?: number
  shipper?: DeletingShipper
  /** The run's ledger (default: a fresh instance over the work dir when a sink is given, as run-to-file does). */
  ledger?: RevisionLedger
  now?: number
}

/** One to-file run (a new archiver, as after a restart) over the same dirs; wired like run-to-file. */
function start(where: Dirs, options: RunOptions = {}) {
  const gzip = options.gzip ?? false
  const rotateSize = options.rotateSize ?? 0
  const uniqueNames = options.shipper !== undefined
  const file = archiveConfig({
    outputDir: where.outputDir,
    workDir: where.workDir === where.outputDir ? '' : where.workDir,
    gzip,
    gzipLevel: 6,
    format: 'raw',
    rotateSize,
    rotateIntervalMs: 0,
    manifest: true,
    uniqueNames,
  })
  const topicFormat = topicFilenameFormat(
    {
      filenameFormat: '<TOPIC>.<HOST><REV>.<DATETIME>.log',
      hostIdentifier: 'h',
      gzip,
      rotateSize,
      rotateIntervalMs: 0,
      separateWorkDir: file.workDir !== file.outputDir,
      uniqueNames,
    },
    't',
  )
  const ledger = options.ledger ?? (uniqueNames ? new RevisionLedger(file.workDir, 't') : undefined)
  const source = new FakeSource()
  const archiver = new TopicArchiver(source, {
    topic: 't',
    file,
    topicFormat,
    datetimeFormat: '%Y-%m-%d_%H',
    rotation: {rotateSize, rotateIntervalMs: 0},
    syncIntervalMs: 30_000,
    skipEmptyFiles: false,
    maxInFlight: 10,
    dedupeWindow: 0,
    drainTimeoutMs: 1000,
    now: () => options.now ?? T0,
    wallTime: (ms) => utcWallTime(new Date(ms)),
    lingerMs: 5,
    ...(options.shipper === undefined ? {} : {shipper: options.shipper}),
    ...(ledger === undefined ? {} : {ledger}),
  })
  const done = archiver.run()
  return {file, source, archiver, done}
}

/** Pushes bodies and waits until they are FIN'd (durable). */
async function archive(source: FakeSource, bodies: string[]): Promise<void> {
  const before = source.finished.length
  for (const body of bodies) source.push(body)
  await until(() => source.finished.length === before + bodies.length)
}

/** Every file below `dir` (relative paths), hidden ones included. */
const filesIn = (dir: string): string[] =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, {recursive: true, withFileTypes: true})
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
        .sort()
    : []

describe('TopicArchiver with a sink that deletes what it takes: names are never reused', () => {
  it('append mode (no gzip, rotation or work dir): <REV> is kept, and a restart in the same hour continues above the revisions handed out', async () => {
    const where = makeDirs(false)
    const sink = new DeletingShipper()
    const first = start(where, {shipper: sink})
    expect(first.file.exclusive).toBe(true)
    await archive(first.source, ['a', 'b'])
    first.archiver.rotate() // SIGHUP: rev 0 is finished and taken (deleted) by the sink
    await until(() => sink.names.length === 1)
    await archive(first.source, ['c'])
    first.archiver.stop()
    await first.done

    const second = start(where, {shipper: sink}) // a restart: new archiver, new ledger instance, same hour
    await archive(second.source, ['d'])
    second.archiver.stop()
    await second.done

    expect(sink.names).toEqual(['t.h-000000.2024-01-31_15.log', 't.h-000001.2024-01-31_15.log', 't.h-000002.2024-01-31_15.log'])
    expect(sink.names.map((name) => sink.contents.get(name))).toEqual(['a\nb\n', 'c\n', 'd\n'])
    // Only the (hidden) ledger is left locally.
    expect(filesIn(where.outputDir)).toEqual(['.t.rev.json'])
  })

  it('gzip + rotate-size + work dir: several restarts in the same hour never hand the sink a name twice, and every message is in exactly one file', async () => {
    const where = makeDirs(true)
    const sink = new DeletingShipper()
    const all: string[] = []
    for (let run = 0; run < 3; run++) {
      const r = start(where, {shipper: sink, gzip: true, rotateSize: 3})
      const bodies = [`r${run}a`, `r${run}b`, `r${run}c`]
      for (const body of bodies) await archive(r.source, [body]) // one per sync: each 4-byte line is over rotate-size 3, so one file each
      all.push(...bodies)
      r.archiver.stop()
      await r.done
    }
    expect(new Set(sink.names).size).toBe(sink.names.length)
    expect(sink.names).toHaveLength(9)
    expect(sink.names.map((name) => /-(\d{6})\./.exec(name)?.[1])).toEqual([
      '000000',
      '000001',
      '000002',
      '000003',
      '000004',
      '000005',
      '000006',
      '000007',
      '000008',
    ])
    expect([...sink.contents.values()].join('').split('\n').slice(0, -1)).toEqual(all)
    expect(filesIn(where.outputDir)).toEqual([])
    expect(filesIn(where.workDir)).toEqual(['.t.rev.json'])
  })

  it('a new hour starts again at revision 0 (the ledger only lifts a dated name it has seen)', async () => {
    const where = makeDirs(false)
    const sink = new DeletingShipper()
    const first = start(where, {shipper: sink})
    await archive(first.source, ['a'])
    first.archiver.stop()
    await first.done
    const second = start(where, {shipper: sink, now: T0 + 3_600_000})
    await archive(second.source, ['b'])
    second.archiver.stop()
    await second.done
    expect(sink.names).toEqual(['t.h-000000.2024-01-31_15.log', 't.h-000000.2024-01-31_16.log'])
  })

  it('without a sink nothing changes: no ledger, nsq_to_file names, and a restart in the same hour appends to the same file', async () => {
    const where = makeDirs(false)
    const first = start(where)
    expect(first.file.exclusive).toBe(false)
    await archive(first.source, ['a'])
    first.archiver.stop()
    await first.done
    const second = start(where)
    await archive(second.source, ['b'])
    second.archiver.stop()
    await second.done
    expect(filesIn(where.outputDir)).toEqual(['.t.h.2024-01-31_15.log.manifest.json', 't.h.2024-01-31_15.log'])
    expect(fs.readFileSync(path.join(where.outputDir, 't.h.2024-01-31_15.log'), 'utf8')).toBe('a\nb\n')
  })

  it('a crash between the ledger write and the file open loses nothing and skips that revision', async () => {
    const where = makeDirs(true)
    const sink = new DeletingShipper()
    const first = start(where, {shipper: sink})
    await archive(first.source, ['a'])
    first.archiver.stop()
    await first.done // rev 0 handed out and deleted

    // The ledger claims rev 1 durably, then the process "dies" before the marker and the file exist.
    class DyingLedger extends RevisionLedger {
      override async claim(datedName: string, rev: number): Promise<void> {
        await super.claim(datedName, rev)
        throw new Error('killed after the ledger write')
      }
    }
    const crashed = start(where, {shipper: sink, ledger: new DyingLedger(where.workDir, 't')})
    crashed.source.push('b')
    await expect(crashed.done).rejects.toThrow('killed after the ledger write')
    expect(crashed.source.finished).toEqual([]) // not FIN'd: nsqd delivers 'b' again
    expect(filesIn(where.workDir)).toEqual(['.t.rev.json'])
    expect(await repairWorkDir({workDir: where.workDir, outputDir: where.outputDir, format: 'raw', manifest: true, depth: 0})).toEqual([])

    const restarted = start(where, {shipper: sink})
    await archive(restarted.source, ['b'])
    restarted.archiver.stop()
    await restarted.done
    expect(sink.names).toEqual(['t.h-000000.2024-01-31_15.log', 't.h-000002.2024-01-31_15.log'])
    expect(sink.contents.get('t.h-000002.2024-01-31_15.log')).toBe('b\n')
  })

  it('a crash with a file open: repair finishes it under its name, and the next run continues above it', async () => {
    const where = makeDirs(true)
    const sink = new DeletingShipper()
    const crashed = start(where, {shipper: sink, gzip: true})
    await archive(crashed.source, ['a', 'b']) // durable in rev 0, still open in the work dir
    // "kill -9": the archiver is abandoned; repair at the next start finishes its file.
    const repaired = await repairWorkDir({workDir: where.workDir, outputDir: where.outputDir, format: 'raw', manifest: true, depth: 0})
    expect(repaired.map((r) => r.file?.name)).toEqual(['t.h-000000.2024-01-31_15.log.gz'])
    for (const r of repaired) if (r.file !== undefined) await sink.accept(r.file) // the uploader's scan takes it

    const restarted = start(where, {shipper: sink, gzip: true})
    await archive(restarted.source, ['c'])
    restarted.archiver.stop()
    await restarted.done
    expect(sink.names).toEqual(['t.h-000000.2024-01-31_15.log.gz', 't.h-000001.2024-01-31_15.log.gz'])
    expect(sink.names.map((name) => sink.contents.get(name))).toEqual(['a\nb\n', 'c\n'])
    // The abandoned archiver's file was moved away under it: stopping it now fails, harmlessly.
    crashed.archiver.stop()
    await crashed.done.catch(() => undefined)
  })
})
