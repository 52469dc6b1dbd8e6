import {encodeMessageEnvelope, nanosToMillis, type DeliveredMessage} from '../envelope.js'
import {compileTemplate, TemplateError} from './template.js'

/** The parts of a delivered message that output can show (core's Message has them all). */
/** A message as tail renders it. */
export type TailMessage = DeliveredMessage

/** Renders one message by pushing its output pieces onto `out` (bodies are not copied). */
export type Formatter = (message: TailMessage, out: Buffer[]) => void

export interface FormatOptions {
  /** `raw`, `json`, or a template with `%` tokens (see template.ts). */
  format: string
  /** Written after each raw body and each JSON line (not after templates). */
  delimiter: Buffer
  /** Raw only: prefix each body with `<topic> | `, as nsq_tail does. */
  printTopic: boolean
}

/**
 * Builds the formatter for `--format`:
 * - `raw`: the body bytes, then the delimiter (with `--print-topic`, `<topic> | ` first);
 * - `json`: one envelope (envelope.ts) per message, then the delimiter;
 * - anything with `%` tokens: a template, printed exactly (include `\n` yourself).
 * Throws TemplateError for any other value or a bad template.
 */
export function createFormatter(options: FormatOptions): Formatter {
  const {format, delimiter} = options
  if (format === 'raw') {
    if (!options.printTopic) {
      return (message, out) => {
        out.push(message.body, delimiter)
      }
    }
    const prefixes = new Map<string, Buffer>()
    return (message, out) => {
      let prefix = prefixes.get(message.topic)
      if (prefix === undefined) {
        prefix = Buffer.from(`${message.topic} | `)
        prefixes.set(message.topic, prefix)
      }
      out.push(prefix, message.body, delimiter)
    }
  }
  if (format === 'json') {
    return (message, out) => {
      out.push(Buffer.from(encodeMessageEnvelope(message)), delimiter)
    }
  }
  if (!format.includes('%')) {
    throw new TemplateError(`unknown --format "${format}": use raw, json, or a template with tokens such as '%t %s\\n'`)
  }
  const render = compileTemplate(format)
  return (message, out) => {
    render(
      {
        topic: message.topic,
        channel: message.channel,
        id: message.id,
        timestampMs: nanosToMillis(message.timestamp),
        attempts: message.attempts,
        nsqd: message.nsqd,
        body: message.body,
      },
      out,
    )
  }
}
