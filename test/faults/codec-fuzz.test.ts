/**
 * Codec fuzzing (issue: fault suite). Random and mutated frames and streams go through the frame
 * decoder and message parser; a fake nsqd feeds garbage to a real Connection. Nothing may crash,
 * hang, allocate from an unchecked length, or throw anything but a typed NsqError.
 *
 * Volume: FUZZ_FRAMES (default 1,000,000 frames through the decoder) and FUZZ_CONNECTIONS
 * (default 100 garbage-fed connections); `npm run faults` raises both.
 */
import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {FrameDecoder, type Frame} from '../../src/core/protocol/frame-decoder.js'
import {encodeFrame, parseMessage} from '../../src/core/protocol/message.js'
import {Connection} from '../../src/core/connection/connection.js'
import {isNsqError, type NsqError} from '../../src/core/errors.js'
import {startFakeNsqd} from '../support/fake-nsqd.js'
// A deterministic PRNG: bulk generation is cheap and failures replay by seed.
import {seededRandom as prng} from '../support/seeded-random.js'

const FRAMES = Number(process.env.FUZZ_FRAMES ?? 1_000_000)
const CONNECTIONS = Number(process.env.FUZZ_CONNECTIONS ?? 100)
const MAX_FRAME = 64 * 1024

function randomFrames(random: () => number, count: number): {stream: Buffer; frames: {type: number; data: Buffer}[]} {
  const frames: {type: number; data: Buffer}[] = []
  for (let i = 0; i < count; i++) {
    const size = random() < 0.995 ? Math.floor(random() * 300) : Math.floor(random() * (MAX_FRAME - 4))
    const data = Buffer.allocUnsafe(size)
    for (let j = 0; j < Math.min(size, 32); j++) data[j] = Math.floor(random() * 256)
    frames.push({type: Math.floor(random() * 3), data})
  }
  return {stream: Buffer.concat(frames.map((f) => encodeFrame(f.type, f.data))), frames}
}

function chunked(random: () => number, stream: Buffer): Buffer[] {
  const chunks: Buffer[] = []
  for (let at = 0; at < stream.length;) {
    const size = 1 + Math.floor(random() * (random() < 0.5 ? 16 : 70_000))
    chunks.push(stream.subarray(at, at + size))
    at += size
  }
  return chunks
}

/**
 * Feeds bytes and drains frames; returns frames and the typed error that stopped it, if any.
 * Anything thrown that is not an NsqError fails the test. Checks that no frame is larger than the
 * limit and that the decoder never hands out more bytes than it was given (no allocation from an
 * unchecked length).
 */
function feed(decoder: FrameDecoder, chunks: readonly Buffer[]): {frames: Frame[]; error: NsqError | undefined} {
  const frames: Frame[] = []
  let pushed = 0
  let out = 0
  try {
    for (const chunk of chunks) {
      decoder.push(chunk)
      pushed += chunk.length
      for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
        if (frame.data.length > decoder.maxFrameSize - 4) throw new Error(`frame of ${frame.data.length} bytes exceeds the limit`)
        out += 8 + frame.data.length
        if (out > pushed) throw new Error(`decoder handed out ${out} bytes after being given ${pushed}`)
        frames.push(frame)
        if (frame.type === 2) {
          try {
            parseMessage(frame.data)
          } catch (error) {
            if (!isNsqError(error)) throw error
          }
        }
      }
    }
  } catch (error) {
    if (isNsqError(error)) {
      expect(['PROTOCOL', 'FRAME_TOO_LARGE']).toContain(error.code)
      return {frames, error}
    }
    throw error
  }
  return {frames, error: undefined}
}

