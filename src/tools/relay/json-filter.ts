/**
 * The relay's JSON filters, with nsq_to_nsq's flag names: `--require-json-field` (the key must
 * be there), `--require-json-value` (and hold this value) and `--whitelist-json-field` (publish
 * an object of only these keys). Unlike the official app, a whitelisted body is cut out of the
 * original text, not re-encoded: key order, number precision (big integers), escaping and the
 * values' own whitespace are kept. Without a whitelist the original bytes go on untouched.
 */

/** The filter flags, parsed. */
export interface JsonFilterOptions {
  /** Top-level key a body must carry to pass. */
  requireField?: string | undefined
  /** With `requireField`: the value it must hold (a JSON string equal to it, or a number equal to it). */
  requireValue?: string | undefined
  /** Top-level keys kept in the published body (in the body's own order); empty: the body as it is. */
  whitelist?: readonly string[] | undefined
}

/** What the filter says about one body. */
export type FilterVerdict =
  | {readonly kind: 'pass'; readonly body: Buffer}
  | {readonly kind: 'filtered'}
  /** Not a JSON object: the caller's `--on-invalid` policy decides. */
  | {readonly kind: 'invalid'; readonly error: string}

/** A compiled filter; `active` is false when no flag asks for JSON at all (every body passes untouched). */
export class JsonFilter {
  readonly active: boolean
  private readonly whitelist: ReadonlySet<string>
  private readonly wantNumber: number | undefined

  constructor(private readonly options: JsonFilterOptions) {
    if (options.requireValue !== undefined && options.requireField === undefined)
      throw new Error('--require-json-value needs --require-json-field')
    this.whitelist = new Set(options.whitelist ?? [])
    this.active = options.requireField !== undefined || this.whitelist.size > 0
    const value = options.requireValue
    this.wantNumber = value !== undefined && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined
  }

  /** Applies the filter to one body. */
  apply(body: Buffer): FilterVerdict {
    if (!this.active) return {kind: 'pass', body}
    const text = body.toString('utf8')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      return {kind: 'invalid', error: `not JSON: ${(error as Error).message}`}
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {kind: 'invalid', error: 'not a JSON object'}
    const object = parsed as Record<string, unknown>
    const {requireField, requireValue} = this.options
    if (requireField !== undefined) {
      if (!Object.hasOwn(object, requireField)) return {kind: 'filtered'}
      if (requireValue !== undefined && !this.matches(object[requireField], requireValue)) return {kind: 'filtered'}
    }
    if (this.whitelist.size === 0) return {kind: 'pass', body}
    return {kind: 'pass', body: Buffer.from(this.cut(text), 'utf8')}
  }

  private matches(value: unknown, wanted: string): boolean {
    if (typeof value === 'string') return value === wanted
    return typeof value === 'number' && this.wantNumber !== undefined && value === this.wantNumber
  }

  /** `{"k":<original value text>,…}` of the whitelisted keys, in the body's order (last of a repeated key wins, as in JSON.parse). */
  private cut(text: string): string {
    const kept = new Map<string, string>()
    for (const [key, raw] of topLevelMembers(text)) {
      if (!this.whitelist.has(key)) continue
      kept.delete(key)
      kept.set(key, raw)
    }
    return `{${[...kept].map(([key, raw]) => `${JSON.stringify(key)}:${raw}`).join(',')}}`
  }
}

/**
 * The members of a top-level JSON object as `[key, original value text]`, in order. The text
 * must already be known valid JSON (JSON.parse accepted it), so the scan only finds boundaries.
 */
export function topLevelMembers(text: string): [string, string][] {
  const members: [string, string][] = []
  let i = skipSpace(text, 0)
  if (text[i] !== '{') return members
  i = skipSpace(text, i + 1)
  while (i < text.length && text[i] !== '}') {
    const keyEnd = endOfString(text, i)
    const key = JSON.parse(text.slice(i, keyEnd)) as string
    i = skipSpace(text, skipSpace(text, keyEnd) + 1)
    const valueEnd = endOfValue(text, i)
    members.push([key, text.slice(i, valueEnd)])
    i = skipSpace(text, valueEnd)
    if (text[i] === ',') i = skipSpace(text, i + 1)
  }
  return members
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
  return i
}

/** Index just past the string starting at `i` (a `"`). */
function endOfString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++
    else if (text[j] === '"') return j + 1
  }
  return text.length
}

/** Index just past the value starting at `i`. */
function endOfValue(text: string, i: number): number {
  const first = text[i]
  if (first === '"') return endOfString(text, i)
  if (first === '{' || first === '[') {
    let depth = 0
    for (let j = i; j < text.length; j++) {
      const c = text[j]
      if (c === '"') j = endOfString(text, j) - 1
      else if (c === '{' || c === '[') depth++
      else if (c === '}' || c === ']') {
        depth--
        if (depth === 0) return j + 1
      }
    }
    return text.length
  }
  let j = i
  while (j < text.length && !',}] \t\n\r'.includes(text[j] as string)) j++
  return j
}
