/**
 * strftime as nsq_to_file does it (apps/nsq_to_file/strftime.go, v1.3.0): the supported
 * conversions (`%B %b %m %A %a %d %H %I %M %S %Y %y %p %Z %z %%`) are turned into a Go time
 * layout, and the whole layout is then formatted by Go's `time.Format`. So literal text that
 * happens to be a Go layout token (`1`, `2`, `01`, `Jan`, `Mon`, `MST`, `PM`, `06`, `15`, …) is
 * replaced too, and unknown `%x` stay as they are (then also pass through the layout). We
 * reproduce that faithfully so archive names match the official app's.
 */

/** A broken-down wall-clock time: what Go's `time.Time` offers `Format`. */
export interface WallTime {
  year: number
  /** 1–12 */
  month: number
  day: number
  hour: number
  minute: number
  second: number
  nanosecond: number
  /** 0 = Sunday */
  weekday: number
  /** 1–366 */
  yearDay: number
  /** Offset east of UTC, seconds. */
  offsetSeconds: number
  /**
   * Zone abbreviation (`UTC`, `CET`); empty when the zone has none. Local times work it out only
   * when a layout asks for it (`%Z`): it needs an Intl formatter, whose ICU data costs ~6 MiB of
   * resident memory for the rest of the run.
   */
  readonly zoneName: string
}

const CONVERSIONS: Readonly<Record<string, string>> = {
  B: 'January',
  b: 'Jan',
  m: '01',
  A: 'Monday',
  a: 'Mon',
  d: '02',
  H: '15',
  I: '03',
  M: '04',
  S: '05',
  Y: '2006',
  y: '06',
  p: 'PM',
  Z: 'MST',
  z: '-0700',
  '%': '%',
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

/** The Go layout nsq_to_file builds from a strftime format. */
export function strftimeToGoLayout(format: string): string {
  let layout = ''
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string
    if (c === '%' && i <= format.length - 2) {
      const conversion = CONVERSIONS[format[i + 1] as string]
      if (conversion !== undefined) {
        layout += conversion
        i++
        continue
      }
    }
    layout += c
  }
  return layout
}

/** `strftime(format, t)` exactly as nsq_to_file computes `<DATETIME>`. */
export function strftime(format: string, time: WallTime): string {
  return goFormat(strftimeToGoLayout(format), time)
}

/** The wall-clock time of `date` in the process's local time zone (as Go's `time.Now()`). */
export function localWallTime(date: Date): WallTime {
  const start = new Date(date.getFullYear(), 0, 1)
  const yearDay =
    Math.round((Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) - Date.UTC(start.getFullYear(), 0, 1)) / 86_400_000) + 1
  return {
    year: date.getFullYear(),
    month: date.getMonth() + 1,
    day: date.getDate(),
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
    nanosecond: date.getMilliseconds() * 1_000_000,
    weekday: date.getDay(),
    yearDay,
    offsetSeconds: -date.getTimezoneOffset() * 60,
    get zoneName(): string {
      return zoneAbbreviation(date)
    },
  }
}

/** The wall-clock time of `date` in UTC. */
export function utcWallTime(date: Date): WallTime {
  const yearDay =
    Math.round(
      (Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000,
    ) + 1
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    nanosecond: date.getUTCMilliseconds() * 1_000_000,
    weekday: date.getUTCDay(),
    yearDay,
    offsetSeconds: 0,
    zoneName: 'UTC',
  }
}

let zoneFormat: Intl.DateTimeFormat | undefined

function zoneAbbreviation(date: Date): string {
  zoneFormat ??= new Intl.DateTimeFormat('en-US', {timeZoneName: 'short'})
  const part = zoneFormat.formatToParts(date).find((p) => p.type === 'timeZoneName')
  const name = part?.value ?? ''
  return /^[A-Z]{2,5}$/.test(name) ? name : ''
}

type Token = {kind: 'literal'; text: string} | {kind: 'std'; std: string}

const startsWithLower = (s: string, at: number): boolean => at < s.length && (s[at] as string) >= 'a' && (s[at] as string) <= 'z'
const isDigit = (s: string, at: number): boolean => at < s.length && (s[at] as string) >= '0' && (s[at] as string) <= '9'

