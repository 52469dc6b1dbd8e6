/**
 * The one condition grammar of `nsq stat --fail-if` and `nsq bench --threshold`: `METRIC OP VALUE`
 * (spaces allowed around OP). Each command keeps its own metric table and value units; the split
 * into the three parts and the comparison are here, so both read a condition the same way.
 */

/** `=` is read as `==`. */
export type ComparisonOp = '>' | '>=' | '<' | '<=' | '==' | '!='

/** A condition split into its parts; `metric` lower-cased, `value` as written (trimmed). */
export interface Condition {
  readonly metric: string
  readonly op: ComparisonOp
  readonly value: string
}

const CONDITION = /^\s*([a-z_][a-z0-9_.-]*)\s*(>=|<=|==|!=|=|>|<)\s*(\S(?:.*\S)?)\s*$/i

/** Splits `METRIC OP VALUE`; undefined when the text does not have that shape (the caller says how to write it). */
export function splitCondition(text: string): Condition | undefined {
  const match = CONDITION.exec(text)
  if (match === null) return undefined
  const op = match[2] === '=' ? '==' : (match[2] as ComparisonOp)
  return {metric: (match[1] as string).toLowerCase(), op, value: match[3] as string}
}

/** Whether `actual OP limit` holds. */
export function compare(actual: number, op: ComparisonOp, limit: number): boolean {
  switch (op) {
    case '>':
      return actual > limit
    case '>=':
      return actual >= limit
    case '<':
      return actual < limit
    case '<=':
      return actual <= limit
    case '==':
      return actual === limit
    case '!=':
      return actual !== limit
  }
}
