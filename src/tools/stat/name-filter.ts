/**
 * Topic / channel selection: an exact name (which nsqd and lookupd can filter on server side),
 * a glob (`orders.*`, `*#ephemeral`, `[ab]?`) or a regular expression written `/…/` or `/…/i`.
 */
export interface NameFilter {
  readonly kind: 'exact' | 'glob' | 'regex'
  readonly source: string
  /** The name itself when `kind` is 'exact' (used for server-side filtering). */
  readonly exact: string | undefined
  matches(name: string): boolean
}

const GLOB_CHARS = /[*?[]/

/** Parses a filter; throws an Error naming the flag when a regular expression is invalid. */
export function parseNameFilter(text: string, flag = 'filter'): NameFilter {
  const regex = /^\/(.*)\/([imsu]*)$/s.exec(text)
  if (regex !== null) {
    let re: RegExp
    try {
      re = new RegExp(regex[1] as string, regex[2])
    } catch (error) {
      throw new Error(`--${flag} ${text}: ${(error as Error).message}`)
    }
    return {kind: 'regex', source: text, exact: undefined, matches: (name) => re.test(name)}
  }
  if (GLOB_CHARS.test(text)) {
    const re = globToRegExp(text)
    return {kind: 'glob', source: text, exact: undefined, matches: (name) => re.test(name)}
  }
  return {kind: 'exact', source: text, exact: text, matches: (name) => name === text}
}

/** `*` any run, `?` one character, `[…]` a class (`[!…]` negated); everything else literal. */
export function globToRegExp(glob: string): RegExp {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string
    if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2)
      if (end === -1) {
        out += '\\['
        continue
      }
      let body = glob.slice(i + 1, end)
      if (body.startsWith('!')) body = `^${body.slice(1)}`
      out += `[${body.replace(/\\/g, '\\\\')}]`
      i = end
    } else out += c.replace(/[.+^${}()|\\/\]]/g, '\\$&')
  }
  return new RegExp(`^${out}$`)
}
