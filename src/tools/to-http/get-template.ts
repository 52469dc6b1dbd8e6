/**
 * The `--get URL` template. Only these tokens are replaced: `%s` the body, URL-escaped
 * (encodeURIComponent: every byte outside A–Z a–z 0–9 - _ . ! ~ * ' ( ) is %XX-escaped, binary
 * bodies byte by byte), `%t` topic, `%i` message id, `%a` attempts, `%%` a percent sign. Any
 * other `%` stays as written, so a URL with `%20` or `%2F` in it is sent as is (nsq_to_http
 * runs the URL through printf and corrupts it).
 */
import type {DeliveredMessage} from '../envelope.js'

/** A literal piece of the URL, or a token to fill in. */
type Part = string | {readonly token: 's' | 't' | 'i' | 'a'}

/** A compiled template: `render(message)` gives the URL for one message. */
export interface GetTemplate {
  readonly source: string
  render(message: Pick<DeliveredMessage, 'body' | 'topic' | 'id' | 'attempts'>): string
}

/** Percent-escapes arbitrary bytes for a URL query (UTF-8 text as encodeURIComponent does; other bytes as %XX). */
export function escapeBody(body: Buffer): string {
  let out = ''
  for (const byte of body) {
    // Unreserved characters of encodeURIComponent, byte by byte (so invalid UTF-8 survives).
    if (
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2d ||
      byte === 0x5f ||
      byte === 0x2e ||
      byte === 0x21 ||
      byte === 0x7e ||
      byte === 0x2a ||
      byte === 0x27 ||
      byte === 0x28 ||
      byte === 0x29
    ) {
      out += String.fromCharCode(byte)
    } else {
      out += '%' + (byte < 16 ? '0' : '') + byte.toString(16).toUpperCase()
    }
  }
  return out
}

/** Compiles a `--get` template; throws when the result would not be an http(s) URL. */
export function compileGetTemplate(source: string): GetTemplate {
  const parts: Part[] = []
  let literal = ''
  for (let i = 0; i < source.length; i++) {
    const char = source[i] as string
    const next = source[i + 1]
    if (char === '%' && (next === 's' || next === 't' || next === 'i' || next === 'a')) {
      if (literal !== '') parts.push(literal)
      literal = ''
      parts.push({token: next})
      i++
    } else if (char === '%' && next === '%') {
      literal += '%'
      i++
    } else {
      literal += char
    }
  }
  if (literal !== '') parts.push(literal)
  // Every URL from the template has the same scheme and host: check them once with sample values.
  const sample = parts.map((p) => (typeof p === 'string' ? p : 'x')).join('')
  let url: URL
  try {
    url = new URL(sample)
  } catch {
    throw new Error(`--get ${source}: not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--get ${source}: only http:// and https:// URLs`)
  return {
    source,
    render(message) {
      let out = ''
      for (const part of parts) {
        if (typeof part === 'string') out += part
        else if (part.token === 's') out += escapeBody(message.body)
        else if (part.token === 't') out += encodeURIComponent(message.topic)
        else if (part.token === 'i') out += message.id
        else out += String(message.attempts)
      }
      return out
    },
  }
}
