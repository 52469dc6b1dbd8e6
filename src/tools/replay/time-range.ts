/**
 * `--since` / `--until`: a half-open time range [since, until) in milliseconds since the epoch,
 * and the two questions replay asks of it: does a file's span overlap it (so the file is read at
 * all), and is a record's timestamp inside it.
 */

/** [sinceMs, untilMs): either end may be open. */
export interface TimeRange {
  sinceMs?: number | undefined
  untilMs?: number | undefined
}

/** True when the range has neither end (every file and record is in it). */
export function isOpen(range: TimeRange): boolean {
  return range.sinceMs === undefined && range.untilMs === undefined
}

/** True when `timestampMs` is inside [since, until). */
export function inRange(range: TimeRange, timestampMs: number): boolean {
  if (range.sinceMs !== undefined && timestampMs < range.sinceMs) return false
  if (range.untilMs !== undefined && timestampMs >= range.untilMs) return false
  return true
}

/** True when the span [firstMs, lastMs] (both inclusive) has a point inside [since, until). */
export function overlaps(range: TimeRange, firstMs: number, lastMs: number): boolean {
  if (range.sinceMs !== undefined && lastMs < range.sinceMs) return false
  if (range.untilMs !== undefined && firstMs >= range.untilMs) return false
  return true
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/

/**
 * A time bound as the user writes it: RFC 3339 (`2024-05-01T10:00:00Z`, `2024-05-01T12:00+02:00`),
 * a date alone (`2024-05-01`, midnight UTC), or a duration back from `nowMs` (`2h`, `30m`, `1d`,
 * `1h30m`, parsed by `parseDuration`, the CLI's duration grammar). Throws an Error naming the
 * forms accepted.
 */
export function parseTimeBound(text: string, nowMs: number, parseDuration: (text: string) => number): number {
  const input = text.trim()
  if (RFC3339.test(input) || /^\d{4}-\d{2}-\d{2}$/.test(input)) {
    const ms = Date.parse(input.replace(' ', 'T'))
    if (!Number.isNaN(ms)) return ms
  }
  let ago: number
  try {
    ago = parseDuration(input)
  } catch {
    throw new Error(`invalid time "${text}": use RFC 3339 (2024-05-01T10:00:00Z), a date (2024-05-01) or a duration ago (2h, 30m, 1d)`)
  }
  return nowMs - ago
}
