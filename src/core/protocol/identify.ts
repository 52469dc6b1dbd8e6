import {NsqError} from '../errors.js'

/** What this client asks for in IDENTIFY (reference §1.5). Unset fields use nsqd's defaults. */
export interface IdentifyRequest {
  client_id: string
  hostname: string
  user_agent: string
  feature_negotiation: boolean
  heartbeat_interval?: number
  output_buffer_size?: number
  output_buffer_timeout?: number
  tls_v1?: boolean
  snappy?: boolean
  deflate?: boolean
  deflate_level?: number
  sample_rate?: number
  msg_timeout?: number
}

/** The negotiated settings nsqd answers with (or the defaults when it answers plain `OK`). */
export interface IdentifyResponse {
  maxRdyCount: number
  version: string | undefined
  maxMsgTimeout: number | undefined
  msgTimeout: number | undefined
  tlsV1: boolean
  deflate: boolean
  deflateLevel: number
  snappy: boolean
  authRequired: boolean
  sampleRate: number
  outputBufferSize: number | undefined
  outputBufferTimeout: number | undefined
}

/** nsqd's default max-rdy-count; assumed until a reply says otherwise. */
export const DEFAULT_MAX_RDY_COUNT = 2500

const DEFAULTS: IdentifyResponse = {
  maxRdyCount: DEFAULT_MAX_RDY_COUNT,
  version: undefined,
  maxMsgTimeout: undefined,
  msgTimeout: undefined,
  tlsV1: false,
  deflate: false,
  deflateLevel: 6,
  snappy: false,
  authRequired: false,
  sampleRate: 0,
  outputBufferSize: undefined,
  outputBufferTimeout: undefined,
}

function field<T>(record: Record<string, unknown>, key: string, kind: 'number' | 'boolean' | 'string', fallback: T): T {
  const value = record[key]
  if (value === undefined || value === null) return fallback
  if (typeof value !== kind) throw new NsqError('PROTOCOL', `IDENTIFY reply field ${key} is ${typeof value}, expected ${kind}`)
  return value as T
}

/**
 * Parses the IDENTIFY reply. A reply starting with `{` is the feature-negotiation JSON
 * (validated field by field); anything else (`OK`) means no negotiation took place.
 */
export function parseIdentifyResponse(data: Buffer): IdentifyResponse {
  if (data[0] !== 0x7b) return {...DEFAULTS}
  let parsed: unknown
  try {
    parsed = JSON.parse(data.toString('utf8'))
  } catch (error) {
    throw new NsqError('PROTOCOL', 'IDENTIFY reply is not valid JSON', {cause: error})
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new NsqError('PROTOCOL', 'IDENTIFY reply is not a JSON object')
  }
  const r = parsed as Record<string, unknown>
  return {
    maxRdyCount: field(r, 'max_rdy_count', 'number', DEFAULTS.maxRdyCount),
    version: field<string | undefined>(r, 'version', 'string', undefined),
    maxMsgTimeout: field<number | undefined>(r, 'max_msg_timeout', 'number', undefined),
    msgTimeout: field<number | undefined>(r, 'msg_timeout', 'number', undefined),
    tlsV1: field(r, 'tls_v1', 'boolean', false),
    deflate: field(r, 'deflate', 'boolean', false),
    deflateLevel: field(r, 'deflate_level', 'number', 6),
    snappy: field(r, 'snappy', 'boolean', false),
    authRequired: field(r, 'auth_required', 'boolean', false),
    sampleRate: field(r, 'sample_rate', 'number', 0),
    outputBufferSize: field<number | undefined>(r, 'output_buffer_size', 'number', undefined),
    outputBufferTimeout: field<number | undefined>(r, 'output_buffer_timeout', 'number', undefined),
  }
}

/** The AUTH reply: who nsqd's auth server says we are. */
export interface AuthResponse {
  identity: string
  identityUrl: string
  permissionCount: number
}

export function parseAuthResponse(data: Buffer): AuthResponse {
  let parsed: unknown
  try {
    parsed = JSON.parse(data.toString('utf8'))
  } catch (error) {
    throw new NsqError('PROTOCOL', 'AUTH reply is not valid JSON', {cause: error})
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new NsqError('PROTOCOL', 'AUTH reply is not a JSON object')
  }
  const r = parsed as Record<string, unknown>
  return {
    identity: field(r, 'identity', 'string', ''),
    identityUrl: field(r, 'identity_url', 'string', ''),
    permissionCount: field(r, 'permission_count', 'number', 0),
  }
}
