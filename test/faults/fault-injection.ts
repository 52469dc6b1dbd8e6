/** Injects one fault into the rig and watches for the pipeline's recovery from it. */
import {at, channelState, firstLoss, producerCount, recovered, sleep, type Rig} from './cluster-rig.js'
import type {FaultKind, FaultRecord} from './scenario-types.js'

/** Applies one fault, waits `faultMs`, ends it; returns its record and a watcher that fills in the recovery time. */
export async function inject(
  kind: FaultKind,
  rig: Rig,
  random: () => number,
  faultMs: number,
  recoveryTimeoutMs: number,
  log: (line: string) => void,
  heartbeatMs: number,
): Promise<{record: FaultRecord; watch: () => Promise<void>}> {
  const {cluster, proxies, topic} = rig
  const pick = (n: number): number => Math.floor(random() * n)
  if (kind === 'kill-lookupd') {
    const index = pick(cluster.lookupd.length)
    const lookupd = at(cluster.lookupd, index)
    const record: FaultRecord = {kind, target: `lookupd${index}`, recoveryMs: undefined}
    log(`  ${kind} ${record.target}`)
    await lookupd.kill()
    await sleep(faultMs)
    await lookupd.restart()
    const ended = Date.now()
    // Recovered when the restarted lookupd lists the topic's three nsqd again (they re-register on their own).
    const watch = async (): Promise<void> => {
      const deadline = ended + recoveryTimeoutMs
      while (Date.now() < deadline) {
        if ((await producerCount(lookupd.httpAddress, topic)) === cluster.nsqd.length) {
          record.recoveryMs = Date.now() - ended
          return
        }
        await sleep(100)
      }
    }
    return {record, watch}
  }
  const index = pick(cluster.nsqd.length)
  const nsqd = at(cluster.nsqd, index)
  const proxy = at(proxies, index)
  const record: FaultRecord = {kind, target: `nsqd${index}`, recoveryMs: undefined}
  log(`  ${kind} ${record.target}`)
  const began = Date.now()
  switch (kind) {
    case 'kill-nsqd': {
      await nsqd.kill()
      await sleep(faultMs)
      await nsqd.restart()
      break
    }
    case 'pause-nsqd': {
      nsqd.pause()
      await sleep(faultMs)
      nsqd.resume()
      break
    }
    case 'cut': {
      proxy.refuse(true)
      proxy.cut()
      await sleep(faultMs)
      proxy.refuse(false)
      break
    }
    case 'stall': {
      proxy.stall()
      await sleep(faultMs)
      proxy.resume()
      break
    }
  }
  const ended = Date.now()
  // A silence longer than two heartbeat intervals must be noticed by both tools (they say "lost <address>").
  if ((kind === 'stall' || kind === 'pause-nsqd') && faultMs > 2 * heartbeatMs) {
    const addresses = [proxy.address, nsqd.tcpAddress]
    const toFile = firstLoss(rig.stderr.toFile, addresses, began)
    const tail = firstLoss(rig.stderr.tail, addresses, began)
    // to-nsq publishes to every nsqd in turn, so while it runs it must notice too.
    const toNsq = firstLoss(rig.stderr.toNsq, addresses, began)
    record.detectedBy = {toFile, tail, toNsq}
    record.detectedMs = toFile === undefined || tail === undefined ? undefined : Math.max(toFile, tail)
  }
  const channels = ['nsq_to_file', 'faults_tail']
  const baselines = await Promise.all(
    channels.map(async (c) => (await channelState(nsqd, topic, c))?.finished ?? new Map<string, number>()),
  )
  // Recovered when to-file and tail each finish a message from the faulted nsqd again.
  const watch = async (): Promise<void> => {
    const deadline = ended + recoveryTimeoutMs
    const pending = new Set(channels.keys())
    while (Date.now() < deadline) {
      for (const index of [...pending]) {
        const now = await channelState(nsqd, topic, at(channels, index))
        if (now !== undefined && recovered(now, at(baselines, index))) pending.delete(index)
      }
      if (pending.size === 0) {
        record.recoveryMs = Date.now() - ended
        return
      }
      await sleep(100)
    }
  }
  return {record, watch}
}
