/**
 * The topic of a finished file found on disk whose manifest does not say it (manifests written
 * before `topic` was recorded): read back from its name through `--filename-format`.
 */

const TOPIC = '([.a-zA-Z0-9_-]+(?:#ephemeral)?)'
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Matches `name` against `filenameFormat` with `<HOST>` known, and returns what stands for
 * `<TOPIC>`; undefined when the name does not fit, or when `topics` is given and does not hold
 * the result. With a single known topic, that topic.
 */
export function topicFromName(name: string, filenameFormat: string, host: string, topics: readonly string[] = []): string | undefined {
  if (topics.length === 1) return topics[0]
  if (!filenameFormat.includes('<TOPIC>')) return undefined
  let pattern = ''
  let captured = false
  for (const part of filenameFormat.split(/(<TOPIC>|<HOST>|<REV>|<PID>|<DATETIME>)/)) {
    switch (part) {
      case '<TOPIC>':
        pattern += captured ? '(?:[.a-zA-Z0-9_-]+(?:#ephemeral)?)' : TOPIC
        captured = true
        break
      case '<HOST>':
        pattern += escape(host)
        break
      case '<REV>':
        pattern += '(?:-\\d{6,})?'
        break
      case '<PID>':
        pattern += '\\d+'
        break
      case '<DATETIME>':
        pattern += '.+?'
        break
      default:
        pattern += escape(part)
    }
  }
  const match = new RegExp(`^${pattern}(?:\\.gz)?(?:\\.repaired-\\d+)?$`).exec(name)
  const topic = match?.[1]
  if (topic === undefined || (topics.length > 0 && !topics.includes(topic))) return undefined
  return topic
}
