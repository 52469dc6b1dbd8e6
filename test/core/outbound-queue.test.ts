import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {OutboundQueue, SMALL_COMMAND, type OutboundQueueOptions} from '../../src/core/connection/outbound-queue.js'
import {FIN_SIZE, encodeFin, encodeNop, encodePub, encodeRdy, encodeReq, encodeTouch} from '../../src/core/protocol/commands.js'

/**
 * A fake sink: records each write by reference (as a socket would hold it) plus a copy taken at
 * write time, answers with `accept()`, and keeps the drain callback for the test to fire.
 * Ticks are driven by hand through the injected `schedule`.
 */
function harness(options: Omit<OutboundQueueOptions, 'schedule'> = {}, accept: () => boolean = () => true) {
  const held: Buffer[] = []
  const copies: Buffer[] = []
  let resume: (() => void) | undefined
  let scheduled: (() => void)[] = []
  let writesWhileDraining = 0
  const queue = new OutboundQueue(
    {
      write(data) {
        if (resume !== undefined) writesWhileDraining++
        held.push(data)
        copies.push(Buffer.from(data))
        return accept()
      },
      onceDrain(callback) {
        resume = callback
      },
    },
    {...options, schedule: (flush) => scheduled.push(flush)},
  )
  return {
    queue,
    held,
    copies,
    get writesWhileDraining() {
      return writesWhileDraining
    },
    get scheduledCount() {
      return scheduled.length
    },
    get draining() {
      return resume !== undefined
    },
    /** Runs what the queue scheduled: the end of the current tick. */
    tick(): void {
      const due = scheduled
      scheduled = []
      for (const run of due) run()
    },
    /** The sink emits 'drain'. */
    drain(): void {
      const callback = resume
      resume = undefined
      callback?.()
    },
    /** Every byte the sink received, in order. */
    written(): Buffer {
      return Buffer.concat(copies)
    },
    /** True if no buffer handed to the sink was overwritten afterwards. */
    untouched(): boolean {
      return held.every((buffer, i) => buffer.equals(copies[i] as Buffer))
    },
  }
}

const id = (n: number): Buffer => Buffer.from(n.toString(16).padStart(16, '0'), 'latin1')

