/**
 * `--address-map`: where to dial an nsqd that nsqlookupd reports under an address that does not
 * work from here (a `--broadcast-address` that does not resolve, a container's or a NAT'd
 * private address, a port published on another number). Parsed and applied only here, so every
 * command (tail, to-file, to-nsq, stat, and the library's Consumer) gives one entry one meaning.
 *
 * An entry is `KEY=VALUE`:
 * - KEY names a node as lookupd reports it: `HOST` (its broadcast address: every nsqd on it) or
 *   `HOST:PORT` (broadcast address and TCP port: that one nsqd). `HOST:PORT` wins over `HOST`.
 * - VALUE says where to dial: `ADDR` (keep the node's own TCP and HTTP ports) or `ADDR:PORT`
 *   (the TCP port to dial).
 *
 * The HTTP address (what stat polls and to-nsq reads nsqd's limits from) is derived from the
 * same entry: `ADDR` keeps the node's HTTP port; `ADDR:PORT` moves the HTTP port by as much as
 * the TCP port moved (HTTP port + PORT − TCP port: 4150/4151 published as 14150 gives 14151).
 * That is what docker (`-p 14150:4150 -p 14151:4151`) and port forwarding do when they publish a
 * node's two ports side by side, and when the TCP port is not moved at all (`HOST=ADDR:4150` for
 * a node on 4150) it is simply the node's own HTTP port, so `HOST=ADDR`, `HOST=ADDR:TCP_PORT` and
 * `HOST:TCP_PORT=ADDR:TCP_PORT` dial the same TCP and HTTP addresses.
 *
 * IPv6 hosts are written in brackets (`[fd00::1]:4150`); without a port the brackets may be left
 * out (`fd00::1`). Host names compare case-insensitively.
 */
import {NsqError} from '../errors.js'
import {formatHostPort, type HostPort} from '../util/address.js'

/** An nsqd as lookupd reports it (a `PeerInfo` fits). */
export interface ReportedNode {
  broadcast_address: string
  tcp_port: number
  http_port: number
}

/** Where to dial a node, TCP and HTTP (`host:port`, IPv6 in brackets). */
export interface DialTarget {
  tcpAddress: string
  httpAddress: string
}

/** One parsed `KEY=VALUE` entry. */
export interface AddressMapEntry {
  /** The broadcast address matched (lower case, no brackets). */
  readonly host: string
  /** The TCP port matched; undefined: every node on `host`. */
  readonly port: number | undefined
  /** Where to dial (no brackets). */
  readonly toHost: string
  /** TCP port to dial; undefined: the node's own. */
  readonly toPort: number | undefined
}

/** The accepted forms, for error messages and help. */
export const ADDRESS_MAP_FORMS =
  "HOST[:PORT]=ADDR[:PORT], HOST being the nsqd's broadcast address and PORT its TCP port as lookupd reports them (e.g. nsqd-1=10.0.0.5, nsqd-1:4150=127.0.0.1:14150)"

/** A parsed `--address-map`: apply it with {@link AddressMap.tcp} and {@link AddressMap.node}. */
export class AddressMap {
  /** The map with no entries: every node is dialled as reported. */
  static readonly EMPTY = new AddressMap([])

  /**
   * Parses `KEY=VALUE` entries (see the module comment). Throws `NsqError('CONFIG')` naming
   * `--address-map`, the entry and the accepted forms.
   */
  static parse(entries: readonly string[]): AddressMap {
    return new AddressMap(entries.map(parseEntry))
  }

  private readonly byNode = new Map<string, AddressMapEntry>()
  private readonly byHost = new Map<string, AddressMapEntry>()

  private constructor(readonly entries: readonly AddressMapEntry[]) {
    // A later entry for the same key wins, as a later flag usually does.
    for (const entry of entries) {
      if (entry.port === undefined) this.byHost.set(entry.host, entry)
      else this.byNode.set(nodeKey(entry.host, entry.port), entry)
    }
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.length
  }

