import {describe, expect, it} from 'vitest'
import {channelIsDurable, defaultTailChannel} from '../../../src/tools/tail/run-tail.js'
import {compileTopicPattern, validateTailInput, type TailInput} from '../../../src/tools/tail/validate.js'

const ok: TailInput = {
  topics: ['t'],
  topicPattern: undefined,
  channel: 'tail1#ephemeral',
  nsqd: ['127.0.0.1:4150'],
  lookupd: [],
  count: 0,
  peek: false,
  delimiter: undefined,
  null: false,
}

describe('tail input rules', () => {
  it('accepts a plain invocation', () => {
    expect(validateTailInput(ok)).toBeUndefined()
  })

  it.each<[string, Partial<TailInput>, RegExp]>([
    ['both address kinds', {lookupd: ['127.0.0.1:4161']}, /not both/],
    ['no address', {nsqd: []}, /required/],
    ['no topic', {topics: []}, /give a topic/],
    ['pattern without lookupd', {topics: [], topicPattern: 'x'}, /needs --lookupd-http-address/],
    ['bad topic name', {topics: ['bad topic!']}, /topic name "bad topic!"/],
    ['too long topic', {topics: ['x'.repeat(65)]}, /limit is 64/],
    ['bad channel', {channel: 'a/b'}, /channel name/],
    ['peek without -n', {peek: true}, /--peek needs -n/],
    ['delimiter and null', {delimiter: ',', null: true}, /not both/],
  ])('rejects %s', (_name, change, message) => {
    expect(validateTailInput({...ok, ...change})).toMatch(message)
  })

  it('allows --topic-pattern alone with lookupd', () => {
    expect(validateTailInput({...ok, topics: [], nsqd: [], lookupd: ['127.0.0.1:4161'], topicPattern: '^a'})).toBeUndefined()
  })

  it('makes nsq_tail-style ephemeral channel names', () => {
    expect(defaultTailChannel(() => 0)).toBe('tail000000#ephemeral')
    expect(defaultTailChannel(() => 0.5)).toBe('tail499999#ephemeral')
    expect(defaultTailChannel(() => 0.999_999_9)).toMatch(/^tail\d{6}#ephemeral$/)
    expect(channelIsDurable(defaultTailChannel())).toBe(false)
    expect(channelIsDurable('archive')).toBe(true)
  })

  it('reports a bad --topic-pattern readably', () => {
    expect(() => compileTopicPattern('(')).toThrow(/--topic-pattern \(/)
    expect(compileTopicPattern('^orders\\.').test('orders.eu')).toBe(true)
  })
})
