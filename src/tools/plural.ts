/**
 * The one plural rule of every message: `1 message`, `2 messages`, `0 files`. Words whose plural
 * is not `word + s` give it (`plural(n, 'nsqd', {plural: 'nsqd'})`); counts may be formatted
 * (`{format: formatCount}`).
 */
export function plural(count: number, word: string, options: {plural?: string; format?: (count: number) => string} = {}): string {
  const shown = options.format === undefined ? String(count) : options.format(count)
  return `${shown} ${count === 1 ? word : (options.plural ?? `${word}s`)}`
}
