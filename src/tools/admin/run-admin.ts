/**
 * One admin action from selection to results: select the topics / channels (names, globs,
 * /regex/), read what the cluster has, plan every upstream call, show the plan or ask, execute
 * target by target, notify the hook, and aggregate per node and per call into a ToolResult.
 */
import {EXIT, type ToolResult} from '../result.js'
import {CallLog, listTopics, nodeAddressOf, topicState, type ClusterAccess, type TopicState} from './discover.js'
import {executePlan, plannedCalls} from './executor.js'
import {isDestructive, lossOf} from './loss.js'
import {eventsFor, sendEvents, type NotifyOptions} from './notify.js'
import {planTarget} from './plan.js'
import {needsListing, parsePatterns, selectNames, SelectionError} from './select.js'
import {countCalls, exitCodeOf} from './summary.js'
import type {ActionName, AdminSummary, CallResult, LossRow, Target, TargetPlan} from './types.js'

/** The answer to "go ahead?" for a destructive action. */
export type Consent = 'yes' | 'no' | 'needs-yes'

/** What the user is asked to agree to. */
export interface Preview {
  action: ActionName
  plans: readonly TargetPlan[]
  loss: readonly LossRow[]
}

export interface AdminRequest {
  action: ActionName
  /** Topic names, globs or /regex/ (one exact name for tombstone). */
  topics: readonly string[]
  /** Channel names, globs or /regex/ (channel actions). */
  channels?: readonly string[]
  /** tombstone: `broadcast_address:http_port` as lookupd lists it. */
  node?: string
  dryRun: boolean
  access: ClusterAccess
  /** Asked before a destructive action changes anything (not on --dry-run). */
  confirm: (preview: Preview) => Promise<Consent>
  /** Told what matched and the plan before anything is changed. */
  onPlanned?: (targets: readonly Target[], plans: readonly TargetPlan[]) => void
  notify?: NotifyOptions
}

/** Runs the action. Throws only for bad patterns (a usage error); every upstream failure is in the summary. */
export async function runAdmin(request: AdminRequest): Promise<ToolResult<AdminSummary>> {
  const {action, access} = request
  const isChannel = action.endsWith('_channel')
  const topicFilters = parsePatterns(request.topics, 'topic')
  const channelFilters = isChannel ? parsePatterns(request.channels ?? [], 'channel') : []
  if (action.startsWith('create_') && [...topicFilters, ...channelFilters].some((f) => f.kind !== 'exact'))
    throw new SelectionError('create takes names, not globs or /regex/')
  const log = new CallLog()
  const problems: string[] = []
  const notes: string[] = []

  const available = needsListing(topicFilters) ? await listTopics(access, log) : []
  const topics = selectNames(topicFilters, available)
  for (const pattern of topics.unmatched) problems.push(`no topic matches ${pattern}`)

  const plans: TargetPlan[] = []
  const loss: LossRow[] = []
  for (const topic of topics.names) {
    const state = action === 'create_topic' ? undefined : await topicState(access, topic, log)
    for (const target of targetsOf(request, topic, state, channelFilters, problems)) {
      const {plan, nodes} = planFor(target, state, request)
      plans.push(plan)
      notes.push(...plan.notes)
      if (plan.problem !== undefined) problems.push(plan.problem)
      loss.push(...lossOf(target, nodes))
    }
  }
  const targets = plans.map((p) => p.target)
  request.onPlanned?.(targets, plans)

  const summary = (calls: CallResult[], extra: Partial<AdminSummary> = {}): ToolResult<AdminSummary> => {
    const all = [...log.calls, ...calls]
    const exitCode = extra.exit_code === undefined ? exitCodeOf(all, problems) : (extra.exit_code as ToolResult<AdminSummary>['exitCode'])
    return {
      exitCode,
      summary: {
        action,
        dry_run: request.dryRun,
        selected: targets,
        loss,
        calls: all,
        notes,
        problems,
        notify: [],
        ...countCalls(all),
        ...extra,
        exit_code: exitCode,
      },
    }
  }

  const work = plans.filter((p) => p.phases.length > 0)
  if (request.dryRun) return summary(plans.flatMap(plannedCalls))
  if (isDestructive(action) && work.length > 0) {
    const consent = await request.confirm({action, plans: work, loss})
    if (consent !== 'yes') {
      problems.push(
        consent === 'no' ? 'not confirmed: nothing was changed' : 'refusing without --yes (not a terminal): nothing was changed',
      )
      return summary(plans.flatMap(plannedCalls), {exit_code: consent === 'no' ? EXIT.FAILURE : EXIT.USAGE})
    }
  }

  const calls: CallResult[] = []
  const notified: AdminSummary['notify'] = []
  for (const plan of work) {
    calls.push(...(await executePlan(plan, {http: access.http, concurrency: access.concurrency, signal: access.signal})))
    if (request.notify !== undefined) notified.push(...(await sendEvents(eventsFor(plan.target, request.notify), request.notify)))
  }
  return summary(calls, {notify: notified})
}

function targetsOf(
  request: AdminRequest,
  topic: string,
  state: TopicState | undefined,
  channelFilters: ReturnType<typeof parsePatterns>,
  problems: string[],
): Target[] {
  const {action} = request
  if (action === 'tombstone_topic_producer') return [{action, topic, node: request.node ?? ''}]
  if (!action.endsWith('_channel')) return [{action, topic}]
  const available = new Set(state?.lookupdChannels ?? [])
  for (const stats of state?.producers.values() ?? []) for (const c of stats.channels) available.add(c.channel_name)
  const channels = selectNames(channelFilters, available)
  for (const pattern of channels.unmatched) problems.push(`no channel of topic ${topic} matches ${pattern}`)
  return channels.names.map((channel) => ({action, topic, channel}))
}

/** The plan of one target, and the nodes (with their stats) its nsqd calls go to. */
function planFor(target: Target, state: TopicState | undefined, request: AdminRequest): {plan: TargetPlan; nodes: TopicState['producers']} {
  const {access} = request
  let nodes = new Map(state?.producers ?? [])
  const extraNotes: string[] = []
  if (target.channel !== undefined && target.action !== 'create_channel') {
    const without = [...nodes].filter(([, t]) => !t.channels.some((c) => c.channel_name === target.channel)).map(([a]) => a)
    if (without.length > 0 && without.length < nodes.size)
      extraNotes.push(`${without.join(', ')} carry topic ${target.topic} but not channel ${target.channel}: not called`)
    for (const address of without) nodes.delete(address)
  }
  let nodeAddress: string | undefined
  if (target.node !== undefined) {
    nodeAddress = nodeAddressOf(target.node, access.addressMap)
    const stats = nodes.get(nodeAddress)
    nodes = new Map(stats === undefined ? [] : [[nodeAddress, stats]])
  }
  const plan = planTarget(target, {
    lookupd: access.lookupd,
    nsqd: access.nsqd,
    producers: [...nodes.keys()],
    ...(nodeAddress === undefined ? {} : {nodeAddress}),
  })
  plan.notes.push(...extraNotes)
  return {plan, nodes}
}
