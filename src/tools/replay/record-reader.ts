/**
 * Reads the records of one archive file: stored bytes → (gzip, one or many members, detected by
 * the magic bytes, not the name) → lines, as bytes. A gzip file whose last member is cut short
 * (a crash of the writer, nsq#716) or corrupt is read up to the tear: every whole line before it
 * is a record, the bytes after the last newline are handed back as the torn remainder, and the
 * tear is reported in the result. A plain file's last line without a newline is a whole record.
 */
import zlib from 'node:zlib'
import {RecordSplitter, type SplitRecord} from '../to-nsq/record-splitter.js'

/** How reading a file ended. */
export interface ReadEnd {
  gzip: boolean
  /** Set when the gzip stream ended early or was corrupt: zlib's message and the stored bytes read by then. */
  torn?: {error: string; storedBytes: number}
  /** The bytes after the last whole line of a torn file (not a record: its end is lost). */
  remainder?: Buffer
}

const NEWLINE = Buffer.from('\n')
/** Decompressed bytes held before more stored bytes are fed to zlib. */
const HIGH_WATER = 4 * 1024 * 1024

/**
 * Decompresses a multi-member gzip stream chunk by chunk. Output is taken in flowing mode (never
 * paused), so everything zlib produced before an error reaches the caller; backpressure is on the
 * input side instead: the next stored chunk is written only once the output is consumed.
 */
async function* gunzip(stored: AsyncIterable<Buffer>, end: ReadEnd, counted: {bytes: number}): AsyncGenerator<Buffer> {
  const inflater = zlib.createGunzip()
  const queue: Buffer[] = []
  let queued = 0
  let finished = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  inflater.on('data', (chunk: Buffer) => {
    queue.push(chunk)
    queued += chunk.length
    notify()
  })
  inflater.on('error', (error) => {
    failure = error
    notify()
  })
  inflater.on('end', () => {
    finished = true
    notify()
  })
  let feedDone = false
  let drained: (() => void) | undefined
  const feed = (async (): Promise<void> => {
    try {
      for await (const chunk of stored) {
        if (failure !== undefined) break
        counted.bytes += chunk.length
        while (queued > HIGH_WATER && failure === undefined) await new Promise<void>((resolve) => (drained = resolve))
        await new Promise<void>((resolve) => inflater.write(chunk, () => resolve()))
      }
      if (failure === undefined) inflater.end()
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error))
      notify()
    } finally {
      feedDone = true
    }
  })()
  try {
    for (;;) {
      while (queue.length > 0) {
        const chunk = queue.shift() as Buffer
        queued -= chunk.length
        if (queued <= HIGH_WATER) {
          const d = drained
          drained = undefined
          d?.()
        }
        yield chunk
      }
      if (failure !== undefined || finished) break
      await new Promise<void>((resolve) => (wake = resolve))
    }
    if (failure !== undefined) {
      const code = (failure as NodeJS.ErrnoException).code
      // Not a zlib failure (the file could not be read): not a tear, the caller's error.
      if (code === undefined || !code.startsWith('Z_')) throw failure
      end.torn = {error: failure.message, storedBytes: counted.bytes}
    }
  } finally {
    const d = drained
    drained = undefined
    d?.()
    inflater.destroy()
    if (!feedDone) void feed
  }
}

/** Stored bytes from `first` on, then the rest of `iterator`. */
async function* withFirst(first: Buffer, iterator: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value
}

/**
 * The records of one file, a chunk's worth at a time (record bodies are views of the decoded
 * chunk; empty lines included, each numbered). `counted.bytes` follows the stored bytes read
 * (for progress). `end` is filled in once the generator is done.
 */
export async function* readRecords(
  stored: AsyncIterable<Buffer>,
  end: ReadEnd,
  counted: {bytes: number} = {bytes: 0},
): AsyncGenerator<SplitRecord[]> {
  const iterator = stored[Symbol.asyncIterator]()
  const first = await iterator.next()
  if (first.done === true) return
  const head = first.value
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
  end.gzip = gzip
  const splitter = new RecordSplitter(NEWLINE)
  let decoded: AsyncIterable<Buffer>
  if (gzip) decoded = gunzip(withFirst(head, iterator), end, counted)
  else {
    decoded = (async function* plain(): AsyncGenerator<Buffer> {
      for await (const chunk of withFirst(head, iterator)) {
        counted.bytes += chunk.length
        yield chunk
      }
    })()
  }
  try {
    for await (const chunk of decoded) {
      const records = splitter.push(chunk)
      if (records.length > 0) yield records
    }
  } finally {
    void iterator.return?.()
  }
  const last = splitter.end()
  if (last === undefined) return
  if (end.torn !== undefined) end.remainder = Buffer.from(last.body)
  else yield [last]
}
