/**
 * The start-up check of to-file's folders: made when missing, refused with the flag and the
 * folder named when they cannot be made or written, or are on two filesystems.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {makeDirs} from '../../../src/tools/to-file/make-dirs.js'
import {preflightDirs} from '../../../src/tools/to-file/preflight.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
})
const temp = (base = os.tmpdir()): string => {
  const dir = fs.mkdtempSync(path.join(base, 'preflight-'))
  dirs.push(dir)
  return dir
}

describe('to-file preflight', () => {
  it('makes missing folders and leaves nothing else behind', async () => {
    const root = temp()
    const out = path.join(root, 'a', 'b', 'out')
    const work = path.join(root, 'work')
    await preflightDirs({outputDir: out, workDir: work})
    expect(fs.readdirSync(out)).toEqual([])
    expect(fs.readdirSync(work)).toEqual([])
  })

  it('refuses a folder under a file (ENOTDIR), naming the flag and the file', async () => {
    const root = temp()
    fs.writeFileSync(path.join(root, 'afile'), '')
    await expect(preflightDirs({outputDir: path.join(root, 'afile', 'sub'), workDir: ''})).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/^--output-dir .*afile\/sub: cannot use it as a folder: .*afile: is a file, not a folder/) as unknown,
    })
    await expect(preflightDirs({outputDir: root, workDir: path.join(root, 'afile')})).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/^--work-dir .*afile: cannot use it as a folder/) as unknown,
    })
  })

  it('refuses a folder that cannot be made (/proc/nope), at once', async () => {
    await expect(makeDirs('/proc/nope/deeper')).rejects.toMatchObject({code: 'ENOENT', at: '/proc/nope'})
    await expect(preflightDirs({outputDir: '/proc/nope', workDir: ''})).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(
        /^--output-dir \/proc\/nope: cannot use it as a folder: \/proc\/nope: cannot be created there \(ENOENT\)/,
      ) as unknown,
    })
  })

  it('refuses a work dir on another filesystem than the output dir', async () => {
    const out = temp()
    const work = temp('/dev/shm')
    expect(fs.statSync(out).dev).not.toBe(fs.statSync(work).dev)
    await expect(preflightDirs({outputDir: out, workDir: work})).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/are on different filesystems/) as unknown,
    })
    expect(fs.readdirSync(out)).toEqual([])
    expect(fs.readdirSync(work)).toEqual([])
  })
})
