/**
 * Where manifests live: hidden beside each finished file, so the output dir's listing is what
 * nsq_to_file's is; the visible `<file>.manifest.json` of earlier versions is still read and is
 * moved to the hidden name.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {ArchiveFile} from '../../../src/tools/to-file/archive-file.js'
import {migrateLegacyManifests, readManifest} from '../../../src/tools/to-file/manifest.js'
import {nameDepth} from '../../../src/tools/to-file/naming.js'
import {repairWorkDir} from '../../../src/tools/to-file/repair.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
})
const temp = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-layout-'))
  dirs.push(dir)
  return dir
}
const manifest = (messages: number): string =>
  JSON.stringify({messages, bytes: 2, firstTimestamp: null, lastTimestamp: null, sha256: 'a'.repeat(64), format: 'raw', gzip: false})
const listing = (dir: string): string[] => fs.readdirSync(dir).sort()

describe('manifest layout', () => {
  it('a finished file gets .<name>.manifest.json; nothing else visible beside it', async () => {
    const out = temp()
    const config = {
      workDir: out,
      outputDir: out,
      gzip: false,
      gzipLevel: 6,
      format: 'raw' as const,
      exclusive: false,
      rotateSize: 0,
      manifest: true,
    }
    const file = await ArchiveFile.open(config, 't', 'sub/t.log', 0)
    await file.append([Buffer.from('a\n')], [1_700_000_000_000_000_000n])
    const finished = await file.finish()
    expect(listing(out)).toEqual(['sub'])
    expect(listing(path.join(out, 'sub'))).toEqual(['.t.log.manifest.json', 't.log'])
    expect(JSON.parse(fs.readFileSync(path.join(out, 'sub', '.t.log.manifest.json'), 'utf8'))).toEqual(finished.manifest)
  })

  it('moves the visible manifests of an older version to the hidden name, leaving a file that is not a manifest alone', async () => {
    const out = temp()
    fs.mkdirSync(path.join(out, 'day'))
    fs.writeFileSync(path.join(out, 'a.log'), 'x\n')
    fs.writeFileSync(path.join(out, 'a.log.manifest.json'), manifest(1))
    fs.writeFileSync(path.join(out, 'day', 'b.log'), 'y\n')
    fs.writeFileSync(path.join(out, 'day', 'b.log.manifest.json'), manifest(2))
    // Both names (a crash between writing the hidden one and removing the visible one): the hidden one wins.
    fs.writeFileSync(path.join(out, 'c.log'), 'z\n')
    fs.writeFileSync(path.join(out, 'c.log.manifest.json'), manifest(3))
    fs.writeFileSync(path.join(out, '.c.log.manifest.json'), manifest(4))
    fs.writeFileSync(path.join(out, 'users.manifest.json'), '{"mine": true}')
    expect(await migrateLegacyManifests(out, 1)).toBe(3)
    expect(listing(out)).toEqual(['.a.log.manifest.json', '.c.log.manifest.json', 'a.log', 'c.log', 'day', 'users.manifest.json'])
    expect(listing(path.join(out, 'day'))).toEqual(['.b.log.manifest.json', 'b.log'])
    expect((await readManifest(path.join(out, 'day', 'b.log')))?.messages).toBe(2)
    expect((await readManifest(path.join(out, 'c.log')))?.messages).toBe(4)
    expect(fs.readFileSync(path.join(out, 'users.manifest.json'), 'utf8')).toBe('{"mine": true}')
  })

  it('reads a visible manifest of an older version where no hidden one exists', async () => {
    const out = temp()
    fs.writeFileSync(path.join(out, 'a.log'), 'x\n')
    fs.writeFileSync(path.join(out, 'a.log.manifest.json'), manifest(7))
    expect((await readManifest(path.join(out, 'a.log')))?.messages).toBe(7)
  })

  it('repair of an interrupted move left by an older version keeps its manifest, now hidden', async () => {
    const root = temp()
    const work = path.join(root, 'work')
    const out = path.join(root, 'out')
    fs.mkdirSync(work)
    fs.mkdirSync(out)
    // The old version linked the file into the output dir and wrote its visible manifest, then died before the unlink.
    fs.writeFileSync(path.join(work, 'a-000000.log'), 'x\n')
    fs.linkSync(path.join(work, 'a-000000.log'), path.join(out, 'a-000000.log'))
    fs.writeFileSync(path.join(out, 'a-000000.log.manifest.json'), manifest(1))
    fs.writeFileSync(
      path.join(work, '.a-000000.log.open'),
      JSON.stringify({topic: 't', format: 'raw', gzip: false, datedName: 'a<REV>.log', rev: 0, destination: 'a-000000.log'}),
    )
    const [repaired] = await repairWorkDir({workDir: work, outputDir: out, format: 'raw', manifest: true, depth: 0})
    expect(repaired?.file?.manifest.messages).toBe(1)
    expect(listing(out)).toEqual(['.a-000000.log.manifest.json', 'a-000000.log'])
    expect(listing(work)).toEqual([])
  })

  it('scans as deep as the names go: --filename-format and --datetime-format folders', () => {
    expect(nameDepth('<TOPIC>.<HOST><REV>.<DATETIME>.log', '%Y-%m-%d_%H')).toBe(0)
    expect(nameDepth('<TOPIC>/<HOST><REV>.<DATETIME>.log', '%Y-%m-%d_%H')).toBe(1)
    expect(nameDepth('<TOPIC>.<HOST><REV>.<DATETIME>.log', '%Y/%m/%d')).toBe(2)
    expect(nameDepth('<TOPIC>/<DATETIME>/<HOST><REV>.log', '%Y/%m')).toBe(3)
  })
})
