/**
 * The relay's JSON filters (nsq_to_nsq's --require-json-field / --require-json-value /
 * --whitelist-json-field): which bodies pass, which are filtered or not JSON, and that a
 * whitelisted body is cut from the original text rather than re-encoded.
 */
import {describe, expect, it} from 'vitest'
import {JsonFilter, topLevelMembers} from '../../../src/tools/relay/json-filter.js'

const body = (text: string): Buffer => Buffer.from(text, 'utf8')
const passed = (filter: JsonFilter, text: string): string => {
  const verdict = filter.apply(body(text))
  if (verdict.kind !== 'pass') throw new Error(`expected pass, got ${verdict.kind}`)
  return verdict.body.toString('utf8')
}

describe('JsonFilter', () => {
  it('without any JSON flag it is inactive: every body passes as the very same bytes, JSON or not', () => {
    const filter = new JsonFilter({})
    expect(filter.active).toBe(false)
    const binary = Buffer.from([0x00, 0xff, 0x7b])
    expect(filter.apply(binary)).toEqual({kind: 'pass', body: binary})
    expect((filter.apply(binary) as {body: Buffer}).body).toBe(binary)
  })

  it('field only: an object carrying the key passes untouched (whatever its value), one without it is filtered', () => {
    const filter = new JsonFilter({requireField: 'type'})
    expect(filter.active).toBe(true)
    const original = body('{ "type" : null, "n": 1 }')
    const verdict = filter.apply(original)
    expect(verdict.kind).toBe('pass')
    expect((verdict as {body: Buffer}).body).toBe(original)
    expect(passed(filter, '{"type":false}')).toBe('{"type":false}')
    expect(filter.apply(body('{"kind":"signup"}'))).toEqual({kind: 'filtered'})
    // Only top-level keys count.
    expect(filter.apply(body('{"inner":{"type":"signup"}}'))).toEqual({kind: 'filtered'})
    expect(filter.apply(body('{}'))).toEqual({kind: 'filtered'})
  })

  it('field + string value: only when the key holds exactly that string', () => {
    const filter = new JsonFilter({requireField: 'type', requireValue: 'signup'})
    expect(passed(filter, '{"type":"signup","id":7}')).toBe('{"type":"signup","id":7}')
    expect(filter.apply(body('{"type":"Signup"}'))).toEqual({kind: 'filtered'})
    expect(filter.apply(body('{"type":"signup "}'))).toEqual({kind: 'filtered'})
    expect(filter.apply(body('{"type":["signup"]}'))).toEqual({kind: 'filtered'})
    expect(filter.apply(body('{"type":true}'))).toEqual({kind: 'filtered'})
    expect(filter.apply(body('{"id":7}'))).toEqual({kind: 'filtered'})
  })

  it('field + numeric value: the number equal to it passes (in any spelling), as does the string of it; other numbers are filtered', () => {
    const filter = new JsonFilter({requireField: 'n', requireValue: '42'})
    expect(passed(filter, '{"n":42}')).toBe('{"n":42}')
    expect(passed(filter, '{"n":42.0}')).toBe('{"n":42.0}')
    expect(passed(filter, '{"n":4.2e1}')).toBe('{"n":4.2e1}')
    expect(passed(filter, '{"n":"42"}')).toBe('{"n":"42"}')
    expect(filter.apply(body('{"n":43}'))).toEqual({kind: 'filtered'})
    expect(filter.apply(body('{"n":"42.0"}'))).toEqual({kind: 'filtered'})
    expect(filter.apply(body('{"n":null}'))).toEqual({kind: 'filtered'})
  })

  it('a value that is not a number never matches a number', () => {
    const filter = new JsonFilter({requireField: 'n', requireValue: 'abc'})
    expect(filter.apply(body('{"n":0}'))).toEqual({kind: 'filtered'})
    expect(passed(filter, '{"n":"abc"}')).toBe('{"n":"abc"}')
  })

  it('a body that is not a JSON object is invalid (the --on-invalid policy decides), with the reason', () => {
    const filter = new JsonFilter({requireField: 'type'})
    const notJson = filter.apply(body('{"type":'))
    expect(notJson.kind).toBe('invalid')
    expect((notJson as {error: string}).error).toMatch(/^not JSON: /)
    expect(filter.apply(body('plain text'))).toMatchObject({kind: 'invalid', error: expect.stringMatching(/^not JSON/) as unknown})
    expect(filter.apply(Buffer.from([0xff, 0xfe]))).toMatchObject({kind: 'invalid'})
    for (const text of ['[{"type":1}]', '"type"', '42', 'null'])
      expect(filter.apply(body(text))).toEqual({kind: 'invalid', error: 'not a JSON object'})
  })

  it('--require-json-value without --require-json-field is refused', () => {
    expect(() => new JsonFilter({requireValue: 'x'})).toThrow(/--require-json-value needs --require-json-field/)
  })

  it("whitelist keeps the original text: the body's key order, big integers, unescaped <>&, escapes and nested values as written", () => {
    const filter = new JsonFilter({whitelist: ['html', 'big', 'z', 'nested', 'esc']})
    const text =
      '{ "z" : 1, "drop": "me", "big": 12345678901234567890, "html":"<b>&amp;</b>", ' +
      '"nested": {"a": [1, 2, {"}": "]"}], "b": "x,y"}, "esc": "\\u003c\\"q\\"", "also": false }'
    expect(passed(filter, text)).toBe(
      '{"z":1,"big":12345678901234567890,"html":"<b>&amp;</b>","nested":{"a": [1, 2, {"}": "]"}], "b": "x,y"},"esc":"\\u003c\\"q\\""}',
    )
    // JSON.stringify of the parsed body would have lost the integer's digits.
    expect(JSON.stringify(JSON.parse(text))).toContain('12345678901234567000')
  })

  it('whitelist: keys missing from the body are left out, a repeated key keeps its last value, an escaped key is matched by its value', () => {
    const filter = new JsonFilter({whitelist: ['a', 'q"k', 'absent']})
    expect(passed(filter, '{"a":1,"b":2,"q\\"k":3,"a":4}')).toBe('{"q\\"k":3,"a":4}')
    expect(passed(filter, '{"b":2}')).toBe('{}')
  })

  it('field + whitelist: filtered first, then cut', () => {
    const filter = new JsonFilter({requireField: 'type', requireValue: 'signup', whitelist: ['id']})
    expect(passed(filter, '{"type":"signup","id":12345678901234567890,"pw":"x"}')).toBe('{"id":12345678901234567890}')
    expect(filter.apply(body('{"type":"login","id":1}'))).toEqual({kind: 'filtered'})
  })
})

describe('topLevelMembers', () => {
  it('splits a top-level object into keys and their original value text', () => {
    expect(topLevelMembers('{"a" : "x}" , "b":[1,{"c":2}],"d":-1.5e3 ,"e":null}')).toEqual([
      ['a', '"x}"'],
      ['b', '[1,{"c":2}]'],
      ['d', '-1.5e3'],
      ['e', 'null'],
    ])
    expect(topLevelMembers(' { } ')).toEqual([])
  })
})
