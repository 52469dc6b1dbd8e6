/**
 * `nsq tail --format '<template>'`: kcat-style tokens for muscle memory.
 *
 * Tokens: `%t` topic, `%c` channel, `%i` message id, `%T` timestamp (ms since the epoch),
 * `%a` attempts, `%h` nsqd address, `%s` body (raw bytes), `%S` body size in bytes, `%%` a
 * percent sign. Escapes: `\n`, `\r`, `\t`, `\0`, `\\`, `\xNN`. Nothing is appended: end the
 * template with `\n` for one line per message.
 */

/** What a template can print about one message. */
export interface TemplateFields {
  readonly topic: string
  readonly channel: string
  readonly id: string
  /** Milliseconds since the epoch. */
  readonly timestampMs: number
  readonly attempts: number
  readonly nsqd: string
  readonly body: Buffer
}

/** A template that cannot be compiled (unknown token, bad escape). */
export class TemplateError extends Error {
  override readonly name = 'TemplateError'
}

type Part = Buffer | keyof typeof TOKENS

const TOKENS = {
  t: 'topic',
  c: 'channel',
  i: 'id',
  T: 'timestamp',
  a: 'attempts',
  h: 'nsqd',
  s: 'body',
  S: 'size',
} as const

const ESCAPES: Readonly<Record<string, string>> = {n: '\n', r: '\r', t: '\t', '0': '\0', '\\': '\\'}

/** A compiled template: pushes the pieces for one message onto `out` (no copy of the body). */
export type CompiledTemplate = (fields: TemplateFields, out: Buffer[]) => void

function isToken(char: string): char is keyof typeof TOKENS {
  return Object.hasOwn(TOKENS, char)
}

/** Splits a template into literal bytes and tokens. Throws TemplateError on an unknown `%x` or `\x`. */
export function parseTemplate(template: string): Part[] {
  return parse(template, true)
}

/** Decodes the escapes of a plain string (e.g. `--delimiter '\t'`) into bytes; `%` is literal. */
export function unescape(text: string): Buffer {
  return Buffer.concat(parse(text, false).filter((p): p is Buffer => typeof p !== 'string'))
}

function parse(template: string, tokens: boolean): Part[] {
  const parts: Part[] = []
  let literal = ''
  const flush = (): void => {
    if (literal !== '') parts.push(Buffer.from(literal, 'latin1'))
    literal = ''
  }
  // Literal text is kept as UTF-8 bytes; \xNN adds one raw byte, hence latin1 for the buffer.
  const addText = (text: string): void => {
    literal += Buffer.from(text, 'utf8').toString('latin1')
  }
  const chars = Array.from(template) // code points, so astral characters stay whole
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string
    const next = chars[i + 1]
    if (char === '%' && tokens) {
      if (next === '%') addText('%')
      else if (next !== undefined && isToken(next)) {
        flush()
        parts.push(next)
      } else throw new TemplateError(`unknown token %${next ?? ''} in --format (known: %t %c %i %T %a %h %s %S %%)`)
      i++
    } else if (char === '\\') {
      if (next === 'x') {
        const hex = chars.slice(i + 2, i + 4).join('')
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new TemplateError(`bad escape \\x${hex} in --format (expected two hex digits)`)
        literal += String.fromCharCode(Number.parseInt(hex, 16))
        i += 3
      } else if (next !== undefined && ESCAPES[next] !== undefined) {
        addText(ESCAPES[next])
        i++
      } else throw new TemplateError(`unknown escape \\${next ?? ''} in --format (known: \\n \\r \\t \\0 \\\\ \\xNN)`)
    } else addText(char)
  }
  flush()
  return parts
}

/** Compiles a template into a function that renders one message. */
export function compileTemplate(template: string): CompiledTemplate {
  const parts = parseTemplate(template)
  return (fields, out) => {
    for (const part of parts) {
      if (typeof part !== 'string') {
        out.push(part)
        continue
      }
      switch (part) {
        case 's':
          out.push(fields.body)
          break
        case 'S':
          out.push(Buffer.from(String(fields.body.length)))
          break
        case 't':
          out.push(Buffer.from(fields.topic))
          break
        case 'c':
          out.push(Buffer.from(fields.channel))
          break
        case 'i':
          out.push(Buffer.from(fields.id))
          break
        case 'T':
          out.push(Buffer.from(String(fields.timestampMs)))
          break
        case 'a':
          out.push(Buffer.from(String(fields.attempts)))
          break
        case 'h':
          out.push(Buffer.from(fields.nsqd))
          break
      }
    }
  }
}