describe('frame decoder fuzzing', () => {
  it(`decodes ${FRAMES.toLocaleString('en-US')} random frames, randomly chunked, exactly`, () => {
    let decoded = 0
    for (let seed = 1; decoded < FRAMES; seed++) {
      const random = prng(seed)
      const {stream, frames} = randomFrames(random, 2000)
      const {frames: got, error} = feed(new FrameDecoder(MAX_FRAME), chunked(random, stream))
      expect(error, `seed ${seed}`).toBeUndefined()
      expect(got.length, `seed ${seed}`).toBe(frames.length)
      for (let i = 0; i < frames.length; i++) {
        if (got[i]!.type !== frames[i]!.type || !got[i]!.data.equals(frames[i]!.data)) throw new Error(`seed ${seed}: frame ${i} differs`)
      }
      decoded += got.length
    }
    expect(decoded).toBeGreaterThanOrEqual(FRAMES)
  })

  it('mutated streams (bit flips, truncation, insertion, duplication) give frames or a typed error, never anything else', () => {
    let frames = 0
    fc.assert(
      fc.property(
        fc.integer({min: 1, max: 2 ** 31 - 1}),
        fc.array(fc.record({at: fc.nat(), kind: fc.constantFrom('flip', 'cut', 'insert', 'dup', 'zero', 'ones'), value: fc.nat(255)}), {
          maxLength: 8,
        }),
        (seed, mutations) => {
          const random = prng(seed)
          let stream = randomFrames(random, 200).stream
          for (const m of mutations) {
            const at = stream.length === 0 ? 0 : m.at % stream.length
            if (m.kind === 'flip') stream[at] = (stream[at] ?? 0) ^ (1 << (m.value % 8))
            else if (m.kind === 'cut') stream = stream.subarray(0, at)
            else if (m.kind === 'insert') stream = Buffer.concat([stream.subarray(0, at), Buffer.from([m.value]), stream.subarray(at)])
            else if (m.kind === 'dup')
              stream = Buffer.concat([stream.subarray(0, at), stream.subarray(at, at + m.value), stream.subarray(at)])
            else stream.fill(m.kind === 'zero' ? 0 : 0xff, at, Math.min(stream.length, at + 4))
          }
          frames += feed(new FrameDecoder(MAX_FRAME), chunked(random, stream)).frames.length
        },
      ),
      {numRuns: 2000},
    )
    expect(frames).toBeGreaterThan(0)
  })

  it('random garbage gives frames or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 4096}), fc.integer({min: 1, max: 64}), (bytes, step) => {
        const buffer = Buffer.from(bytes)
        const chunks: Buffer[] = []
        for (let at = 0; at < buffer.length; at += step) chunks.push(buffer.subarray(at, at + step))
        feed(new FrameDecoder(MAX_FRAME), chunks)
      }),
      {numRuns: 20_000},
    )
  })

  it('a frame length above the limit is refused from its 8-byte header alone, before any body arrives', () => {
    fc.assert(
      fc.property(fc.integer({min: MAX_FRAME + 1, max: 2 ** 31 - 1}), (size) => {
        const decoder = new FrameDecoder(MAX_FRAME)
        const header = Buffer.alloc(8)
        header.writeInt32BE(size, 0)
        decoder.push(header)
        let error: unknown
        try {
          decoder.next()
        } catch (e) {
          error = e
        }
        expect(isNsqError(error) && error.code === 'FRAME_TOO_LARGE').toBe(true)
        expect(decoder.pendingBytes).toBe(8)
      }),
      {numRuns: 5000},
    )
  })
})

describe('a connection fed garbage by a fake nsqd', () => {
  it(`closes with a typed error and never hangs (${CONNECTIONS} connections)`, async () => {
    const fake = await startFakeNsqd()
    const random = prng(42)
    const codes = new Map<string, number>()
    try {
      for (let i = 0; i < CONNECTIONS; i++) {
        let closedWith = 'open' as NsqError | undefined | 'open'
        const unexpected: unknown[] = []
        const connection = new Connection({
          host: '127.0.0.1',
          port: fake.port,
          heartbeatIntervalMs: 1000,
          maxFrameSize: MAX_FRAME,
          events: {
            closed: (error) => (closedWith = error),
            message: () => undefined,
          },
        })
        const connecting = connection.connect()
        const client = await fake.nextClient()
        await connecting
        // Garbage: random bytes, or a valid prefix then random bytes, in random pieces.
        const length = 1 + Math.floor(random() * 2048)
        const garbage = Buffer.allocUnsafe(length)
        for (let j = 0; j < length; j++) garbage[j] = Math.floor(random() * 256)
        if (random() < 0.3) garbage.writeInt32BE(Math.floor(random() * 2 ** 31), 0)
        for (let at = 0; at < garbage.length; at += 1 + Math.floor(random() * 512))
          client.sendRaw(garbage.subarray(at, at + 1 + Math.floor(random() * 512)))
        // The read deadline (2 heartbeat intervals) bounds a frame that never completes.
        const deadline = Date.now() + 4000
        while (closedWith === 'open' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
        connection.destroy()
        client.socket.destroy()
        expect(unexpected).toEqual([])
        expect(closedWith, `connection ${i} still open after garbage`).not.toBe('open')
        const error = closedWith as NsqError | undefined
        expect(error === undefined || isNsqError(error)).toBe(true)
        const code = error?.code ?? 'clean'
        codes.set(code, (codes.get(code) ?? 0) + 1)
      }
    } finally {
      await fake.close()
    }
    // Every close was typed; the mix shows the paths exercised.
    expect(
      [...codes.keys()].every((c) => ['PROTOCOL', 'FRAME_TOO_LARGE', 'PEER_DEAD', 'CONNECTION_CLOSED'].includes(c) || c.startsWith('E_')),
    ).toBe(true)
  }, 600_000)
})
