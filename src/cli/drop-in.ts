/**
 * Drop-in names (`nsq_tail`, `to_nsq`, `nsq_to_file`, `nsq_stat`): the official apps take Go's
 * flag syntax (`-topic=x`, `-topic x`, `--topic=x`, `-flag` / `-flag=false` for booleans). This
 * turns such an argv into our command's argv, renaming flags whose names differ, so existing
 * scripts run unchanged.
 */
export interface DropInSpec {
  /** Our command id, e.g. `tail`. */
  command: string
  /** Arguments placed right after the command id, before the translated ones (e.g. `--mode=fanout` for the official app's behaviour). */
  args?: readonly string[]
  /** Go flag name → our flag name, where they differ (e.g. `n` → `count`). */
  rename?: Readonly<Record<string, string>>
  /** Go boolean flags (after renaming), so `-flag=true|false` becomes `--flag` / `--no-flag` or nothing. */
  booleans?: readonly string[]
  /** Booleans of ours without a `--no-` form: `-flag=false` is dropped. */
  booleansWithoutNo?: readonly string[]
  /** Go flags we accept but ignore (with a note on stderr), e.g. options that only tune go-nsq. */
  ignored?: readonly string[]
  /** Go flags that take a value and are ignored (the value is skipped too). */
  ignoredWithValue?: readonly string[]
  /** Go flags that take a value translated by a function (e.g. `consumer-opt` → {@link goNsqConsumerOpt}). */
  translated?: Readonly<Record<string, (value: string) => Translation>>
}

export interface Translation {
  argv: string[]
  notes: string[]
}

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True'])
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False'])

/** Translates a Go-style argv into `[command, ...our flags]`. */
export function translateGoArgs(argv: readonly string[], spec: DropInSpec): Translation {
  const out: string[] = [spec.command, ...(spec.args ?? [])]
  const notes: string[] = []
  const booleans = new Set(spec.booleans ?? [])
  const withoutNo = new Set(spec.booleansWithoutNo ?? [])
  const ignored = new Set(spec.ignored ?? [])
  const ignoredWithValue = new Set(spec.ignoredWithValue ?? [])
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') {
      out.push(...argv.slice(i))
      break
    }
    const match = /^--?([A-Za-z0-9][\w.-]*)(=([\s\S]*))?$/.exec(arg)
    if (match === null) {
      out.push(arg)
      continue
    }
    const goName = match[1] as string
    const value = match[3]
    if (goName === 'h' || goName === 'help') {
      out.push('--help')
      continue
    }
    if (goName === 'version') {
      out.push('--version')
      continue
    }
    const translate = spec.translated?.[goName]
    if (translate !== undefined) {
      const given = value ?? argv[++i]
      if (given === undefined) {
        out.push(`--${goName}`)
        continue
      }
      const translation = translate(given)
      out.push(...translation.argv)
      notes.push(...translation.notes)
      continue
    }
    if (ignored.has(goName) || ignoredWithValue.has(goName)) {
      notes.push(`ignoring -${goName}: not needed by nsq-toolkit`)
      if (ignoredWithValue.has(goName) && value === undefined) i++
      continue
    }
    const name = spec.rename?.[goName] ?? goName
    if (booleans.has(name)) {
      if (value === undefined || TRUE.has(value)) out.push(`--${name}`)
      else if (FALSE.has(value)) {
        if (!withoutNo.has(name)) out.push(`--no-${name}`)
      } else out.push(`--${name}=${value}`)
      continue
    }
    out.push(value === undefined ? `--${name}` : `--${name}=${value}`)
  }
  return {argv: out, notes}
}

/** go-nsq options with a flag of ours: option name → our flag (value passed as is). */
const CONSUMER_OPT_FLAGS: Readonly<Record<string, string>> = {
  heartbeat_interval: 'heartbeat-interval',
  lookupd_poll_interval: 'lookupd-poll-interval',
  deflate_level: 'deflate-level',
  auth_secret: 'auth-secret',
}

/** go-nsq boolean options with a flag of ours: option name → the flag to add when true. */
const CONSUMER_OPT_BOOLEANS: Readonly<Record<string, readonly string[]>> = {
  tls_v1: ['--tls'],
  tls_insecure_skip_verify: ['--tls-insecure'],
  snappy: ['--compression=snappy'],
  deflate: ['--compression=deflate'],
}

/**
 * One `-consumer-opt=name,value` of the official apps (go-nsq's ConfigFlag: split on the first
 * comma, a bare name means true, `-` in the name reads as `_`) as our flags: the options we have
 * a flag for carry over (heartbeat_interval, lookupd_poll_interval, tls_v1, snappy, deflate, …);
 * the rest only tuned go-nsq and are dropped with a note.
 */
export function goNsqConsumerOpt(option: string): Translation {
  const comma = option.indexOf(',')
  const name = (comma === -1 ? option : option.slice(0, comma)).replaceAll('-', '_')
  const value = comma === -1 ? 'true' : option.slice(comma + 1)
  const flag = CONSUMER_OPT_FLAGS[name]
  if (flag !== undefined) return {argv: [`--${flag}=${value}`], notes: []}
  const booleanFlags = CONSUMER_OPT_BOOLEANS[name]
  if (booleanFlags !== undefined) {
    if (TRUE.has(value)) return {argv: [...booleanFlags], notes: []}
    if (FALSE.has(value)) return {argv: [], notes: []}
    return {argv: [], notes: [`ignoring -consumer-opt ${name},${value}: not a boolean`]}
  }
  return {argv: [], notes: [`ignoring -consumer-opt ${name}: only tunes go-nsq`]}
}

