import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {repairWorkDir} from '../../../src/tools/to-file/repair.js'
import {writeMarker} from '../../../src/tools/to-file/work-markers.js'
import {
  claimedRevision,
  emptyLedger,
  firstRevision,
  isLedgerFile,
  LEDGER_LIMIT,
  ledgerPath,
  parseLedger,
  RevisionLedger,
  withClaim,
} from '../../../src/tools/to-file/revision-ledger.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
})

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'to-file-ledger-'))
  dirs.push(dir)
  return dir
}

const H15 = 't.h<REV>.2024-01-31_15.log'
const H16 = 't.h<REV>.2024-01-31_16.log'

describe('revision ledger (pure)', () => {
  it('the first revision is what nextRev says when the ledger knows nothing of the dated name', () => {
    expect(firstRevision(0, emptyLedger(), H15)).toBe(0)
    expect(firstRevision(3, emptyLedger(), H15)).toBe(3)
    expect(firstRevision(0, withClaim(emptyLedger(), H16, 9), H15)).toBe(0)
  })

  it('the first revision is above every revision claimed for the dated name (a restart in the same hour)', () => {
    const ledger = withClaim(withClaim(emptyLedger(), H15, 0), H15, 4)
    expect(firstRevision(0, ledger, H15)).toBe(5)
    // Within a run nextRev may already be higher (a file skipped because its name was taken).
    expect(firstRevision(7, ledger, H15)).toBe(7)
  })

  it('a claim keeps the highest revision per dated name and moves it to the most recent place', () => {
    let ledger = withClaim(emptyLedger(), H15, 5)
    ledger = withClaim(ledger, H16, 0)
    ledger = withClaim(ledger, H15, 2)
    expect(ledger.names).toEqual([
      [H16, 0],
      [H15, 5],
    ])
    expect(claimedRevision(ledger, H15)).toBe(5)
    expect(claimedRevision(ledger, 'other')).toBeUndefined()
  })

  it('keeps at most the limit of dated names, forgetting the least recently claimed', () => {
    let ledger = emptyLedger()
    for (let hour = 0; hour < 10; hour++) ledger = withClaim(ledger, `n${hour}<REV>`, hour, 4)
    expect(ledger.names.map(([name]) => name)).toEqual(['n6<REV>', 'n7<REV>', 'n8<REV>', 'n9<REV>'])
    expect(LEDGER_LIMIT).toBeGreaterThanOrEqual(60) // a repeating %M or %S datetime format fits
  })

  it('a repeating datetime format (%H) is covered: the same dated name a day later continues above', () => {
    let ledger = emptyLedger()
    for (let hour = 0; hour < 24; hour++) ledger = withClaim(ledger, `t<REV>.${String(hour).padStart(2, '0')}.log`, 2)
    expect(firstRevision(0, ledger, 't<REV>.15.log')).toBe(3)
  })

  it('parses leniently: garbage is an empty ledger, invalid entries are dropped', () => {
    expect(parseLedger('not json')).toEqual(emptyLedger())
    expect(parseLedger('null')).toEqual(emptyLedger())
    expect(parseLedger('{"names": 3}')).toEqual(emptyLedger())
    expect(
      parseLedger(
        JSON.stringify({
          version: 1,
          names: [
            [H15, 2],
            ['x', -1],
            [3, 1],
            [H16, 1.5],
            [H16, 7],
          ],
        }),
      ).names,
    ).toEqual([
      [H15, 2],
      [H16, 7],
    ])
  })

  it('tells ledger files (and their temp files) from archive files', () => {
    expect(isLedgerFile('/w/.t.rev.json')).toBe(true)
    expect(isLedgerFile('/w/.t.rev.json.tmp')).toBe(true)
    expect(isLedgerFile('/w/t.rev.json')).toBe(false)
    expect(isLedgerFile('/w/t.h-000000.2024-01-31_15.log')).toBe(false)
    expect(ledgerPath('/w', 'orders#ephemeral')).toBe('/w/.orders#ephemeral.rev.json')
  })
})

describe('revision ledger (real files)', () => {
  it('a claim is on disk (atomically: no temp file left) and a new instance reads it back', async () => {
    const dir = tempDir()
    await new RevisionLedger(dir, 't').claim(H15, 0)
    await new RevisionLedger(dir, 't').claim(H15, 1)
    expect(fs.readdirSync(dir)).toEqual(['.t.rev.json'])
    const reopened = new RevisionLedger(dir, 't')
    expect(await reopened.firstRevision(0, H15)).toBe(2)
    expect(await reopened.firstRevision(0, H16)).toBe(0)
    expect(await new RevisionLedger(dir, 'other').firstRevision(0, H15)).toBe(0)
  })

  it('a missing or unreadable ledger means "nothing claimed"', async () => {
    const dir = tempDir()
    expect(await new RevisionLedger(dir, 't').firstRevision(0, H15)).toBe(0)
    fs.writeFileSync(ledgerPath(dir, 't'), '{"names": [["t.h<REV>')
    expect(await new RevisionLedger(dir, 't').firstRevision(0, H15)).toBe(0)
    // …and the next claim replaces it with a valid one.
    await new RevisionLedger(dir, 't').claim(H15, 3)
    expect(await new RevisionLedger(dir, 't').firstRevision(0, H15)).toBe(4)
  })

  it('when repair must move a file to a higher revision (its name is taken), it claims that revision in the ledger (only with a sink)', async () => {
    for (const uniqueNames of [true, false]) {
      const root = tempDir()
      const workDir = path.join(root, 'work')
      const outputDir = path.join(root, 'out')
      fs.mkdirSync(workDir)
      fs.mkdirSync(outputDir)
      const rev0 = 't.h-000000.2024-01-31_15.log'
      fs.writeFileSync(path.join(outputDir, rev0), 'someone else\n')
      fs.writeFileSync(path.join(workDir, rev0), 'a\n')
      await writeMarker(path.join(workDir, rev0), {topic: 't', format: 'raw', gzip: false, datedName: H15, rev: 0})
      const repaired = await repairWorkDir({workDir, outputDir, format: 'raw', manifest: true, depth: 0, uniqueNames})
      expect(repaired.map((r) => r.file?.name)).toEqual(['t.h-000001.2024-01-31_15.log'])
      if (uniqueNames) expect(await new RevisionLedger(workDir, 't').firstRevision(0, H15)).toBe(2)
      else expect(fs.readdirSync(workDir)).toEqual([])
    }
  })

  it('crash repair with a separate work dir leaves the ledger (and a temp file a crash left) alone', async () => {
    const root = tempDir()
    const workDir = path.join(root, 'work')
    const outputDir = path.join(root, 'out')
    fs.mkdirSync(workDir)
    fs.mkdirSync(outputDir)
    await new RevisionLedger(workDir, 't').claim(H15, 4)
    fs.writeFileSync(`${ledgerPath(workDir, 't')}.tmp`, '{"version":1,"names":[')
    const repaired = await repairWorkDir({workDir, outputDir, format: 'raw', manifest: true, depth: 0})
    expect(repaired).toEqual([])
    expect(fs.readdirSync(outputDir)).toEqual([])
    expect(await new RevisionLedger(workDir, 't').firstRevision(0, H15)).toBe(5)
  })
})
