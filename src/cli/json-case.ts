/**
 * The one case of `--json` field names: snake_case, as stat and bench print them. Summaries are
 * typed in camelCase (TypeScript's), so their keys are turned at the edge, when printed. The
 * keys of an object under `topics` are topic names (data, not field names) and stay as they are.
 */
const DATA_KEYED: ReadonlySet<string> = new Set(['topics'])

/** `stoppedBy` → `stopped_by`, `maxMessageBytes` → `max_message_bytes`; snake_case stays. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

/** A copy of `value` with every object key in snake_case (recursively), but topic names kept. */
export function snakeCaseKeys(value: unknown, dataKeyed = false): unknown {
  if (Array.isArray(value)) return value.map((item) => snakeCaseKeys(item))
  if (value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const name = dataKeyed ? key : snakeCase(key)
    out[name] = snakeCaseKeys(item, !dataKeyed && DATA_KEYED.has(name) && !Array.isArray(item))
  }
  return out
}