/** One step of Go's `nextStdChunk`: the literal before the next layout token, the token, the rest. */
function nextChunk(layout: string): [string, string | undefined, string] {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i] as string
    const at = (len: number): string => layout.slice(i, i + len)
    switch (c) {
      case 'J':
        if (at(3) === 'Jan') {
          if (at(7) === 'January') return [layout.slice(0, i), 'January', layout.slice(i + 7)]
          if (!startsWithLower(layout, i + 3)) return [layout.slice(0, i), 'Jan', layout.slice(i + 3)]
        }
        break
      case 'M':
        if (at(3) === 'Mon') {
          if (at(6) === 'Monday') return [layout.slice(0, i), 'Monday', layout.slice(i + 6)]
          if (!startsWithLower(layout, i + 3)) return [layout.slice(0, i), 'Mon', layout.slice(i + 3)]
        }
        if (at(3) === 'MST') return [layout.slice(0, i), 'MST', layout.slice(i + 3)]
        break
      case '0':
        if (i + 1 < layout.length && (layout[i + 1] as string) >= '1' && (layout[i + 1] as string) <= '6')
          return [layout.slice(0, i), at(2), layout.slice(i + 2)]
        if (at(3) === '002') return [layout.slice(0, i), '002', layout.slice(i + 3)]
        break
      case '1':
        if (at(2) === '15') return [layout.slice(0, i), '15', layout.slice(i + 2)]
        return [layout.slice(0, i), '1', layout.slice(i + 1)]
      case '2':
        if (at(4) === '2006') return [layout.slice(0, i), '2006', layout.slice(i + 4)]
        return [layout.slice(0, i), '2', layout.slice(i + 1)]
      case '_':
        if (layout[i + 1] === '2') {
          if (layout.slice(i + 1, i + 5) === '2006') return [layout.slice(0, i + 1), '2006', layout.slice(i + 5)]
          return [layout.slice(0, i), '_2', layout.slice(i + 2)]
        }
        if (at(3) === '__2') return [layout.slice(0, i), '__2', layout.slice(i + 3)]
        break
      case '3':
      case '4':
      case '5':
        return [layout.slice(0, i), c, layout.slice(i + 1)]
      case 'P':
        if (at(2) === 'PM') return [layout.slice(0, i), 'PM', layout.slice(i + 2)]
        break
      case 'p':
        if (at(2) === 'pm') return [layout.slice(0, i), 'pm', layout.slice(i + 2)]
        break
      case '-':
      case 'Z':
        for (const zone of ['070000', '07:00:00', '0700', '07:00', '07']) {
          if (layout.slice(i + 1, i + 1 + zone.length) === zone) return [layout.slice(0, i), c + zone, layout.slice(i + 1 + zone.length)]
        }
        break
      case '.':
      case ',':
        if (layout[i + 1] === '0' || layout[i + 1] === '9') {
          const ch = layout[i + 1] as string
          let j = i + 1
          while (j < layout.length && layout[j] === ch) j++
          if (!isDigit(layout, j)) return [layout.slice(0, i), c + layout.slice(i + 1, j), layout.slice(j)]
        }
        break
      default:
        break
    }
  }
  return [layout, undefined, '']
}

function tokenize(layout: string): Token[] {
  const tokens: Token[] = []
  let rest = layout
  while (rest.length > 0) {
    const [prefix, std, suffix] = nextChunk(rest)
    if (prefix.length > 0) tokens.push({kind: 'literal', text: prefix})
    if (std === undefined) break
    tokens.push({kind: 'std', std})
    rest = suffix
  }
  return tokens
}

const pad = (value: number, width: number, fill = '0'): string => String(value).padStart(width, fill)

function zone(std: string, offsetSeconds: number): string {
  const utcZ = std.startsWith('Z')
  if (utcZ && offsetSeconds === 0) return 'Z'
  const sign = offsetSeconds < 0 ? '-' : '+'
  const abs = Math.abs(offsetSeconds)
  const hh = pad(Math.floor(abs / 3600), 2)
  const mm = pad(Math.floor(abs / 60) % 60, 2)
  const ss = pad(abs % 60, 2)
  switch (std.slice(1)) {
    case '070000':
      return sign + hh + mm + ss
    case '07:00:00':
      return `${sign}${hh}:${mm}:${ss}`
    case '0700':
      return sign + hh + mm
    case '07:00':
      return `${sign}${hh}:${mm}`
    default:
      return sign + hh
  }
}

function formatStd(std: string, t: WallTime): string {
  const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12
  switch (std) {
    case 'January':
      return MONTHS[t.month - 1] as string
    case 'Jan':
      return (MONTHS[t.month - 1] as string).slice(0, 3)
    case '1':
      return String(t.month)
    case '01':
      return pad(t.month, 2)
    case 'Monday':
      return DAYS[t.weekday] as string
    case 'Mon':
      return (DAYS[t.weekday] as string).slice(0, 3)
    case '2':
      return String(t.day)
    case '_2':
      return pad(t.day, 2, ' ')
    case '02':
      return pad(t.day, 2)
    case '__2':
      return pad(t.yearDay, 3, ' ')
    case '002':
      return pad(t.yearDay, 3)
    case '15':
      return pad(t.hour, 2)
    case '3':
      return String(hour12)
    case '03':
      return pad(hour12, 2)
    case '4':
      return String(t.minute)
    case '04':
      return pad(t.minute, 2)
    case '5':
      return String(t.second)
    case '05':
      return pad(t.second, 2)
    case '2006':
      return pad(t.year, 4)
    case '06':
      return pad(t.year % 100, 2)
    case 'PM':
      return t.hour >= 12 ? 'PM' : 'AM'
    case 'pm':
      return t.hour >= 12 ? 'pm' : 'am'
    case 'MST':
      return t.zoneName !== '' ? t.zoneName : zone('-0700', t.offsetSeconds)
    default:
      if (std.startsWith('-') || std.startsWith('Z')) return zone(std, t.offsetSeconds)
      return fraction(std, t.nanosecond)
  }
}

function fraction(std: string, nanos: number): string {
  const separator = std[0] as string
  const digits = std.length - 1
  const text = pad(nanos, 9).slice(0, digits)
  if (std[1] === '0') return separator + text
  const trimmed = text.replace(/0+$/, '')
  return trimmed === '' ? '' : separator + trimmed
}

/** Go's `time.Format(layout)` for the tokens Go knows (a faithful subset: no `Z07` quirks beyond offsets). */
export function goFormat(layout: string, time: WallTime): string {
  let out = ''
  for (const token of tokenize(layout)) out += token.kind === 'literal' ? token.text : formatStd(token.std, time)
  return out
}