/** Resolves to true if `promise` settled by the time pending microtasks ran. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false
  void promise.then(() => {
    done = true
  })
  for (let i = 0; i < 5; i++) await Promise.resolve()
  return done
}

describe('OutboundQueue', () => {
  it('writes the commands and FINs of one tick as ONE write: their encodings concatenated, in order', () => {
    const h = harness()
    const expected: Buffer[] = []
    h.queue.push(encodeRdy(100))
    expected.push(encodeRdy(100))
    for (let n = 0; n < 5; n++) {
      h.queue.pushFin(id(n))
      expected.push(encodeFin(id(n)))
    }
    h.queue.push(encodeTouch(id(7)))
    expected.push(encodeTouch(id(7)))
    h.queue.push(encodeReq(id(8), 5000))
    expected.push(encodeReq(id(8), 5000))
    h.queue.pushFin(id(9))
    expected.push(encodeFin(id(9)))
    h.queue.push(encodeNop())
    expected.push(encodeNop())

    expect(h.held).toHaveLength(0)
    expect(h.scheduledCount).toBe(1)
    expect(h.queue.queuedBytes).toBe(Buffer.concat(expected).length)
    h.tick()
    expect(h.held).toHaveLength(1)
    expect(h.written().equals(Buffer.concat(expected))).toBe(true)
    expect(h.queue.queuedBytes).toBe(0)
  })

  it('pushFin writes exactly what encodeFin encodes, FIN_SIZE bytes', () => {
    const h = harness()
    h.queue.pushFin(id(0xabcdef))
    expect(h.queue.queuedBytes).toBe(FIN_SIZE)
    h.tick()
    expect(h.written().equals(encodeFin(id(0xabcdef)))).toBe(true)
  })

  it('one write per tick: commands queued in the next tick go out in the next write', () => {
    const h = harness()
    h.queue.pushFin(id(1))
    h.queue.push(encodeRdy(1))
    h.tick()
    h.queue.pushFin(id(2))
    h.queue.push(encodeNop())
    expect(h.scheduledCount).toBe(1)
    h.tick()
    expect(h.copies.map((b) => b.toString('latin1'))).toEqual([
      Buffer.concat([encodeFin(id(1)), encodeRdy(1)]).toString('latin1'),
      Buffer.concat([encodeFin(id(2)), encodeNop()]).toString('latin1'),
    ])
    h.tick()
    expect(h.held).toHaveLength(2)
  })

  it('a command larger than the scratch buffer goes out intact and in order between smaller ones', () => {
    const h = harness({scratchSize: 128})
    const big = encodePub('topic', Buffer.alloc(1000, 0x61))
    const expected = [encodeFin(id(1)), encodeRdy(10), big, encodeFin(id(2)), encodeNop()]
    h.queue.pushFin(id(1))
    h.queue.push(encodeRdy(10))
    h.queue.push(big)
    h.queue.pushFin(id(2))
    h.queue.push(encodeNop())
    h.tick()
    expect(h.held).toHaveLength(1)
    expect(h.written().equals(Buffer.concat(expected))).toBe(true)
  })

  it('a lone large command is handed to the sink as is, without a copy', () => {
    const h = harness()
    const big = encodePub('topic', Buffer.alloc(500, 0x62))
    expect(big.length).toBeGreaterThan(SMALL_COMMAND)
    h.queue.push(big)
    h.tick()
    expect(h.held[0]).toBe(big)
  })

  it('scratch overflow hands over the full buffer, keeps order, and never writes over bytes the sink holds', () => {
    const h = harness({scratchSize: 100})
    // Tick 1: a few FINs; the sink keeps the view of scratch it was given.
    const first = [1, 2, 3].map(id)
    for (const fin of first) h.queue.pushFin(fin)
    h.tick()
    // Tick 2: enough FINs to fill several scratch buffers.
    const second = Array.from({length: 40}, (_, n) => id(100 + n))
    for (const fin of second) h.queue.pushFin(fin)
    expect(h.queue.queuedBytes).toBe(40 * FIN_SIZE)
    h.tick()
    expect(h.held).toHaveLength(2)
    expect(h.copies[0]?.equals(Buffer.concat(first.map(encodeFin)))).toBe(true)
    expect(h.copies[1]?.equals(Buffer.concat(second.map(encodeFin)))).toBe(true)
    expect(h.untouched()).toBe(true)
  })

  it('when the sink returns false nothing more is written until drain; writable is false and waitWritable() resolves on drain', async () => {
    let accept = false
    const h = harness({}, () => accept)
    h.queue.pushFin(id(1))
    h.tick()
    expect(h.held).toHaveLength(1)
    expect(h.draining).toBe(true)
    expect(h.queue.writable).toBe(false)
    const waiting = h.queue.waitWritable()

    h.queue.pushFin(id(2))
    h.queue.push(encodeRdy(5))
    h.tick()
    h.queue.push(encodeNop())
    h.tick()
    expect(h.held).toHaveLength(1)
    expect(h.queue.writable).toBe(false)
    expect(await settled(waiting)).toBe(false)

    accept = true
    h.drain()
    expect(h.held).toHaveLength(2)
    expect(h.copies[1]?.equals(Buffer.concat([encodeFin(id(2)), encodeRdy(5), encodeNop()]))).toBe(true)
    expect(h.queue.writable).toBe(true)
    expect(await settled(waiting)).toBe(true)
    expect(h.writesWhileDraining).toBe(0)
  })

  it('a drain whose catch-up write is refused again keeps writable false and the waiters waiting', async () => {
    let accept = false
    const h = harness({}, () => accept)
    h.queue.pushFin(id(1))
    h.tick()
    const waiting = h.queue.waitWritable()
    h.queue.pushFin(id(2))
    h.drain()
    expect(h.held).toHaveLength(2)
    expect(h.queue.writable).toBe(false)
    expect(await settled(waiting)).toBe(false)
    accept = true
    h.drain()
    expect(h.queue.writable).toBe(true)
    expect(await settled(waiting)).toBe(true)
  })

  it('bytes held count against the high-water mark, FINs included', async () => {
    const h = harness({highWaterMark: 10 * FIN_SIZE})
    for (let n = 0; n < 9; n++) h.queue.pushFin(id(n))
    expect(h.queue.queuedBytes).toBe(9 * FIN_SIZE)
    expect(h.queue.writable).toBe(true)
    expect(await settled(h.queue.waitWritable())).toBe(true)
    h.queue.pushFin(id(9))
    expect(h.queue.queuedBytes).toBe(10 * FIN_SIZE)
    expect(h.queue.writable).toBe(false)
    const waiting = h.queue.waitWritable()
    expect(await settled(waiting)).toBe(false)
    h.tick()
    expect(h.queue.queuedBytes).toBe(0)
    expect(h.queue.writable).toBe(true)
    expect(await settled(waiting)).toBe(true)
  })

  it('one large command at or above the high-water mark makes it unwritable until flushed', () => {
    const big = encodePub('t', Buffer.alloc(300))
    const h = harness({highWaterMark: big.length})
    h.queue.push(encodeRdy(1))
    h.queue.push(big)
    expect(h.queue.queuedBytes).toBe(encodeRdy(1).length + big.length)
    expect(h.queue.writable).toBe(false)
    h.tick()
    expect(h.queue.writable).toBe(true)
  })

  it('discard() drops what is queued; releaseWaiters() wakes waiters even while unwritable', async () => {
    const h = harness({}, () => false)
    h.queue.pushFin(id(1))
    h.tick()
    const waiting = h.queue.waitWritable()
    h.queue.pushFin(id(2))
    h.queue.discard()
    expect(h.queue.queuedBytes).toBe(0)
    h.queue.releaseWaiters()
    expect(await settled(waiting)).toBe(true)
    h.drain()
    h.tick()
    expect(h.held).toHaveLength(1)
  })

  it('refuses a scratch buffer too small for a small command', () => {
    expect(() => new OutboundQueue({write: () => true, onceDrain: () => undefined}, {scratchSize: SMALL_COMMAND - 1})).toThrow(
      /scratch size/,
    )
  })

  it('loses and reorders nothing over 10,000 random mixes of FIN / small / large commands across ticks, drains and refusals', () => {
    const hex = fc.integer({min: 0, max: 2 ** 48}).map(id)
    const op = fc.oneof(
      {arbitrary: fc.record({kind: fc.constant('fin' as const), id: hex}), weight: 6},
      {arbitrary: fc.record({kind: fc.constant('rdy' as const), count: fc.nat(2500)}), weight: 2},
      {arbitrary: fc.record({kind: fc.constant('req' as const), id: hex, timeout: fc.nat(600_000)}), weight: 1},
      {arbitrary: fc.record({kind: fc.constant('nop' as const)}), weight: 1},
      {arbitrary: fc.record({kind: fc.constant('pub' as const), size: fc.integer({min: 0, max: 400}), fill: fc.nat(255)}), weight: 2},
      {arbitrary: fc.record({kind: fc.constant('tick' as const)}), weight: 3},
      {arbitrary: fc.record({kind: fc.constant('drain' as const)}), weight: 1},
    )
    fc.assert(
      fc.property(
        fc.array(op, {maxLength: 80}),
        fc.constantFrom(SMALL_COMMAND, 100, 256, 64 * 1024),
        fc.integer({min: 1, max: 2000}),
        fc.array(fc.boolean(), {minLength: 1, maxLength: 16}),
        (ops, scratchSize, highWaterMark, answers) => {
          let writes = 0
          const h = harness({scratchSize, highWaterMark}, () => answers[writes++ % answers.length] as boolean)
          const expected: Buffer[] = []
          let queued = 0
          let written = 0
          for (const step of ops) {
            const before = h.held.length
            let command: Buffer | undefined
            switch (step.kind) {
              case 'fin':
                h.queue.pushFin(step.id)
                expected.push(encodeFin(step.id))
                queued += FIN_SIZE
                break
              case 'rdy':
                command = encodeRdy(step.count)
                break
              case 'req':
                command = encodeReq(step.id, step.timeout)
                break
              case 'nop':
                command = encodeNop()
                break
              case 'pub':
                command = encodePub('topic', Buffer.alloc(step.size, step.fill))
                break
              case 'tick':
                h.tick()
                break
              case 'drain':
                h.drain()
                break
            }
            if (command !== undefined) {
              h.queue.push(command)
              expected.push(command)
              queued += command.length
            }
            // At most one write per tick or drain; pushes alone never write.
            const newWrites = h.held.length - before
            if (newWrites > (step.kind === 'tick' || step.kind === 'drain' ? 1 : 0)) return false
            for (let i = before; i < h.held.length; i++) written += (h.held[i] as Buffer).length
            if (h.queue.queuedBytes !== queued - written) return false
            if (h.queue.writable !== (!h.draining && h.queue.queuedBytes < highWaterMark)) return false
          }
          // Let everything out.
          for (let rounds = 0; h.queue.queuedBytes > 0 || h.draining; rounds++) {
            if (rounds > 100) return false
            h.drain()
            h.tick()
          }
          return h.writesWhileDraining === 0 && h.untouched() && h.written().equals(Buffer.concat(expected))
        },
      ),
      {numRuns: 10_000},
    )
  })
})
