import {describe, expect, it} from 'vitest'
import {AddressMap, NsqError, type ReportedNode} from '../../src/core/index.js'

/** An nsqd as lookupd lists it: broadcast address, TCP and HTTP ports. */
const node = (broadcast: string, tcp = 4150, http = 4151): ReportedNode => ({broadcast_address: broadcast, tcp_port: tcp, http_port: http})

/** What an entry (or none) makes of a node: the TCP and HTTP addresses dialled. */
function dial(entries: readonly string[], reported: ReportedNode): [string, string] {
  const {tcpAddress, httpAddress} = AddressMap.parse(entries).node(reported)
  return [tcpAddress, httpAddress]
}

describe('AddressMap: the forms', () => {
  it('no entry: the node as reported', () => {
    expect(dial([], node('nsqd-1'))).toEqual(['nsqd-1:4150', 'nsqd-1:4151'])
    expect(AddressMap.EMPTY.tcp('nsqd-1:4150')).toEqual({host: 'nsqd-1', port: 4150})
  })

  it('HOST=ADDR keeps the node’s own TCP and HTTP ports', () => {
    expect(dial(['nsqd-1=10.0.0.5'], node('nsqd-1'))).toEqual(['10.0.0.5:4150', '10.0.0.5:4151'])
    expect(dial(['nsqd-1=10.0.0.5'], node('nsqd-1', 4250, 4999))).toEqual(['10.0.0.5:4250', '10.0.0.5:4999'])
    expect(AddressMap.parse(['nsqd-1=10.0.0.5']).tcp('nsqd-1:4250')).toEqual({host: '10.0.0.5', port: 4250})
  })

  it('HOST=ADDR:PORT dials that TCP port; the HTTP port moves by as much (docker -p 14150:4150 -p 14151:4151)', () => {
    expect(dial(['nsqd-1=127.0.0.1:14150'], node('nsqd-1'))).toEqual(['127.0.0.1:14150', '127.0.0.1:14151'])
    expect(dial(['nsqd-1=127.0.0.1:4140'], node('nsqd-1', 4150, 4161))).toEqual(['127.0.0.1:4140', '127.0.0.1:4151'])
    expect(AddressMap.parse(['nsqd-1=127.0.0.1:14150']).tcp('nsqd-1:4150')).toEqual({host: '127.0.0.1', port: 14150})
  })

  it('HOST:PORT=ADDR:PORT maps that one nsqd of the host and wins over a HOST entry', () => {
    const entries = ['box=10.0.0.9', 'box:4250=127.0.0.1:24250']
    expect(dial(entries, node('box', 4250, 4251))).toEqual(['127.0.0.1:24250', '127.0.0.1:24251'])
    expect(dial(entries, node('box', 4150, 4151))).toEqual(['10.0.0.9:4150', '10.0.0.9:4151'])
    expect(dial(['box:4250=127.0.0.1:24250'], node('box', 4150, 4151))).toEqual(['box:4150', 'box:4151'])
    const map = AddressMap.parse(entries)
    expect(map.tcp('box:4250')).toEqual({host: '127.0.0.1', port: 24250})
    expect(map.tcp('box:4150')).toEqual({host: '10.0.0.9', port: 4150})
  })

  it('HOST:PORT=ADDR keeps the ports of that one nsqd', () => {
    expect(dial(['box:4250=10.0.0.9'], node('box', 4250, 4251))).toEqual(['10.0.0.9:4250', '10.0.0.9:4251'])
  })

  it('HOST=ADDR, HOST=ADDR:TCP_PORT and HOST:TCP_PORT=ADDR:TCP_PORT give the same TCP and HTTP targets', () => {
    const reported = node('nosuchhost.invalid', 31_337, 40_001)
    const forms = ['nosuchhost.invalid=127.0.0.1', 'nosuchhost.invalid=127.0.0.1:31337', 'nosuchhost.invalid:31337=127.0.0.1:31337']
    for (const form of forms) {
      expect(dial([form], reported), form).toEqual(['127.0.0.1:31337', '127.0.0.1:40001'])
      expect(AddressMap.parse([form]).tcp('nosuchhost.invalid:31337'), form).toEqual({host: '127.0.0.1', port: 31_337})
    }
  })

  it('IPv6 on either side, with or without brackets when there is no port', () => {
    expect(dial(['[fd00::1]:4150=[::1]:14150'], node('fd00::1'))).toEqual(['[::1]:14150', '[::1]:14151'])
    expect(dial(['fd00::1=::1'], node('fd00::1'))).toEqual(['[::1]:4150', '[::1]:4151'])
    expect(dial(['[fd00::1]=[::1]'], node('[fd00::1]'))).toEqual(['[::1]:4150', '[::1]:4151'])
    expect(AddressMap.parse(['fd00::1=::1']).tcp('[fd00::1]:4150')).toEqual({host: '::1', port: 4150})
  })

  it('host names compare case-insensitively; a later entry for the same key wins', () => {
    expect(dial(['NSQD-1=10.0.0.5'], node('nsqd-1'))).toEqual(['10.0.0.5:4150', '10.0.0.5:4151'])
    expect(dial(['nsqd-1=10.0.0.5', 'nsqd-1=10.0.0.6'], node('nsqd-1'))).toEqual(['10.0.0.6:4150', '10.0.0.6:4151'])
  })

  it('an HTTP port shifted out of range keeps the node’s own', () => {
    expect(dial(['h=10.0.0.1:65535'], node('h', 4150, 4151))).toEqual(['10.0.0.1:65535', '10.0.0.1:4151'])
  })
})

describe('AddressMap.parse: errors', () => {
  it.each([
    ['nope', /no "="/],
    ['=10.0.0.1', /HOST "" is not a host/],
    ['nsqd-1=', /ADDR "" is not a host/],
    ['nsqd-1=10.0.0.1:0', /"0" in "10.0.0.1:0" is not a port/],
    ['nsqd-1=10.0.0.1:65536', /"65536" in "10.0.0.1:65536" is not a port/],
    ['nsqd-1:http=10.0.0.1', /"http" in "nsqd-1:http" is not a port/],
    ['nsqd-1=10.0.0.1:', /"" in "10.0.0.1:" is not a port/],
    ['[::1=10.0.0.1', /HOST "\[::1" is not a valid address/],
    ['a=b=c', /ADDR "b=c" is not a host/],
  ])('%s', (entry, why) => {
    let thrown: unknown
    try {
      AddressMap.parse(['ok=10.0.0.1', entry])
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(NsqError)
    const error = thrown as NsqError
    expect(error.code).toBe('CONFIG')
    expect(error.message).toMatch(new RegExp(`^--address-map "${entry.replace(/[[\]]/g, '\\$&')}": `))
    expect(error.message).toMatch(why)
    expect(error.message).toContain('expected HOST[:PORT]=ADDR[:PORT]')
  })
})
