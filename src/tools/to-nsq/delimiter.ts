/**
 * `--delimiter` values: the literal bytes of the argument, with the escapes people type in a
 * shell (`\n`, `\r`, `\t`, `\0`, `\\`, `\xHH`) decoded, so `--delimiter '\n'`, `--delimiter $'\n'`
 * and `--delimiter '\r\n'` all do what they look like. Multi-byte delimiters are allowed.
 */
export function parseDelimiter(text: string): Buffer {
  const bytes: number[] = []
  const raw = Buffer.from(text, 'utf8')
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i] as number
    if (byte !== 0x5c || i === raw.length - 1) {
      bytes.push(byte)
      continue
    }
    const next = String.fromCharCode(raw[i + 1] as number)
    const simple: Record<string, number> = {n: 0x0a, r: 0x0d, t: 0x09, '0': 0x00, '\\': 0x5c}
    if (next in simple) {
      bytes.push(simple[next] as number)
      i++
    } else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(raw.subarray(i + 2, i + 4).toString('latin1'))) {
      bytes.push(Number.parseInt(raw.subarray(i + 2, i + 4).toString('latin1'), 16))
      i += 3
    } else {
      bytes.push(byte)
    }
  }
  if (bytes.length === 0) throw new Error('--delimiter must not be empty')
  return Buffer.from(bytes)
}

/** The delimiter as people would type it, for messages (`\n`, `\0`, `,`). */
export function describeDelimiter(delimiter: Buffer): string {
  return JSON.stringify(delimiter.toString('latin1')).slice(1, -1).replaceAll('\\u0000', '\\0')
}
