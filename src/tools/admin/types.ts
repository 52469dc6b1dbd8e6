/**
 * The vocabulary of the admin actions (nsqadmin's, in the terminal): the action names are the
 * `action` values of nsqadmin's notification events, so an audit trail reads the same.
 */

/** An admin action, named as nsqadmin names it in its notification hook. */
export type ActionName =
  | 'create_topic'
  | 'delete_topic'
  | 'empty_topic'
  | 'pause_topic'
  | 'unpause_topic'
  | 'create_channel'
  | 'delete_channel'
  | 'empty_channel'
  | 'pause_channel'
  | 'unpause_channel'
  | 'tombstone_topic_producer'

/** Which daemon a call goes to. */
export type Role = 'lookupd' | 'nsqd'

/** The mutating endpoints of nsqd (reference §4.2). */
export type NsqdOp =
  | '/topic/create'
  | '/topic/delete'
  | '/topic/empty'
  | '/topic/pause'
  | '/topic/unpause'
  | '/channel/create'
  | '/channel/delete'
  | '/channel/empty'
  | '/channel/pause'
  | '/channel/unpause'

/** The mutating endpoints of nsqlookupd (reference §4.4). */
export type LookupdOp = '/topic/create' | '/topic/delete' | '/channel/create' | '/channel/delete' | '/topic/tombstone'

/** One upstream call: always a POST with query parameters only, as both daemons want. */
export type UpstreamCall =
  {role: 'nsqd'; address: string; path: NsqdOp; query: CallQuery} | {role: 'lookupd'; address: string; path: LookupdOp; query: CallQuery}

export interface CallQuery {
  topic: string
  channel?: string
  node?: string
}

/** What one selected thing (a topic, a channel of a topic, a node's topic) gets. */
export interface Target {
  action: ActionName
  topic: string
  channel?: string
  /** tombstone only: the node as lookupd names it, `broadcast_address:http_port`. */
  node?: string
}

/**
 * The plan for one target: phases run one after the other (e.g. lookupd before nsqd for a
 * delete, so a consumer asking lookupd does not find the topic again); the calls of one phase
 * go to independent nodes and run in parallel (bounded).
 */
export interface TargetPlan {
  target: Target
  phases: UpstreamCall[][]
  /** Things the user must know that are not failures (e.g. "no nsqd carries the topic yet"). */
  notes: string[]
  /** Why nothing can be done for this target (it then has no phases). */
  problem?: string
}

/** How a call (read or write) ended. */
export type CallStatus = 'ok' | 'absent' | 'failed' | 'planned'

/** A call with its outcome, as reported per node and per call. */
export interface CallResult {
  /** `discover` for the reads that found nodes / what would be lost, else the action. */
  action: ActionName | 'discover'
  topic?: string
  channel?: string
  role: Role
  address: string
  method: 'GET' | 'POST'
  /** Path and query, e.g. `/topic/delete?topic=orders`. */
  request: string
  status: CallStatus
  /** HTTP status when a response came. */
  http_status?: number
  /** nsqd's / lookupd's own message, e.g. `TOPIC_NOT_FOUND`, or the transport error. */
  error?: string
  /** True when no response came at all (refused, timeout, DNS): counts toward "unreachable". */
  unreachable?: boolean
}

/** What a delete / empty / tombstone would throw away on one node. */
export interface LossRow {
  node: string
  topic: string
  /** Undefined for the topic's own queue. */
  channel?: string
  depth: number
  in_flight: number
  deferred: number
}

/** An nsqadmin notification event (its JSON field names), see reference §3.8. */
export interface AdminEvent {
  action: ActionName
  topic: string
  channel?: string
  node?: string
  timestamp: number
  user?: string
  remote_ip: string
  user_agent: string
  url: string
  via: string
}

/** How sending one event to the hook ended. */
export interface NotifyResult {
  url: string
  event: AdminEvent
  status: 'ok' | 'failed'
  error?: string
}

/** The `--json` summary of an action command. */
export interface AdminSummary {
  action: ActionName
  dry_run: boolean
  /** What the selection matched, in order, before anything was done. */
  selected: Target[]
  /** What would be / was lost (delete, empty, tombstone). */
  loss: LossRow[]
  /** Every upstream call in order: the discovery reads, then each target's writes. */
  calls: CallResult[]
  notes: string[]
  problems: string[]
  notify: NotifyResult[]
  ok: number
  failed: number
  /** The exit code this summary earned (0, 1, 3, 69). */
  exit_code: number
}
