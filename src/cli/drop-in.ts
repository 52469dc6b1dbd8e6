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
