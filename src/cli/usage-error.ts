/**
 * A wrong flag value or combination found in cli/ (a flag's parse function, building options from
 * flags): exit 2 with this message. A class of its own because oclif rewrites the `message` of
 * what a flag's parse function throws ("Parsing --x \n\t…"); `usage` keeps the words we chose.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError'

  constructor(readonly usage: string) {
    super(usage)
  }
}

/** Runs a flag's value parser; what it throws becomes a UsageError naming the flag. */
export function parseFlagValue<T>(flag: string | undefined, input: string, parse: (input: string) => T): T {
  try {
    return parse(input)
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`${flag === undefined ? '' : `--${flag}: `}${(error as Error).message}`)
  }
}
