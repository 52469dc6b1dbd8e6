/**
 * The one case of `--json` field names: snake_case, as stat and bench print them. Summaries are
 * typed in camelCase (TypeScript's), so their keys are turned at the edge, when printed (every
 * command's `--json` goes through NsqCommand's `toSuccessJson`). Some objects are maps whose
 * keys are data, not field names, and stay as they are: see {@link DATA_KEYED}.
 */

/**
 * Field names (snake_case) whose value, when an object (not an array), is keyed by data:
 * - `topics`: topic names (to-nsq, to-file, replay; relay's source topics and, under
 *   `destination`, its destination topics);
 * - `published`: nsqd addresses (relay's `destination.published` and per destination topic);
 * - `by_class`: HTTP status classes (`2xx` … `error`, to-http);
 * - `failures`: failure reasons, the errors file's names (`publish_failed`, to-nsq and replay).
 * A number or array under such a name is not a map, and passes as it is.
 */
export const DATA_KEYED: ReadonlySet<string> = new Set(['topics', 'published', 'by_class', 'failures'])

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

/** A field name's snake_case form, at the type level (`stoppedBy` → `stopped_by`; `2xx` and `string` stay). */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S

/** The type of a summary as `--json` prints it: {@link snakeCaseKeys} applied to `T`. */
export type JsonOf<T> = T extends readonly (infer Item)[]
  ? JsonOf<Item>[]
  : T extends Date | Buffer | Error
    ? T
    : T extends object
      ? {[K in keyof T as K extends string ? SnakeCase<K> : K]: JsonOf<T[K]>}
      : T
