/**
 * Where a metrics endpoint listens: `HOST:PORT`, `[IPV6]:PORT`, or a bare `PORT` / `:PORT`,
 * which bind the loopback interface (127.0.0.1). Binding any other interface is explicit:
 * `0.0.0.0:9117` (every IPv4 interface), `[::]:9117`, or a host's own address.
 */
import {NsqError} from '../../core/index.js'

export interface ListenAddress {
  host: string
  port: number
}

export const LOOPBACK = '127.0.0.1'

export function parseListenAddress(text: string, flag: string): ListenAddress {
  const bad = (why: string): never => {
    throw new NsqError('CONFIG', `${flag} ${JSON.stringify(text)}: ${why} (e.g. 9117, 127.0.0.1:9117 or 0.0.0.0:9117)`)
  }
  const trimmed = text.trim()
  let host = LOOPBACK
  let portText = trimmed
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed)
  if (bracket !== null) {
    host = bracket[1] as string
    portText = bracket[2] as string
  } else if (trimmed.includes(':')) {
    const colon = trimmed.lastIndexOf(':')
    const before = trimmed.slice(0, colon)
    if (before.includes(':')) bad('put an IPv6 address in brackets')
    if (before !== '') host = before
    portText = trimmed.slice(colon + 1)
  }
  if (!/^\d+$/.test(portText)) bad('the port must be a number')
  const port = Number(portText)
  if (port < 0 || port > 65_535) bad('the port must be 0-65535')
  return {host, port}
}
