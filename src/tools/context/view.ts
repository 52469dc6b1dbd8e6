/**
 * What `nsq context show` and `nsq context list` print: the connection values a command would
 * use, each with where it came from, secrets masked (a secret's file path or env var name is
 * shown, its value never), as text or as snake_case JSON.
 */
import {CONNECTION_FLAGS, HTTP_AUTH, type ContextChoice, type Origin, type Resolution} from './resolve.js'
import {CONTEXT_KEYS, type ContextSettings, type StoredContext} from './store.js'

/** What stands for a secret's value wherever one would be printed. */
export const MASK = '********'

/** Flags whose value is a secret itself. */
const SECRET_FLAGS: ReadonlySet<string> = new Set(['auth-secret', HTTP_AUTH])

export interface SettingView {
  value: string | string[] | boolean | number
  source: Origin['source']
  env?: string
  context?: string
}

export interface ShowSummary {
  context: {name: string; from: string; file: string; description?: string} | null
  settings: Record<string, SettingView>
  /** Context settings not used because a flag or env var gave that setting. */
  overridden: string[]
  /** Context settings this command has no flag for. */
  unused: string[]
  /** Context `*_env` references whose variable is not set. */
  missing: {setting: string; env: string}[]
}

const snake = (name: string): string => name.replaceAll('-', '_')

/** The JSON-able view of a resolution (the parsed flags are read for the values). */
export function showSummary(
  flags: Record<string, unknown>,
  resolution: Resolution,
  choice: (ContextChoice & {from: string}) | undefined,
  stored: StoredContext | undefined,
): ShowSummary {
  const settings: Record<string, SettingView> = {}
  for (const name of CONNECTION_FLAGS) {
    const origin = resolution.origins[name]
    const value = flags[name]
    if (origin === undefined || value === undefined) continue
    const key = name === HTTP_AUTH ? 'http_auth' : snake(name)
    settings[key] = {
      value: SECRET_FLAGS.has(name) ? MASK : (value as SettingView['value']),
      source: origin.source,
      ...(origin.env === undefined ? {} : {env: origin.env}),
      ...(origin.context === undefined ? {} : {context: origin.context}),
    }
  }
  return {
    context:
      choice === undefined || stored === undefined
        ? null
        : {
            name: stored.name,
            from: choice.from,
            file: stored.file,
            ...(stored.settings.description === undefined ? {} : {description: stored.settings.description}),
          },
    settings,
    overridden: [...resolution.overridden],
    unused: [...resolution.unused],
    missing: resolution.missing.map(([setting, env]) => ({setting, env})),
  }
}

const FROM: Readonly<Record<string, string>> = {
  flag: '--context',
  env: 'NSQ_CONTEXT',
  current: 'current: nsq context use',
}

function shown(value: SettingView['value']): string {
  return Array.isArray(value) ? value.join(', ') : String(value)
}

function whence(view: SettingView): string {
  if (view.source === 'context') return `context ${view.context ?? ''}${view.env === undefined ? '' : ` (env ${view.env})`}`
  if (view.source === 'env') return `env ${view.env ?? ''}`
  return view.source
}

/** `nsq context show` as text. */
export function renderShow(summary: ShowSummary): string {
  const lines: string[] = []
  if (summary.context === null) lines.push('context: none')
  else {
    const from = FROM[summary.context.from]
    lines.push(`context: ${summary.context.name}${from === undefined ? '' : ` (${from})`}`)
    lines.push(`file: ${summary.context.file}`)
    if (summary.context.description !== undefined) lines.push(`description: ${summary.context.description}`)
  }
  const rows = Object.entries(summary.settings).map(([key, view]) => [key.replaceAll('_', '-'), shown(view.value), whence(view)])
  for (const m of summary.missing) rows.push([m.setting.replaceAll('_', '-'), `(env ${m.env} is not set)`, 'context'])
  if (rows.length === 0) lines.push('', 'no connection settings: commands use their defaults')
  else {
    const widths = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length), i === 0 ? 'SETTING'.length : 'VALUE'.length))
    const pad = (r: string[]): string => `${(r[0] ?? '').padEnd(widths[0] ?? 0)}  ${(r[1] ?? '').padEnd(widths[1] ?? 0)}  ${r[2] ?? ''}`
    lines.push('', pad(['SETTING', 'VALUE', 'FROM']), ...rows.map(pad))
  }
  if (summary.overridden.length > 0)
    lines.push('', `overridden by flags or env: ${summary.overridden.map((k) => k.replaceAll('_', '-')).join(', ')}`)
  if (summary.unused.length > 0) lines.push(`not used by this command: ${summary.unused.map((k) => k.replaceAll('_', '-')).join(', ')}`)
  return lines.join('\n')
}

/** One context as `list` shows it: what it points at, in a few words (never a secret: contexts hold none). */
export function describeSettings(settings: ContextSettings): string {
  const parts: string[] = []
  if (settings.lookupd_http_address !== undefined) parts.push(`lookupd ${settings.lookupd_http_address.join(',')}`)
  if (settings.nsqd_tcp_address !== undefined) parts.push(`nsqd ${settings.nsqd_tcp_address.join(',')}`)
  if (settings.nsqd_http_address !== undefined) parts.push(`nsqd http ${settings.nsqd_http_address.join(',')}`)
  const tls = settings.tls === true || settings.tls_ca !== undefined || settings.tls_cert !== undefined || settings.tls_insecure === true
  if (tls) parts.push(settings.tls_insecure === true ? 'tls (insecure)' : 'tls')
  if (settings.auth_secret_file !== undefined || settings.auth_secret_env !== undefined) parts.push('auth')
  if (settings.http_auth_file !== undefined || settings.http_auth_env !== undefined) parts.push('http auth')
  if (settings.compression !== undefined && settings.compression !== 'none') parts.push(settings.compression)
  if (settings.address_map !== undefined) parts.push(`${settings.address_map.length} address map(s)`)
  return parts.join(' · ')
}

/** The settings of a context without its description, keys in display order. */
export function settingsOnly(settings: ContextSettings): Omit<ContextSettings, 'description'> {
  const out: Record<string, unknown> = {}
  for (const key of CONTEXT_KEYS) if (settings[key] !== undefined) out[key] = settings[key]
  return out
}
