import {HttpError} from '../errors.js'

/**
 * Small readers that check untrusted JSON once, at the boundary, and produce typed values.
 * Each throws HttpError naming the path of the first field that has the wrong shape.
 */
export class Shape {
  constructor(private readonly url: string) {}

  fail(path: string, expected: string, value: unknown): never {
    const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
    throw new HttpError(this.url, `unexpected response: ${path} should be ${expected}, got ${got}`)
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value)
    return value as Record<string, unknown>
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'a string', value)
    return value
  }

  number(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(path, 'a number', value)
    return value
  }

  boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, 'a boolean', value)
    return value
  }

  /** An array (null counts as empty: nsqd sends null for empty lists in places). */
  array<T>(value: unknown, path: string, item: (element: unknown, path: string) => T): T[] {
    if (value === null || value === undefined) return []
    if (!Array.isArray(value)) this.fail(path, 'an array', value)
    return value.map((element, index) => item(element, `${path}[${index}]`))
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined ? undefined : this.string(value, path)
  }

  optionalNumber(value: unknown, path: string): number | undefined {
    return value === undefined || value === null ? undefined : this.number(value, path)
  }
}
