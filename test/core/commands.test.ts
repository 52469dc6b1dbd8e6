import {describe, expect, it} from 'vitest'
import {
  MAGIC_V2,
  encodeAuth,
  encodeCls,
  encodeDpub,
  encodeFin,
  encodeIdentify,
  encodeMpub,
  encodeNop,
  encodePub,
  encodeRdy,
  encodeReq,
  encodeSub,
  encodeTouch,
  mpubBodySize,
  FIN_SIZE,
  writeFin,
} from '../../src/core/protocol/commands.js'
import {describeInvalidName, isValidChannelName, isValidTopicName} from '../../src/core/protocol/names.js'
import {parseIdentifyResponse} from '../../src/core/protocol/identify.js'

const hex = (b: Buffer): string => b.toString('hex')
const id = Buffer.from('0123456789abcdef', 'latin1')

describe('command encoders (byte vectors, reference §1.2/§1.4)', () => {
  it('writeFin writes the same bytes as encodeFin, in place, back to back', () => {
    const target = Buffer.alloc(2 * FIN_SIZE + 2, 0x2e)
    const other = Buffer.from('fedcba9876543210', 'latin1')
    let at = writeFin(target, 1, id)
    expect(at).toBe(1 + FIN_SIZE)
    at = writeFin(target, at, other)
    // '.' sentinel, FIN 0123456789abcdef\n, FIN fedcba9876543210\n, '.' sentinel: nothing outside written
    expect(target.toString('latin1')).toBe('.FIN 0123456789abcdef\nFIN fedcba9876543210\n.')
    expect(target.subarray(1, 1 + FIN_SIZE)).toEqual(encodeFin(id))
  })

  it('magic is two spaces then V2', () => {
    expect(hex(MAGIC_V2)).toBe('20205632')
  })

  it('lines without a body', () => {
    expect(encodeSub('t', 'c').toString('latin1')).toBe('SUB t c\n')
    expect(encodeRdy(200).toString('latin1')).toBe('RDY 200\n')
    expect(encodeFin(id).toString('latin1')).toBe('FIN 0123456789abcdef\n')
    expect(encodeReq(id, 1500.9).toString('latin1')).toBe('REQ 0123456789abcdef 1500\n')
    expect(encodeReq(id, -5).toString('latin1')).toBe('REQ 0123456789abcdef 0\n')
    expect(encodeTouch(id).toString('latin1')).toBe('TOUCH 0123456789abcdef\n')
    expect(encodeNop().toString('latin1')).toBe('NOP\n')
    expect(encodeCls().toString('latin1')).toBe('CLS\n')
  })

  it('PUB: line, int32 BE size, body', () => {
    expect(hex(encodePub('t', Buffer.from('hi')))).toBe(hex(Buffer.from('PUB t\n', 'latin1')) + '00000002' + hex(Buffer.from('hi')))
  })

  it('DPUB carries the delay in whole ms', () => {
    expect(encodeDpub('t', 2500.7, Buffer.from('x')).toString('latin1')).toBe('DPUB t 2500\n\u0000\u0000\u0000\u0001x')
  })

  it('MPUB: body size, count, then size-prefixed messages', () => {
    const bodies = [Buffer.from('ab'), Buffer.from(''), Buffer.from('xyz')]
    const encoded = encodeMpub('top', bodies)
    expect(mpubBodySize(bodies)).toBe(4 + (4 + 2) + 4 + (4 + 3))
    expect(hex(encoded)).toBe(
      hex(Buffer.from('MPUB top\n', 'latin1')) +
        '00000015' + // body size 21
        '00000003' + // 3 messages
        '00000002' +
        hex(Buffer.from('ab')) +
        '00000000' +
        '00000003' +
        hex(Buffer.from('xyz')),
    )
  })

  it('IDENTIFY and AUTH carry a size-prefixed body', () => {
    const identify = encodeIdentify({feature_negotiation: true})
    const json = '{"feature_negotiation":true}'
    expect(identify.toString('latin1', 0, 9)).toBe('IDENTIFY\n')
    expect(identify.readInt32BE(9)).toBe(json.length)
    expect(identify.toString('utf8', 13)).toBe(json)
    expect(hex(encodeAuth('s3cr3t'))).toBe(hex(Buffer.from('AUTH\n')) + '00000006' + hex(Buffer.from('s3cr3t')))
  })
})

describe('names (reference §1.11)', () => {
  it('accepts valid topic and channel names', () => {
    for (const name of ['a', 'orders.v2', 'x_y-z', 'tail123456#ephemeral', 'a'.repeat(64), `${'a'.repeat(54)}#ephemeral`]) {
      expect(isValidTopicName(name)).toBe(true)
      expect(isValidChannelName(name)).toBe(true)
    }
  })

  it('rejects invalid names with a reason', () => {
    for (const name of ['', 'a b', 'a/b', '#ephemeral', 'a#ephemeralx', 'a'.repeat(65), `${'a'.repeat(55)}#ephemeral`, 'ümlaut']) {
      expect(isValidTopicName(name)).toBe(false)
      expect(describeInvalidName('topic', name)).toMatch(/topic name/)
    }
  })
})

describe('IDENTIFY reply', () => {
  it('parses the negotiated JSON', () => {
    const reply = parseIdentifyResponse(
      Buffer.from(
        JSON.stringify({
          max_rdy_count: 100,
          version: '1.3.0',
          max_msg_timeout: 900000,
          msg_timeout: 60000,
          tls_v1: false,
          deflate: true,
          deflate_level: 3,
          max_deflate_level: 6,
          snappy: false,
          sample_rate: 0,
          auth_required: true,
          output_buffer_size: 16384,
          output_buffer_timeout: 250,
        }),
      ),
    )
    expect(reply).toMatchObject({maxRdyCount: 100, version: '1.3.0', deflate: true, deflateLevel: 3, authRequired: true, snappy: false})
  })

  it('treats a plain OK as no negotiation, with go-nsq defaults', () => {
    expect(parseIdentifyResponse(Buffer.from('OK'))).toMatchObject({maxRdyCount: 2500, tlsV1: false, snappy: false, authRequired: false})
  })

  it('rejects a field of the wrong type', () => {
    expect(() => parseIdentifyResponse(Buffer.from('{"max_rdy_count":"lots"}'))).toThrowError(/max_rdy_count/)
  })
})
