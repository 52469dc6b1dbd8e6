/**
 * `--checkpoint FILE`: how far each archive file has been replayed, written durably (temp file,
 * fsync, rename, fsync of the folder) and only for records nsqd has acknowledged, so that after a
 * kill -9 the same command continues where it stopped.
 *
 * What "how far" means: per file, the number of leading records that are done (published, or
 * left out for good: outside the time range, empty, too big, invalid). A record published after
 * one that is still on its way does not move the mark; it is sent again after a crash. To keep
 * that bounded, {@link Checkpoint.room} lets the reader accept a record only while at most
 * `limit` accepted records lie beyond what the file on disk covers: that is the most a resumed
 * run sends twice.
 */
import fs from 'node:fs/promises'
import path from 'node:path'

/** The checkpoint file's content. */
export interface CheckpointState {
  version: 1
  /** The topic replayed into (`--topic-from-envelope`: null). */
  topic: string | null
  /** Per archive file key: leading records done, and whether the whole file is. */
  files: Record<string, {records: number; done: boolean}>
}

/** A checkpoint file that cannot be used. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError'
}

/**
 * Progress through one file's records (numbered from 0 in file order). Records accepted for
 * publishing are held until settled; everything else passes the mark as soon as it is read.
 */
export class FileProgress {
  /** Records seen so far (the next record's number). */
  read: number
  private readonly held = new Set<number>()
  private low: number
  private ended = false

  constructor(
    readonly key: string,
    readonly startAt: number,
  ) {
    this.read = startAt
    this.low = startAt
  }

  /** Numbers the next record read. */
  next(): number {
    return this.read++
  }

  hold(index: number): void {
    this.held.add(index)
  }

  release(index: number): void {
    this.held.delete(index)
  }

  /** Reading the file ended (at its end: `complete` may become true). */
  end(): void {
    this.ended = true
  }

  /** Leading records done. */
  get mark(): number {
    while (this.low < this.read && !this.held.has(this.low)) this.low++
    return this.low
  }

  get complete(): boolean {
    return this.ended && this.mark === this.read
  }
}

/**
 * Accepted records numbered in acceptance order (which is read order): `low` is the first one
 * not yet settled. Every record before it is settled, and so is every record read before it.
 */
export class AcceptedWindow {
  private nextNumber = 0
  private readonly pending = new Set<number>()
  private lowest = 0

  accept(): number {
    const g = this.nextNumber++
    this.pending.add(g)
    return g
  }

  settle(g: number): void {
    this.pending.delete(g)
  }

  get accepted(): number {
    return this.nextNumber
  }

  get low(): number {
    while (this.lowest < this.nextNumber && !this.pending.has(this.lowest)) this.lowest++
    return this.lowest
  }
}

/** Writes `data` to `file` so that a crash leaves either the old content or the new, whole. */
export async function writeDurably(file: string, data: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`)
  const handle = await fs.open(temp, 'w')
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await fs.rename(temp, file)
  // The rename itself is durable only once the folder is.
  const dir = await fs.open(path.dirname(file), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

function parseState(text: string, file: string): CheckpointState {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new CheckpointError(`${file} is not a replay checkpoint (${(error as Error).message})`)
  }
  const state = parsed as Partial<CheckpointState>
  const files = state.files
  if (state.version !== 1 || typeof files !== 'object' || files === null || (state.topic !== null && typeof state.topic !== 'string'))
    throw new CheckpointError(`${file} is not a replay checkpoint (version 1)`)
  for (const [key, entry] of Object.entries(files)) {
    if (typeof entry !== 'object' || entry === null || !Number.isSafeInteger(entry.records) || typeof entry.done !== 'boolean')
      throw new CheckpointError(`${file}: bad entry for ${key}`)
  }
  return state as CheckpointState
}

/** The checkpoint of one replay run. */
export class Checkpoint {
  readonly window = new AcceptedWindow()
  private readonly progress = new Map<string, FileProgress>()
  private dirty = false
  private writing: Promise<void> | undefined
  /** `window.low` as of the last write that reached the disk. */
  private durableLow = 0
  private waiters: (() => void)[] = []
  private broken: Error | undefined

  private constructor(
    readonly path: string,
    private readonly state: CheckpointState,
    /** Files the loaded checkpoint knew. */
    readonly resumed: boolean,
  ) {}

  /**
   * Opens `file` (a missing file is a fresh start). Throws CheckpointError when it is not a
   * checkpoint or was written for another topic.
   */
  static async open(file: string, topic: string | null): Promise<Checkpoint> {
    let text: string | undefined
    try {
      text = await fs.readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CheckpointError(`${file}: ${(error as Error).message}`)
    }
    if (text === undefined) return new Checkpoint(file, {version: 1, topic, files: {}}, false)
    const state = parseState(text, file)
    if (state.topic !== topic)
      throw new CheckpointError(
        `${file} is the checkpoint of a replay into ${state.topic ?? '--topic-from-envelope'}, not ${topic ?? '--topic-from-envelope'}`,
      )
    return new Checkpoint(file, state, true)
  }

  /** Where replay of `key` starts: the records already done, or `done` for a finished file. */
  resumeAt(key: string): number | 'done' {
    const entry = this.state.files[key]
    if (entry === undefined) return 0
    return entry.done ? 'done' : entry.records
  }

  /** Starts following a file from record `startAt`. */
  track(key: string, startAt: number): FileProgress {
    const progress = new FileProgress(key, startAt)
    this.progress.set(key, progress)
    return progress
  }

  /** Why writing the checkpoint failed, once it did. */
  get failure(): Error | undefined {
    return this.broken
  }

  /** Something settled: the file is rewritten (writes coalesce: one at a time, each covering all before it). */
  changed(): void {
    this.dirty = true
    this.writing ??= this.writeLoop().finally(() => {
      this.writing = undefined
    })
  }

  /** Waits until every change so far is on disk. */
  async flush(): Promise<void> {
    this.changed()
    while (this.writing !== undefined) await this.writing
  }

  /**
   * True when one more record may be accepted now: fewer than `limit` accepted records lie beyond
   * what is on disk.
   */
  hasRoom(limit: number): boolean {
    return this.broken !== undefined || this.window.accepted - this.durableLow < limit
  }

  /** Waits until {@link hasRoom} (or the signal is aborted, or writing failed). */
  async room(limit: number, signal: AbortSignal): Promise<void> {
    while (!this.hasRoom(limit) && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done)
          resolve()
        }
        signal.addEventListener('abort', done, {once: true})
        this.waiters.push(done)
      })
    }
  }

  /** The content as of now. */
  snapshot(): CheckpointState {
    for (const [key, progress] of this.progress) this.state.files[key] = {records: progress.mark, done: progress.complete}
    return this.state
  }

  private async writeLoop(): Promise<void> {
    while (this.dirty && this.broken === undefined) {
      this.dirty = false
      const low = this.window.low
      const text = `${JSON.stringify(this.snapshot())}\n`
      try {
        await writeDurably(this.path, text)
        this.durableLow = low
      } catch (error) {
        this.broken = error instanceof Error ? error : new Error(String(error))
      }
      for (const wake of this.waiters.splice(0)) wake()
    }
  }
}
