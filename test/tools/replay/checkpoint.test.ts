import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {AcceptedWindow, Checkpoint, CheckpointError, FileProgress} from '../../../src/tools/replay/checkpoint.js'

const dirs: string[] = []
function temp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-ckpt-'))
  dirs.push(dir)
  return path.join(dir, 'replay.ckpt')
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
})

describe('FileProgress', () => {
  it('the mark moves over leading records that are done, never past one still held', () => {
    const p = new FileProgress('f', 0)
    for (let i = 0; i < 6; i++) p.next()
    p.hold(1)
    p.hold(2)
    p.hold(4)
    expect(p.mark).toBe(1)
    p.release(2)
    p.release(4)
    expect(p.mark).toBe(1)
    p.release(1)
    expect(p.mark).toBe(6)
    expect(p.complete).toBe(false)
    p.end()
    expect(p.complete).toBe(true)
  })
  it('starts at the resumed position', () => {
    const p = new FileProgress('f', 10)
    expect(p.mark).toBe(10)
    p.next()
    p.hold(10)
    expect(p.mark).toBe(10)
  })
})

describe('AcceptedWindow', () => {
  it('low is the first accepted record not yet settled', () => {
    const w = new AcceptedWindow()
    const g = [w.accept(), w.accept(), w.accept()]
    w.settle(g[1] as number)
    expect(w.low).toBe(0)
    w.settle(g[0] as number)
    expect(w.low).toBe(2)
    w.settle(g[2] as number)
    expect(w.low).toBe(3)
    expect(w.accepted).toBe(3)
  })
})

describe('Checkpoint', () => {
  it('writes the marks durably and a new run resumes from them', async () => {
    const file = temp()
    const first = await Checkpoint.open(file, 'events')
    expect(first.resumed).toBe(false)
    const a = first.track('/a.log', 0)
    const b = first.track('/b.log', 0)
    for (let i = 0; i < 5; i++) a.next()
    a.end()
    for (let i = 0; i < 3; i++) b.next()
    b.hold(1)
    await first.flush()
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      topic: 'events',
      files: {'/a.log': {records: 5, done: true}, '/b.log': {records: 1, done: false}},
    })
    // No temp file is left beside it.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['replay.ckpt'])
    const again = await Checkpoint.open(file, 'events')
    expect(again.resumed).toBe(true)
    expect(again.resumeAt('/a.log')).toBe('done')
    expect(again.resumeAt('/b.log')).toBe(1)
    expect(again.resumeAt('/c.log')).toBe(0)
  })
  it('refuses a checkpoint of another topic, and a file that is not one', async () => {
    const file = temp()
    await (await Checkpoint.open(file, 'events')).flush()
    await expect(Checkpoint.open(file, 'other')).rejects.toThrow(CheckpointError)
    fs.writeFileSync(file, '{"hello":1}')
    await expect(Checkpoint.open(file, 'events')).rejects.toThrow(/not a replay checkpoint/)
  })
  it('room: at most `limit` accepted records beyond what is on disk', async () => {
    const checkpoint = await Checkpoint.open(temp(), 't')
    const g = Array.from({length: 4}, () => checkpoint.window.accept())
    expect(checkpoint.hasRoom(4)).toBe(false)
    expect(checkpoint.hasRoom(5)).toBe(true)
    // Settled but not yet written: still no room.
    for (const n of g) checkpoint.window.settle(n)
    expect(checkpoint.hasRoom(4)).toBe(false)
    await checkpoint.flush()
    expect(checkpoint.hasRoom(1)).toBe(true)
    const signal = new AbortController().signal
    await checkpoint.room(1, signal)
  })
  it('a failed write is reported, and no longer holds the reader', async () => {
    const file = path.join(temp(), 'missing-dir', 'ckpt')
    const checkpoint = await Checkpoint.open(file, 't')
    checkpoint.window.accept()
    await checkpoint.flush()
    expect(checkpoint.failure?.message).toMatch(/ENOENT/)
    expect(checkpoint.hasRoom(0)).toBe(true)
  })
})
