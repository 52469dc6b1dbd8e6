import {describeInvalidName} from '../../core/index.js'

/** The parts of `nsq tail`'s input that can be wrong together. */
export interface TailInput {
  topics: readonly string[]
  topicPattern: string | undefined
  channel: string
  nsqd: readonly string[]
  lookupd: readonly string[]
  count: number
  peek: boolean
  delimiter: string | undefined
  null: boolean
}

/**
 * Checks a tail invocation the way nsq_tail does (exactly one of nsqd / lookupd addresses, at
 * least one topic, valid names) plus our own rules. Returns the first problem in words a user can
 * act on, or undefined when the input is usable.
 */
export function validateTailInput(input: TailInput): string | undefined {
  if (input.nsqd.length > 0 && input.lookupd.length > 0) return 'use --nsqd-tcp-address or --lookupd-http-address, not both'
  if (input.nsqd.length === 0 && input.lookupd.length === 0) {
    return '--nsqd-tcp-address or --lookupd-http-address required (or set NSQ_NSQD_TCP_ADDRESS / NSQ_LOOKUPD_HTTP_ADDRESS)'
  }
  if (input.topics.length === 0 && input.topicPattern === undefined)
    return 'give a topic: nsq tail TOPIC, --topic TOPIC, or --topic-pattern REGEX'
  if (input.topics.length === 0 && input.lookupd.length === 0) {
    return '--topic-pattern without --topic needs --lookupd-http-address to list the topics'
  }
  for (const topic of input.topics) {
    const problem = describeInvalidName('topic', topic)
    if (problem !== undefined) return problem
  }
  const channelProblem = describeInvalidName('channel', input.channel)
  if (channelProblem !== undefined) return channelProblem
  if (input.peek && input.count === 0) return '--peek needs -n/--count: it holds what it printed and gives it back at the end'
  if (input.null && input.delimiter !== undefined) return 'use --delimiter or -0/--null, not both'
  return undefined
}

/** Compiles --topic-pattern; throws Error with a readable message when it is not a valid regex. */
export function compileTopicPattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern)
  } catch (error) {
    throw new Error(`--topic-pattern ${pattern}: ${(error as Error).message}`)
  }
}
