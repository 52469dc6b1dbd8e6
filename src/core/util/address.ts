import {NsqError} from '../errors.js'

/** A parsed `host:port` (IPv6 as `[::1]:4150`). */
export interface HostPort {
  readonly host: string
  readonly port: number
}

/** Parses `host:port`, `[v6]:port` or, with a default port, a bare host. */
export function parseHostPort(address: string, defaultPort?: number): HostPort {
  const text = address.trim()
  let host: string
  let portText: string | undefined
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  if (bracket !== null) {
    host = bracket[1] as string
    portText = bracket[2]
  } else {
    const colon = text.lastIndexOf(':')
    if (colon !== -1 && text.indexOf(':') === colon) {
      host = text.slice(0, colon)
      portText = text.slice(colon + 1)
    } else {
      host = text
    }
  }
  const port = portText === undefined || portText === '' ? defaultPort : Number(portText)
  if (host === '' || port === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new NsqError('CONFIG', `invalid address "${address}": expected host:port`)
  }
  return {host, port}
}

/** Formats host and port back to `host:port` (brackets for IPv6). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
