/**
 * Parsers for the human units flags take: durations (`500ms`, `30s`, `1h30m`, Go's format, and a
 * bare number of seconds), sizes (`64KiB`, `100MB`, bare bytes) and rates.
 *
 * The one rule for a bare number in a duration: it is seconds, on every flag and environment
 * variable (as for sleep(1) and timeout(1)); `2` is 2s, and milliseconds need their unit (`1500ms`).
 */

const DURATION_UNITS: Record<string, number> = {ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/** Milliseconds in a duration such as `250ms`, `30s`, `1h30m`, `2.5s` or `10` (a bare number is seconds). */
export function parseDuration(text: string): number {
  const input = text.trim()
  if (/^\d+(\.\d+)?$/.test(input)) return Number(input) * 1000
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy
  let total = 0
  let consumed = 0
  for (let match = part.exec(input); match !== null; match = part.exec(input)) {
    total += Number(match[1]) * (DURATION_UNITS[match[2] as string] as number)
    consumed = part.lastIndex
  }
  if (input === '' || consumed !== input.length) {
    throw new Error(`invalid duration "${text}": use a number with a unit, e.g. 500ms, 30s, 5m, 1h30m`)
  }
  return total
}

/** Formats milliseconds the way parseDuration reads them back (`1m30s`, `250ms`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const parts: string[] = []
  let rest = Math.round(ms / 1000)
  for (const [unit, size] of [
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`)
      rest %= size
    }
  }
  return parts.join('') || '0s'
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1000,
  kb: 1000,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
}

/** Bytes in a size such as `1048576`, `64KiB`, `100MB` or `1.5GiB`. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim())
  const factor = match === null ? undefined : SIZE_UNITS[(match[2] ?? '').toLowerCase() || 'b']
  if (match === null || factor === undefined)
    throw new Error(`invalid size "${text}": use bytes or a unit, e.g. 1048576, 64KiB, 100MB, 1GiB`)
  return Math.round(Number(match[1]) * factor)
}

/** Human size: `1.5 MiB` (the one formatter lives in tools). */
export {formatBytes} from '../tools/format-bytes.js'
