/** The fault suite's scenario options and results (shared by the runner, the injector and the table). */

/**
 * The faults a scenario can inject, each on a node picked at random (seeded):
 * - `kill-nsqd`: kill -9 an nsqd, restart it on the same ports and data dir after `faultMs`;
 * - `kill-lookupd`: kill -9 an nsqlookupd, restart it after `faultMs`;
 * - `pause-nsqd`: SIGSTOP an nsqd, SIGCONT after `faultMs`;
 * - `cut`: reset every connection through one nsqd's proxy and refuse new ones for `faultMs`;
 * - `stall`: stop forwarding through one nsqd's proxy (connections stay open) for `faultMs`.
 */
export type FaultKind = 'kill-nsqd' | 'kill-lookupd' | 'pause-nsqd' | 'cut' | 'stall'

/**
 * Faults after which duplicates are expected (at-least-once): they break connections, and nsqd
 * redelivers what was in flight and not yet FIN'd, though the consumer may already have written
 * it (to-file FINs only after its next sync); a killed nsqd also replays what it delivered after
 * its disk queue last recorded its read position.
 */
export const CONNECTION_LOSS_FAULTS: ReadonlySet<FaultKind> = new Set(['kill-nsqd', 'cut'])

export interface ScenarioOptions {
  name: string
  /** Numbered lines fed to `nsq to-nsq`. */
  messages: number
  /** to-nsq --rate (messages per second overall), so the faults land mid-stream. */
  rate: number
  /** Injected one after another, spread over the publishing time. */
  faults: readonly FaultKind[]
  /** How long each fault lasts (default 2000 ms). */
  faultMs?: number
  /** nsqd --msg-timeout in ms (default 4000): how soon an unanswered message is redelivered. */
  msgTimeoutMs?: number
  /** Seed of the node picks (default 1). */
  seed?: number
  /** Longest wait, after to-nsq ends, for the archive to hold every accepted line (default 30 s). */
  settleMs?: number
  /**
   * How to-file finds the nsqd (default `lookupd`: both lookupd, dialled through the proxies with
   * --address-map). In lookupd mode an nsqd that was killed drops out of lookupd, and to-file (like
   * go-nsq) connects to it again only when a later lookupd poll lists it: up to the 60 s poll
   * interval (±30 % jitter), which to-file has no flag to shorten. `nsqd` (--nsqd-tcp-address
   * through the proxies) reconnects with backoff instead, for short runs.
   */
  toFileDiscovery?: 'lookupd' | 'nsqd'
  /** Longest wait for a fault's recovery to be seen (default 120 s); past it the recovery time is unknown. */
  recoveryTimeoutMs?: number
  /**
   * `--heartbeat-interval` of to-file, tail and to-nsq in ms (default: theirs, 30 s). A stall or a
   * stop longer than two intervals must then be detected (the tool says it lost the connection).
   */
  heartbeatMs?: number
  /** `--lookupd-poll-interval` of to-file and tail in ms (default: theirs, 60 s). */
  lookupdPollMs?: number
  /**
   * nsqd's disk-queue position saves (default `default`: nsqd's own --sync-every 2500 /
   * --sync-timeout 2s). nsqd keeps in-flight messages in memory only: after kill -9 it loses those
   * whose channel read position it had already saved (NSQ's at-least-once holds only while nsqd
   * lives). `replay` saves the positions once, by a clean restart before the run, and never during
   * it (--sync-every 1e9, --sync-timeout 24h), so after kill -9 nsqd rewinds to that point and
   * replays what it holds instead of losing any (duplicates, many): then a line missing from the
   * archive can only be the tools' fault, and the check is strict (no "lost by nsqd" column).
   * nsqd still saves positions when a queue moves to its next 100 MiB file, far beyond these runs.
   */
  nsqdSync?: 'default' | 'replay'
  /** Progress lines (default: none). */
  log?: (line: string) => void
}

/** One injected fault and how long the pipeline took to recover from it. */
export interface FaultRecord {
  kind: FaultKind
  /** Which node: `nsqd0`, `lookupd1`, ... */
  target: string
  /**
   * ms from the end of the fault until to-file consumed from the faulted nsqd again (finished a
   * message, or is connected with nothing left to deliver there); for a lookupd, until it lists
   * the topic's nsqd again. Undefined if not seen in time.
   */
  recoveryMs: number | undefined
  /**
   * For a stall or stop longer than two heartbeat intervals: ms from its start until both to-file
   * and tail said they lost a connection to that nsqd (undefined if one of them never did).
   */
  detectedMs?: number | undefined
  /** The same per tool (to-nsq's only while it was still publishing). */
  detectedBy?: {toFile: number | undefined; tail: number | undefined; toNsq: number | undefined}
}

export interface ScenarioResult {
  name: string
  /** Lines fed to to-nsq. */
  messagesIn: number
  /** Lines to-nsq reported as published (not in its errors file). */
  accepted: number
  /** Lines in the to-nsq errors file. */
  rejected: number
  /** Distinct accepted lines found in the archive. */
  archived: number
  /** Accepted lines missing from the archive that the tail's channel did get: lost by the tools. */
  lost: number
  /**
   * Accepted lines missing from the archive AND from the tail (two independent channels and
   * processes) in a scenario that kill -9s an nsqd: nsqd acknowledged them and lost them from the
   * topic before any channel delivered them (its disk-queue sync window). Counted, never hidden.
   */
  lostByNsqd: number
  /** Extra copies in the archive (a line twice counts 1). */
  duplicated: number
  /** Lines in the archive that were never sent (must be 0). */
  foreign: number
  /** Accepted lines `nsq tail` (durable channel) never printed. */
  tailLost: number
  /** Lines the tail printed. */
  tailPrinted: number
  /** Extra copies the tail printed: a line duplicated in both the archive and the tail was in the topic twice (a publish-side duplicate). */
  tailDuplicated: number
  /** Some duplicated archive lines, with how often the archive and the tail hold each (up to 10). */
  duplicateSample: string[]
  faults: FaultRecord[]
  /** Longest recovery over the faults (undefined when none was measured). */
  recoveryMs: number | undefined
  /** Longest stall detection over the faults (undefined when none was expected or seen). */
  detectedMs: number | undefined
  /**
   * Whether the scenario may legitimately produce duplicates (at-least-once): a lost connection
   * (see CONNECTION_LOSS_FAULTS), or a stall or stop that outlasts nsqd's msg-timeout (it
   * redelivers what was in flight).
   */
  duplicatesExpected: boolean
  /** Exit codes: to-nsq, to-file (after SIGTERM), tail (after SIGTERM). */
  exitCodes: {toNsq: number | null; toFile: number | null; tail: number | null}
  /** Any lost line, for the report (up to 10). */
  lostSample: string[]
  /** Any line the tail missed (up to 10). */
  tailLostSample: string[]
  /** stderr of to-file and to-nsq, when something went wrong. */
  diagnostics: string
}
