import net from 'node:net'
import {describe, expect, it} from 'vitest'
import type {OutRecord} from '../../../src/tools/publish/batcher.js'
import {Publisher, type PublishFailure} from '../../../src/tools/publish/publisher.js'

/** A loopback port with nothing listening (bound, then closed). */
async function deadPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('Publisher with no nsqd to talk to', () => {
  it('reports every record as failed (none dropped), trying the dead nsqd once, then once per probe interval', async () => {
    let clock = 0
    let attempts = 0
    const failed: PublishFailure[] = []
    let published = 0
    const publisher = new Publisher({
      topic: 't',
      nsqd: [`127.0.0.1:${await deadPort()}`],
      mode: 'round-robin',
      settings: {},
      window: 4,
      maxAttempts: 1,
      now: () => clock,
      probeIntervalMs: 1000,
      onSettled: (ok, bad) => {
        published += ok.length
        failed.push(...bad)
      },
      events: {disconnected: () => attempts++},
    })
    const batches: OutRecord[][] = Array.from({length: 10}, (_, b) =>
      Array.from({length: 3}, (_, i) => ({n: b * 3 + i + 1, body: Buffer.from(`m${b}-${i}`)})),
    )
    await publisher.submit(batches[0] as OutRecord[])
    await publisher.drain()
    for (const batch of batches.slice(1, 5)) await publisher.submit(batch)
    await publisher.drain()
    clock = 1500
    for (const batch of batches.slice(5)) await publisher.submit(batch)
    await publisher.close()
    expect(published).toBe(0)
    expect(failed.map((f) => f.record.n).sort((a, b) => a - b)).toEqual(Array.from({length: 30}, (_, i) => i + 1))
    for (const failure of failed) expect(failure.error.code).toBe('CONNECTION_REFUSED')
    // Batch 1 tried, batches 2–5 failed at once, batch 6 was the probe after the interval, 7–10 failed at once.
    expect(attempts).toBe(2)
  })
})
