/**
 * `--header 'Key: Value'` as the official app parses it (split on the first colon, both sides
 * trimmed and non-empty), and `--header-file` (one such line each; blank lines and `#` comments
 * skipped), so secrets need not be in argv.
 */
import fs from 'node:fs'

/** One `Key: Value`; throws naming the right format (nsq_to_http's error says key=value). */
export function parseHeader(text: string, flag: string): [string, string] {
  const colon = text.indexOf(':')
  const key = colon === -1 ? '' : text.slice(0, colon).trim()
  const value = colon === -1 ? '' : text.slice(colon + 1).trim()
  if (key === '' || value === '') throw new Error(`${flag} ${JSON.stringify(text)}: expected 'Key: Value'`)
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) throw new Error(`${flag} ${JSON.stringify(text)}: not a valid header name`)
  if (/[\r\n\0]/.test(value)) throw new Error(`${flag}: header ${key}: the value holds a line break or NUL`)
  return [key, value]
}

/** The headers of a `--header-file`. */
export function readHeaderFile(file: string): Array<[string, string]> {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new Error(`--header-file ${file}: ${(error as Error).message}`)
  }
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => parseHeader(line, `--header-file ${file}:`))
}
