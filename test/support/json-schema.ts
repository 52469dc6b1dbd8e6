/**
 * A small JSON Schema (draft 2020-12 subset) validator for tests: type (one or a list, with
 * "integer"), required, properties, additionalProperties: false, items, enum, minimum, anyOf
 * and local $ref ("#/$defs/name"). Returns every violation as "path: problem".
 */
export interface Schema {
  $ref?: string
  type?: string | string[]
  required?: string[]
  properties?: Record<string, Schema>
  additionalProperties?: boolean
  items?: Schema
  enum?: unknown[]
  minimum?: number
  anyOf?: Schema[]
  $defs?: Record<string, Schema>
  [key: string]: unknown
}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

function matchesType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value)
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value)
  return typeOf(value) === type
}

export function validate(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const name = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1]
    const target = name === undefined ? undefined : root.$defs?.[name]
    if (target === undefined) return [`${path}: unresolvable $ref ${schema.$ref}`]
    return validate(value, target, root, path)
  }
  if (schema.anyOf !== undefined) {
    const attempts = schema.anyOf.map((option) => validate(value, option, root, path))
    if (attempts.every((a) => a.length > 0)) return [`${path}: matches none of anyOf (${attempts.map((a) => a[0]).join('; ')})`]
  }
  const errors: string[] = []
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type]
    if (!types.some((t) => matchesType(value, t))) return [`${path}: expected ${types.join(' | ')}, got ${typeOf(value)}`]
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => e === value))
    errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`)
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum)
    errors.push(`${path}: ${value} < minimum ${schema.minimum}`)
  if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>
    for (const key of schema.required ?? []) if (!(key in record)) errors.push(`${path}: missing required "${key}"`)
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (key in record) errors.push(...validate(record[key], sub, root, `${path}.${key}`))
    }
    if (schema.additionalProperties === false) {
      for (const key of Object.keys(record)) if (!(key in (schema.properties ?? {}))) errors.push(`${path}: unexpected property "${key}"`)
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => errors.push(...validate(item, schema.items as Schema, root, `${path}[${i}]`)))
  }
  return errors
}
