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
