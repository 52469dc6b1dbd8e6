/**
 * The revision ledger: a small durable record, per topic, of the revisions already handed out
 * for each dated name, so that a name is never used twice when a shipper (the S3 uploader) takes
 * finished files away. nsq_to_file starts each dated name at revision 0 and skips only names
 * still on disk; once an upload has deleted `t.h-000000.2024-01-31_15.log`, a restart within
 * the same hour would open that name again. With a ledger, the first revision is above every
 * revision recorded for the dated name.
 *
 * The ledger is `.<topic>.rev.json` at the top of the work dir, replaced atomically (temp file,
 * fsync, rename, fsync of the dir) each time a revision is claimed, BEFORE the file is created:
 * a crash between the two only leaves a gap in the revisions, never a reused name. It keeps the
 * most recent {@link LEDGER_LIMIT} dated names, so a `--datetime-format` that repeats (say `%H`)
 * is covered too.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import {makeDirs} from './make-dirs.js'
import {syncDir} from './work-markers.js'

/** Suffix of a ledger file (`.<topic>.rev.json`). */
export const LEDGER_SUFFIX = '.rev.json'
/** Dated names remembered per topic (the least recently claimed are forgotten first). */
export const LEDGER_LIMIT = 256

/** What a ledger holds: the highest revision claimed per dated name, oldest claim first. */
export interface LedgerState {
  version: 1
  names: Array<[datedName: string, rev: number]>
}

/** A ledger with nothing claimed. */
export const emptyLedger = (): LedgerState => ({version: 1, names: []})

/** The ledger file of a topic. */
export function ledgerPath(workDir: string, topic: string): string {
  return path.join(workDir, `.${topic}${LEDGER_SUFFIX}`)
}

/** True for a ledger file name (or its temp file), which is never an archive file. */
export function isLedgerFile(file: string): boolean {
  const base = path.basename(file)
  return base.startsWith('.') && (base.endsWith(LEDGER_SUFFIX) || base.endsWith(`${LEDGER_SUFFIX}.tmp`))
}

/** Parses a ledger; anything unreadable is an empty ledger (entries that are not [string, integer ≥ 0] are dropped). */
export function parseLedger(text: string): LedgerState {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return emptyLedger()
  }
  const names = (parsed as {names?: unknown} | null)?.names
  if (!Array.isArray(names)) return emptyLedger()
  const valid = names.filter(
    (entry): entry is [string, number] =>
      Array.isArray(entry) && typeof entry[0] === 'string' && Number.isSafeInteger(entry[1]) && (entry[1] as number) >= 0,
  )
  return {version: 1, names: valid.map(([name, rev]) => [name, rev])}
}

/** The highest revision claimed for `datedName`, or undefined. */
export function claimedRevision(state: LedgerState, datedName: string): number | undefined {
  let found: number | undefined
  for (const [name, rev] of state.names) if (name === datedName) found = Math.max(found ?? rev, rev)
  return found
}

/**
 * The first revision to try for `datedName`: what the rotation rule says (`computed`, from
 * nextRev), but above every revision the ledger records for that dated name.
 */
export function firstRevision(computed: number, state: LedgerState, datedName: string): number {
  const claimed = claimedRevision(state, datedName)
  return claimed === undefined ? computed : Math.max(computed, claimed + 1)
}

/**
 * The ledger after claiming `rev` for `datedName`: the entry keeps the highest revision and
 * moves to the end (most recent); the oldest entries beyond `limit` are dropped.
 */
export function withClaim(state: LedgerState, datedName: string, rev: number, limit = LEDGER_LIMIT): LedgerState {
  const highest = Math.max(rev, claimedRevision(state, datedName) ?? rev)
  const names = state.names.filter(([name]) => name !== datedName)
  names.push([datedName, highest])
  return {version: 1, names: names.slice(Math.max(0, names.length - limit))}
}

/** A topic's ledger on disk. Not safe for two processes archiving the same topic into the same work dir at once. */
export class RevisionLedger {
  readonly path: string

  constructor(workDir: string, topic: string) {
    this.path = ledgerPath(workDir, topic)
  }

  /** The ledger as on disk (empty when missing or unreadable). */
  async read(): Promise<LedgerState> {
    try {
      return parseLedger(await fs.readFile(this.path, 'utf8'))
    } catch {
      return emptyLedger()
    }
  }

  /** The first revision to try for `datedName` (see {@link firstRevision}). */
  async firstRevision(computed: number, datedName: string): Promise<number> {
    return firstRevision(computed, await this.read(), datedName)
  }

  /** Records `rev` as handed out for `datedName`, durably, before the file of that name is created. */
  async claim(datedName: string, rev: number): Promise<void> {
    const state = withClaim(await this.read(), datedName, rev)
    const temp = `${this.path}.tmp`
    await makeDirs(path.dirname(this.path))
    const handle = await fs.open(temp, 'w', 0o666)
    try {
      await handle.writeFile(`${JSON.stringify(state)}\n`)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(temp, this.path)
    await syncDir(path.dirname(this.path))
  }
}