/** The flags a `-producer-opt` may become: those of the destination connection. */
const PRODUCER_FLAG = /^--(tls|tls-insecure|tls-ca|tls-cert|tls-key|tls-min-version|compression|deflate-level|auth-secret)(=|$)/

/**
 * One `-producer-opt=name,value` of nsq_to_nsq as our destination flags: go-nsq's option names
 * as in {@link goNsqConsumerOpt}, each flag with the `destination-` prefix (TLS, snappy, deflate,
 * auth secret); the rest only tuned go-nsq and are dropped with a note.
 */
export function goNsqProducerOpt(option: string): Translation {
  const consumer = goNsqConsumerOpt(option)
  const argv: string[] = []
  const notes = consumer.notes.map((note) => note.replace('-consumer-opt', '-producer-opt'))
  for (const arg of consumer.argv) {
    if (PRODUCER_FLAG.test(arg)) argv.push(arg.replace(/^--/, '--destination-'))
    else notes.push(`ignoring -producer-opt ${option}: no destination flag for it`)
  }
  return {argv, notes}
}

/** The drop-in name this process runs as (`to_nsq` for bin/to_nsq.js), or undefined for `nsq` itself. */
export function dropInName(script: string | undefined = process.argv[1]): string | undefined {
  const base = (script ?? '').split(/[\\/]/).pop()?.replace(/\.js$/, '') ?? ''
  return /^(nsq_|to_nsq)/.test(base) ? base : undefined
}

/** `-version` of a drop-in, in the official apps' form (`nsq_tail v1.3.0`): `to_nsq (nsq-toolkit) v0.1.0`. */
export function dropInVersionLine(name: string, version: string): string {
  return `${name} (nsq-toolkit) v${version}`
}

/** Our flag name → the drop-in's Go name (the reverse of `rename`). */
function goFlagName(spec: DropInSpec, ours: string): string {
  for (const [go, name] of Object.entries(spec.rename ?? {})) if (name === ours) return go
  return ours
}

/**
 * A message or hint in the drop-in's own terms: `nsq to-nsq` → `to_nsq`, `--count 5` → `-n 5`,
 * `--no-x` → `-x=false`, so what a user of the official app is told to type works there.
 */
export function inDropInTerms(text: string, name: string, spec: DropInSpec): string {
  return text
    .replaceAll(`nsq ${spec.command.replaceAll(':', ' ')}`, name)
    .replace(/(^|[\s(`"'])--no-([a-z][\w-]*)/g, (_, before: string, flag: string) => `${before}-${goFlagName(spec, flag)}=false`)
    .replace(/(^|[\s(`"'/])--([a-z][\w-]*)/g, (_, before: string, flag: string) => `${before}-${goFlagName(spec, flag)}`)
}

/** What `-help` of a drop-in shows of one flag (oclif's cached flag description). */
export interface DropInFlagHelp {
  type: 'boolean' | 'option'
  summary?: string
  description?: string
  default?: unknown
  multiple?: boolean
  helpValue?: string | string[]
  hidden?: boolean
  options?: readonly string[]
}

/**
 * `-help` of a drop-in: Go's flag.PrintDefaults layout (`  -name type` then a tab-indented
 * usage with its default) under `Usage of NAME:`, with the Go names the drop-in takes.
 */
export function dropInUsage(name: string, spec: DropInSpec, flags: Readonly<Record<string, DropInFlagHelp>>, summary?: string): string {
  const lines = [`Usage of ${name}:`]
  const entries = Object.entries(flags)
    .filter(([, flag]) => flag.hidden !== true)
    .map(([ours, flag]) => [goFlagName(spec, ours), flag] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [go, flag] of entries) {
    const value = Array.isArray(flag.helpValue) ? flag.helpValue[0] : flag.helpValue
    const type =
      flag.type === 'boolean'
        ? ''
        : flag.multiple === true
          ? ' value'
          : value === '<duration>'
            ? ' duration'
            : typeof flag.default === 'number'
              ? ' int'
              : typeof flag.default === 'string'
                ? ' string'
                : ' value'
    const text = inDropInTerms(flag.summary ?? flag.description ?? '', name, spec)
    const shown =
      flag.default === undefined || flag.default === false || flag.default === '' || flag.type === 'boolean'
        ? ''
        : ` (default ${formatDefault(flag.default, value)})`
    const options = flag.options === undefined ? '' : ` (${flag.options.join(', ')})`
    lines.push(`  -${go}${type}`, `    \t${text}${options}${shown}`)
  }
  for (const go of [...(spec.ignored ?? []), ...(spec.ignoredWithValue ?? [])])
    lines.push(`  -${go}`, '    \taccepted and ignored (only tunes the Go client)')
  const about =
    summary === undefined
      ? ''
      : `${name}: ${summary}; a drop-in of nsq-toolkit (\`nsq ${spec.command.replaceAll(':', ' ')} --help\` for the full help)\n\n`
  return `${about}${lines.join('\n')}\n`
}

function formatDefault(value: unknown, helpValue: string | undefined): string {
  if (helpValue === '<duration>' && typeof value === 'number') {
    if (value % 3_600_000 === 0) return `${value / 3_600_000}h0m0s`
    if (value % 60_000 === 0) return `${value / 60_000}m0s`
    if (value % 1000 === 0) return `${value / 1000}s`
    return `${value}ms`
  }
  return typeof value === 'string' && helpValue !== '<duration>' ? `"${value}"` : String(value)
}