  /**
   * The TCP address to dial for `host:port` as lookupd reports it (or as given): the mapped host
   * and port, or the address itself when no entry matches. Throws `NsqError('CONFIG')` when
   * `address` is not `host:port`.
   */
  tcp(address: string): HostPort {
    const {host, port} = splitAddress(address, 'address')
    if (port === undefined) throw new NsqError('CONFIG', `invalid address "${address}": expected host:port`)
    const entry = this.lookup(host, port)
    return entry === undefined ? {host, port} : {host: entry.toHost, port: entry.toPort ?? port}
  }

  /** Where to dial a node lookupd reports, TCP and HTTP (see the module comment for the HTTP rule). */
  node(node: ReportedNode): DialTarget {
    const host = unbracket(node.broadcast_address)
    const entry = this.lookup(host, node.tcp_port)
    if (entry === undefined) return {tcpAddress: formatHostPort(host, node.tcp_port), httpAddress: formatHostPort(host, node.http_port)}
    const tcpPort = entry.toPort ?? node.tcp_port
    const httpPort = node.http_port + tcpPort - node.tcp_port
    return {
      tcpAddress: formatHostPort(entry.toHost, tcpPort),
      // A shift that leaves the port range cannot be what was published: keep the node's own port.
      httpAddress: formatHostPort(entry.toHost, httpPort >= 1 && httpPort <= 65_535 ? httpPort : node.http_port),
    }
  }

  /**
   * Where to call a node named by its HTTP address as lookupd shows it (`broadcast:http_port`, how
   * nsqadmin names a node). Its TCP port is not known here, so only `HOST` entries apply and the
   * node's own HTTP port is kept.
   */
  httpByName(address: string): string {
    const {host, port} = splitAddress(address, 'address')
    if (port === undefined) throw new NsqError('CONFIG', `invalid address "${address}": expected host:port`)
    const entry = this.entries.length === 0 ? undefined : this.byHost.get(host.toLowerCase())
    return formatHostPort(entry?.toHost ?? host, port)
  }

  private lookup(host: string, port: number): AddressMapEntry | undefined {
    if (this.entries.length === 0) return undefined
    const name = host.toLowerCase()
    return this.byNode.get(nodeKey(name, port)) ?? this.byHost.get(name)
  }
}

function nodeKey(host: string, port: number): string {
  return `${host}\u0000${port}`
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

function parseEntry(text: string): AddressMapEntry {
  const fail = (why: string): never => {
    throw new NsqError('CONFIG', `--address-map "${text}": ${why}; expected ${ADDRESS_MAP_FORMS}`)
  }
  const eq = text.indexOf('=')
  if (eq === -1) return fail('no "="')
  const key = splitAddress(text.slice(0, eq), 'HOST', fail)
  const value = splitAddress(text.slice(eq + 1), 'ADDR', fail)
  return {host: key.host.toLowerCase(), port: key.port, toHost: value.host, toPort: value.port}
}

/**
 * `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (more than one colon, no
 * port). Throws through `fail` (a CONFIG error by default) on an empty host or a bad port.
 */
function splitAddress(
  raw: string,
  what: string,
  fail: (why: string) => never = (why) => {
    throw new NsqError('CONFIG', `invalid address "${raw}": ${why}`)
  },
): {host: string; port: number | undefined} {
  const text = raw.trim()
  let host = text
  let portText: string | undefined
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(text)
  if (bracket !== null) {
    host = bracket[1] as string
    portText = bracket[2]
  } else if (text.includes('[') || text.includes(']')) {
    return fail(`${what} "${text}" is not a valid address`)
  } else {
    const colon = text.lastIndexOf(':')
    if (colon !== -1 && text.indexOf(':') === colon) {
      host = text.slice(0, colon)
      portText = text.slice(colon + 1)
    }
  }
  if (host === '' || /[\s/=]/.test(host)) return fail(`${what} "${text}" is not a host`)
  if (portText === undefined) return {host, port: undefined}
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN
  if (!(port >= 1 && port <= 65_535)) return fail(`"${portText}" in "${text}" is not a port (1-65535)`)
  return {host, port}
}
