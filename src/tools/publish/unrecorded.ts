import {isUtf8} from 'node:buffer'

/** Bodies up to this many bytes are shown on stderr for records the errors file could not take. */
export const SHORT_BODY_BYTES = 200
/** At most this many such bodies are shown (the record numbers are always all shown, as ranges). */
export const MAX_BODIES_SHOWN = 20

/** What is kept of a record not published (the errors file's `FailedRecord` fits). */
export interface NotPublished {
  record: number
  reason: string
  body: Buffer
  /** Full length, when `body` is only its start. */
  length?: number
}

/**
 * Record numbers as sorted ranges: `[1, 2, 3, 7, 9, 10]` → `1-3, 7, 9-10`. Duplicates are
 * ignored; the text stays short however many records there are in a run.
 */
export function formatRanges(numbers: Iterable<number>): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length;) {
    const first = sorted[i] as number
    let last = first
    while (i + 1 < sorted.length && sorted[i + 1] === last + 1) last = sorted[++i] as number
    i++
    parts.push(first === last ? `${first}` : `${first}-${last}`)
  }
  return parts.join(', ')
}

/**
 * Records that were neither published nor written to the errors file (it failed: full disk, I/O
 * error). Keeps every record number, and the body of at most `MAX_BODIES_SHOWN` records of at
 * most `SHORT_BODY_BYTES` valid UTF-8 bytes (longer or binary bodies are only numbered: memory
 * stays bounded and stderr readable), so they can be named on stderr at the end of the run.
 */
export class UnrecordedRecords {
  private readonly numbers: number[] = []
  private readonly bodies: {record: number; reason: string; body: string}[] = []

  add(failure: NotPublished): void {
    this.numbers.push(failure.record)
    const whole = failure.length === undefined || failure.length <= failure.body.length
    if (whole && failure.body.length <= SHORT_BODY_BYTES && isUtf8(failure.body) && this.bodies.length < MAX_BODIES_SHOWN) {
      this.bodies.push({record: failure.record, reason: failure.reason, body: failure.body.toString('utf8')})
    }
  }

  get count(): number {
    return this.numbers.length
  }

  /** The record numbers as ranges, e.g. `8-19, 23`. */
  get ranges(): string {
    return formatRanges(this.numbers)
  }

  /** One line per short body kept: `record 8 (publish_failed): "the body"`. */
  bodyLines(): string[] {
    return this.bodies.map((b) => `record ${b.record} (${b.reason}): ${JSON.stringify(b.body)}`)
  }
}
