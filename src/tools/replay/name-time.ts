/**
 * The time span a file's name says it covers: to-file and nsq_to_file put `<DATETIME>` (strftime
 * of the local time when the file was opened, `--datetime-format`, default `%Y-%m-%d_%H`) in each
 * name, and open a new file when that text changes, so a file named `…2024-05-01_10…` was written
 * between 10:00 and 11:00 local time. The span ends where the finest field of the format ends
 * (`%H`: one hour; `%M`: one minute; `%d`: one day).
 */

/** What one strftime conversion matches and which field it fills. */
const FIELDS: Readonly<Record<string, {pattern: string; field: 'year' | 'year2' | 'month' | 'day' | 'hour' | 'minute' | 'second'}>> = {
  Y: {pattern: '(\\d{4})', field: 'year'},
  y: {pattern: '(\\d{2})', field: 'year2'},
  m: {pattern: '(\\d{2})', field: 'month'},
  d: {pattern: '(\\d{2})', field: 'day'},
  H: {pattern: '(\\d{2})', field: 'hour'},
  M: {pattern: '(\\d{2})', field: 'minute'},
  S: {pattern: '(\\d{2})', field: 'second'},
}

/** Milliseconds one step of the finest field spans. */
const STEP: Readonly<Record<string, number>> = {second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000}

/** A span [startMs, endMs) of wall-clock time. */
export interface NameSpan {
  startMs: number
  endMs: number
}

/**
 * Compiles `--datetime-format` into a function that finds the span in a file name (its last
 * match, so a topic name holding digits does not confuse it), or undefined when the format has
 * no date at all. Conversions other than %Y %y %m %d %H %M %S match any text that has no `.`.
 * `utc` reads the time as UTC instead of the local time zone.
 */
export function nameSpanReader(datetimeFormat: string, utc = false): ((name: string) => NameSpan | undefined) | undefined {
  let source = ''
  const order: string[] = []
  for (let i = 0; i < datetimeFormat.length; i++) {
    const c = datetimeFormat[i] as string
    if (c === '%' && i + 1 < datetimeFormat.length) {
      const conversion = datetimeFormat[++i] as string
      const known = FIELDS[conversion]
      if (known !== undefined) {
        source += known.pattern
        order.push(known.field)
      } else source += conversion === '%' ? '%' : '[^.]*?'
      continue
    }
    source += c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
  }
  if (!order.includes('year') && !order.includes('year2')) return undefined
  const finest = ['second', 'minute', 'hour', 'day'].find((f) => order.includes(f)) ?? 'day'
  const step = STEP[finest] as number
  const pattern = new RegExp(source, 'g')
  return (name) => {
    let last: RegExpExecArray | undefined
    for (const match of name.matchAll(pattern)) last = match
    if (last === undefined) return undefined
    const value = (field: string, fallback: number): number => {
      const at = order.indexOf(field)
      return at === -1 ? fallback : Number(last[at + 1])
    }
    const year = order.includes('year') ? value('year', 1970) : 2000 + value('year2', 0)
    const parts = [year, value('month', 1) - 1, value('day', 1), value('hour', 0), value('minute', 0), value('second', 0)] as const
    const startMs = utc ? Date.UTC(...parts) : new Date(...parts).getTime()
    if (Number.isNaN(startMs)) return undefined
    // A month-only format spans a month: the next month's start.
    const endMs =
      finest === 'day' && !order.includes('day')
        ? utc
          ? Date.UTC(parts[0], parts[1] + 1, 1)
          : new Date(parts[0], parts[1] + 1, 1).getTime()
        : startMs + step
    return {startMs, endMs}
  }
}
