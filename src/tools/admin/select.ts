/**
 * Selection of topics or channels by name, glob (`orders.*`) or `/regex/`: names are taken as
 * given, patterns are matched against what the cluster lists. What matched is the list of
 * targets shown before anything is done.
 */
import {describeInvalidName} from '../../core/index.js'
import {parseNameFilter, type NameFilter} from '../stat/name-filter.js'

/** A bad name or pattern given by the user (a usage error, exit 2). */
export class SelectionError extends Error {
  override readonly name = 'SelectionError'
}

/** The result of matching patterns against the names the cluster has. */
export interface Selection {
  /** Matched names in pattern order (a pattern's own matches sorted), without duplicates. */
  names: string[]
  /** Patterns (globs or regexes) that matched nothing. */
  unmatched: string[]
}

/** Parses patterns; throws an Error naming a bad regex or an invalid exact name. */
export function parsePatterns(patterns: readonly string[], kind: 'topic' | 'channel'): NameFilter[] {
  return patterns.map((text) => {
    let filter: NameFilter
    try {
      filter = parseNameFilter(text, kind)
    } catch (error) {
      throw new SelectionError((error as Error).message)
    }
    if (filter.kind === 'exact') {
      const invalid = describeInvalidName(kind, text)
      if (invalid !== undefined) throw new SelectionError(invalid)
    }
    return filter
  })
}

/** True when some pattern needs the cluster's list of names (a glob or a regex). */
export function needsListing(filters: readonly NameFilter[]): boolean {
  return filters.some((f) => f.kind !== 'exact')
}

/** Matches filters against `available`; exact names are selected whether listed or not. */
export function selectNames(filters: readonly NameFilter[], available: Iterable<string>): Selection {
  const listed = [...new Set(available)].sort()
  const names: string[] = []
  const seen = new Set<string>()
  const unmatched: string[] = []
  const add = (name: string): void => {
    if (!seen.has(name)) {
      seen.add(name)
      names.push(name)
    }
  }
  for (const filter of filters) {
    if (filter.exact !== undefined) {
      add(filter.exact)
      continue
    }
    const matches = listed.filter((name) => filter.matches(name))
    if (matches.length === 0) unmatched.push(filter.source)
    matches.forEach(add)
  }
  return {names, unmatched}
}
