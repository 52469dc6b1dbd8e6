/**
 * RDY planning (PURE). RDY is each connection's in-flight window (reference §1.9), so the
 * plan only changes when connections come and go, when backoff changes phase, or when slots
 * must rotate; never per message.
 *
 * - Normal: max-in-flight is split evenly (the remainder to the first connections), each share
 *   capped by that nsqd's max_rdy_count. The sum never exceeds max-in-flight.
 * - Fewer slots than connections: `maxInFlight` connections hold RDY 1; a holder that has held
 *   it for `rotateAfterMs` gives it up to the connection that has waited longest, so no nsqd
 *   starves. A connection still holding in-flight messages keeps counting against the budget
 *   until they are answered.
 * - Paused (backoff): 0 everywhere. Probing: RDY 1 on one connection only.
 */
export interface ConnectionView {
  readonly id: number
  /** RDY currently sent to this connection. */
  readonly rdy: number
  readonly inFlight: number
  readonly maxRdyCount: number
  /** When this connection last went from RDY 0 to RDY > 0 (or was last passed over), ms. */
  readonly since: number
}

export interface PlanInput {
  readonly maxInFlight: number
  readonly connections: readonly ConnectionView[]
  readonly mode: 'normal' | 'paused' | 'probing'
  readonly now: number
  readonly rotateAfterMs: number
}

/** The RDY each connection should have; connections left out keep what they have. */
export function planRdy(input: PlanInput): Map<number, number> {
  const plan = new Map<number, number>()
  const {connections, maxInFlight} = input
  if (connections.length === 0) return plan
  if (input.mode === 'paused' || maxInFlight <= 0) {
    for (const c of connections) plan.set(c.id, 0)
    return plan
  }
  if (input.mode === 'probing') {
    // Keep an existing probe where it is; otherwise probe the connection idle longest.
    const probe = connections.find((c) => c.rdy > 0) ?? [...connections].sort((a, b) => a.since - b.since)[0]
    for (const c of connections) plan.set(c.id, c === probe ? 1 : 0)
    return plan
  }
  if (connections.length <= maxInFlight) return split(input)
  return rotate(input)
}

/**
 * Even shares; but a connection still holding more in flight than its new share (say it had all
 * of max-in-flight before two more nsqd joined) occupies that many slots until they are answered,
 * so the others get only what is left meanwhile, and the total in flight stays within the budget.
 * Later plans (on the planner's timer) hand out the rest as those messages are answered.
 */
function split(input: PlanInput): Map<number, number> {
  const plan = new Map<number, number>()
  const {connections, maxInFlight} = input
  const base = Math.floor(maxInFlight / connections.length)
  let extra = maxInFlight - base * connections.length
  const shares = new Map<number, number>()
  for (const c of connections) {
    const want = base + (extra > 0 ? 1 : 0)
    if (extra > 0) extra--
    shares.set(c.id, Math.max(1, Math.min(want, c.maxRdyCount)))
  }
  const over = connections.filter((c) => c.inFlight > (shares.get(c.id) as number))
  if (over.length === 0) return shares
  let left = maxInFlight - over.reduce((sum, c) => sum + c.inFlight, 0)
  for (const c of over) plan.set(c.id, shares.get(c.id) as number)
  // The rest share what is left, each at least its own in flight (already occupied) and at most its share.
  const rest = connections.filter((c) => !over.includes(c))
  left -= rest.reduce((sum, c) => sum + c.inFlight, 0)
  for (const [index, c] of rest.entries()) {
    const fair = Math.max(0, Math.floor(left / (rest.length - index)))
    const grant = Math.min((shares.get(c.id) as number) - c.inFlight, fair)
    plan.set(c.id, c.inFlight + Math.max(0, grant))
    left -= Math.max(0, grant)
  }
  return plan
}

function rotate(input: PlanInput): Map<number, number> {
  const plan = new Map<number, number>()
  const waiting = input.connections.filter((c) => c.rdy === 0).sort((a, b) => a.since - b.since)
  const holders = input.connections.filter((c) => c.rdy > 0)
  let used = 0
  for (const c of holders) {
    const expired = input.now - c.since >= input.rotateAfterMs && waiting.length > 0
    const keep = !expired && used < input.maxInFlight
    plan.set(c.id, keep ? 1 : 0)
    used += keep ? 1 : c.inFlight > 0 ? Math.min(c.inFlight, 1) : 0
  }
  // Connections at RDY 0 that still hold messages occupy a slot until those are answered.
  for (const c of waiting) if (c.inFlight > 0) used += 1
  for (const c of waiting) {
    if (used >= input.maxInFlight) break
    if (c.inFlight > 0) continue
    plan.set(c.id, 1)
    used++
  }
  return plan
}
