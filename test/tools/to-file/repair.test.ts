import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import {afterEach, describe, expect, it} from 'vitest'
import {ArchiveFile, type ArchiveFileConfig} from '../../../src/tools/to-file/archive-file.js'
import {repairWorkDir} from '../../../src/tools/to-file/repair.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
})

function dirsFor(separate: boolean): {workDir: string; outputDir: string} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'to-file-repair-'))
  dirs.push(root)
  return {outputDir: path.join(root, 'out'), workDir: path.join(root, separate ? 'work' : 'out')}
}

const config = (d: {workDir: string; outputDir: string}, gzip: boolean): ArchiveFileConfig => ({
  ...d,
  gzip,
  gzipLevel: 6,
  format: 'raw',
  exclusive: gzip,
  rotateSize: 0,
  manifest: true,
})
const lines = (text: string): Buffer[] => [Buffer.from(text)]
/** Where a finished file's manifest is expected: hidden beside it (`.<name>.manifest.json`). */
const manifestOf = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.manifest.json`)

describe('crash repair of the work dir', () => {
  it('gzip: cuts a torn member, keeps whole ones, moves the file out and writes its manifest', async () => {
    const d = dirsFor(true)
    const file = await ArchiveFile.open(config(d, true), 't', 'a<REV>.log.gz', 0)
    await file.append(lines('1\n2\n'), [1n, 2n])
    await file.append(lines('3\n'), [3n])
    // A crash in the middle of writing the next member.
    fs.appendFileSync(file.workPath, zlib.gzipSync(Buffer.from('4\n')).subarray(0, 12))
    const repaired = await repairWorkDir({...d, format: 'raw', manifest: true, depth: 0})
    expect(repaired).toHaveLength(1)
    expect(repaired[0]?.cutBytes).toBe(12)
    const out = path.join(d.outputDir, 'a-000000.log.gz')
    expect(zlib.gunzipSync(fs.readFileSync(out)).toString()).toBe('1\n2\n3\n')
    expect(JSON.parse(fs.readFileSync(manifestOf(out), 'utf8'))).toMatchObject({
      messages: 3,
      bytes: fs.statSync(out).size,
      gzip: true,
    })
    expect(fs.readdirSync(d.workDir)).toEqual([])
  })

  it('plain: cuts at the last journaled sync even when the torn tail ends in a newline', async () => {
    const d = dirsFor(true)
    const file = await ArchiveFile.open(config(d, false), 't', 'p<REV>.log', 0)
    await file.append(lines('a\nb\n'), [1n, 2n])
    fs.appendFileSync(file.workPath, 'c\nd\n') // written, never synced: never FIN'd
    const [r] = await repairWorkDir({...d, format: 'raw', manifest: true, depth: 0})
    expect(r?.cutBytes).toBe(4)
    expect(fs.readFileSync(path.join(d.outputDir, 'p-000000.log'), 'utf8')).toBe('a\nb\n')
    expect(fs.readdirSync(d.workDir)).toEqual([])
  })

  it('never overwrites on the move: a clash bumps the revision', async () => {
    const d = dirsFor(true)
    const file = await ArchiveFile.open(config(d, true), 't', 'a<REV>.log.gz', 0)
    await file.append(lines('x\n'), [1n])
    fs.writeFileSync(path.join(d.outputDir, 'a-000000.log.gz'), 'someone else')
    const [r] = await repairWorkDir({...d, format: 'raw', manifest: true, depth: 0})
    expect(r?.file?.name).toBe('a-000001.log.gz')
    expect(fs.readFileSync(path.join(d.outputDir, 'a-000000.log.gz'), 'utf8')).toBe('someone else')
  })

  it('without a work dir: repairs in place only files marked in progress, leaving finished files alone', async () => {
    const d = dirsFor(false)
    fs.mkdirSync(d.outputDir, {recursive: true})
    fs.writeFileSync(path.join(d.outputDir, 'finished.log'), 'done\npartial-looking')
    const file = await ArchiveFile.open(config(d, false), 't', 'live.log', 0)
    await file.append(lines('ok\n'), [1n])
    fs.appendFileSync(file.workPath, 'torn')
    const repaired = await repairWorkDir({...d, format: 'raw', manifest: true, depth: 0})
    expect(repaired.map((r) => r.file?.name)).toEqual(['live.log'])
    expect(fs.readFileSync(path.join(d.outputDir, 'live.log'), 'utf8')).toBe('ok\n')
    expect(fs.readFileSync(path.join(d.outputDir, 'finished.log'), 'utf8')).toBe('done\npartial-looking')
    // No sidecar left, only the repaired file's hidden manifest.
    expect(fs.readdirSync(d.outputDir).filter((n) => n.startsWith('.'))).toEqual(['.live.log.manifest.json'])
  })

  it('finishes a move that a crash interrupted after the link (no second copy)', async () => {
    const d = dirsFor(true)
    const file = await ArchiveFile.open(config(d, true), 't', 'a<REV>.log.gz', 0)
    await file.append(lines('x\n'), [1n])
    fs.mkdirSync(d.outputDir, {recursive: true})
    fs.linkSync(file.workPath, path.join(d.outputDir, 'a-000000.log.gz'))
    fs.writeFileSync(
      path.join(d.workDir, '.a-000000.log.gz.open'),
      JSON.stringify({topic: 't', format: 'raw', gzip: true, datedName: 'a<REV>.log.gz', rev: 0, destination: 'a-000000.log.gz'}),
    )
    await repairWorkDir({...d, format: 'raw', manifest: true, depth: 0})
    expect(fs.readdirSync(d.outputDir).sort()).toEqual(['.a-000000.log.gz.manifest.json', 'a-000000.log.gz'])
    expect(fs.readdirSync(d.workDir)).toEqual([])
  })

  it('removes a file that held nothing synced', async () => {
    const d = dirsFor(true)
    const file = await ArchiveFile.open(config(d, true), 't', 'a<REV>.log.gz', 0)
    fs.appendFileSync(file.workPath, zlib.gzipSync(Buffer.from('never synced\n')).subarray(0, 15))
    const [r] = await repairWorkDir({...d, format: 'raw', manifest: true, depth: 0})
    expect(r?.removedEmpty).toBe(true)
    expect(fs.readdirSync(d.workDir)).toEqual([])
    expect(fs.existsSync(d.outputDir) ? fs.readdirSync(d.outputDir) : []).toEqual([])
  })
})

describe('crash repair: leftovers of a finish', () => {
  it('removes a journal whose marker is already gone, without touching the finished file', async () => {
    for (const separate of [true, false]) {
      const d = dirsFor(separate)
      const file = await ArchiveFile.open(config(d, false), 't', separate ? 'p<REV>.log' : 'p.log', 0)
      await file.append(lines('a\n'), [1n])
      const finished = await file.finish()
      // As if the crash came between the removal of the journal and of the marker, in the old order.
      fs.writeFileSync(path.join(d.workDir, `.${path.basename(file.workPath)}.sync`), 'x')
      const manifestBefore = fs.readFileSync(manifestOf(finished.path), 'utf8')
      const repaired = await repairWorkDir({...d, format: 'raw', manifest: true, depth: 0})
      expect(repaired.every((r) => r.file === undefined)).toBe(true)
      // No sidecar left; without a work dir the work dir is the output dir, which holds the hidden manifest.
      expect(fs.readdirSync(d.workDir).filter((n) => n.startsWith('.'))).toEqual(separate ? [] : ['.p.log.manifest.json'])
      expect(fs.readFileSync(finished.path, 'utf8')).toBe('a\n')
      expect(fs.readFileSync(manifestOf(finished.path), 'utf8')).toBe(manifestBefore)
    }
  })
})

describe('crash repair without a work dir (the marker tells a file in progress)', () => {
  for (const marker of ['{"topic":"t","format":"raw","datedName":"a<REV>.log","rev":0}', '{"topic":"t","for', '']) {
    it(`plain file whose marker is ${marker === '' ? 'empty' : marker.endsWith('}') ? 'missing the gzip field' : 'torn'}: repaired and given its manifest, not mistaken for finished`, async () => {
      const d = dirsFor(false)
      const file = await ArchiveFile.open(config(d, false), 't', 'a<REV>.log', 0)
      await file.append(lines('1\n2\n'), [1n, 2n])
      fs.appendFileSync(file.workPath, '3-torn')
      fs.writeFileSync(path.join(d.workDir, '.a-000000.log.open'), marker)
      const repaired = await repairWorkDir({...d, format: 'raw', manifest: true, depth: 0})
      expect(repaired).toHaveLength(1)
      const out = path.join(d.outputDir, 'a-000000.log')
      expect(repaired[0]?.file?.path).toBe(out)
      expect(fs.readFileSync(out, 'utf8')).toBe('1\n2\n')
      expect(JSON.parse(fs.readFileSync(manifestOf(out), 'utf8'))).toMatchObject({messages: 2, gzip: false})
      expect(fs.readdirSync(d.outputDir).sort()).toEqual(['.a-000000.log.manifest.json', 'a-000000.log'])
    })
  }
})
