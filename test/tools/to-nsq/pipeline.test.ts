import {describe, expect, it} from 'vitest'
import {NsqError} from '../../../src/core/index.js'
import {encodeEnvelope} from '../../../src/tools/envelope.js'
import type {OutRecord} from '../../../src/tools/publish/batcher.js'
import type {FailedRecord} from '../../../src/tools/publish/errors-file.js'
import type {BatchSink} from '../../../src/tools/publish/publisher.js'
import {ToNsqRun, type ToNsqRunOptions} from '../../../src/tools/to-nsq/pipeline.js'
import {FakeTime, flushMicrotasks} from '../../support/fake-time.js'

/** Lets the run do everything it can without time passing (it does no I/O: promise turns only). */
async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await flushMicrotasks()
}

/** A sink that takes batches at once (or when released) and acknowledges them through `run.settled`. */
class MemorySink implements BatchSink {
  batches: OutRecord[][] = []
  run!: ToNsqRun
  gate: Promise<void> | undefined
  async submit(batch: readonly OutRecord[]): Promise<void> {
    if (this.gate !== undefined) await this.gate
    this.batches.push([...batch])
    this.run.settled(batch, [])
  }
  async drain(): Promise<void> {}
  bodies(): string[] {
    return this.batches.flat().map((r) => r.body.toString('latin1'))
  }
}

function setup(overrides: Partial<ToNsqRunOptions> = {}): {
  run: ToNsqRun
  sink: MemorySink
  failures: FailedRecord[]
  controller: AbortController
} {
  const sink = new MemorySink()
  const failures: FailedRecord[] = []
  const controller = new AbortController()
  const run = new ToNsqRun({
    delimiter: Buffer.from('\n'),
    inputFormat: 'raw',
    maxMessageBytes: 1000,
    maxBodyBytes: 10_000,
    batchSize: 3,
    lingerMs: 10,
    rate: 0,
    keepEmpty: false,
    onOversize: 'fail',
    onInvalid: 'fail',
    sink,
    signal: controller.signal,
    onFailure: (f) => failures.push(f),
    ...overrides,
  })
  sink.run = run
  return {run, sink, failures, controller}
}

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part, 'latin1') : part
}

describe('ToNsqRun', () => {
  it('publishes every non-empty record in batches, the last one without newline intact', async () => {
    const {run, sink} = setup()
    const result = await run.run(chunks('a\nbb\n', '\nccc\nd', 'd\ne'))
    expect(result.stoppedBy).toBe('eof')
    expect(sink.bodies()).toEqual(['a', 'bb', 'ccc', 'dd', 'e'])
    expect(sink.batches.map((b) => b.length)).toEqual([3, 2])
    expect(run.stats).toMatchObject({records: 6, accepted: 5, published: 5, bytes: 9, skippedEmpty: 1})
  })

  it('--keep-empty reports empty records as not published (nsqd refuses empty bodies)', async () => {
    const {run, sink, failures} = setup({keepEmpty: true})
    await run.run(chunks('a\n\nb\n'))
    expect(sink.bodies()).toEqual(['a', 'b'])
    expect(failures.map((f) => [f.record, f.reason])).toEqual([[2, 'empty']])
  })

  it('--on-oversize skip records the oversize record with its line number and goes on', async () => {
    const {run, sink, failures} = setup({maxMessageBytes: 3, onOversize: 'skip'})
    const result = await run.run(chunks('abc\nabcd\nxyz\n'))
    expect(result.stoppedBy).toBe('eof')
    expect(sink.bodies()).toEqual(['abc', 'xyz'])
    expect(failures).toMatchObject([{record: 2, reason: 'oversize', body: Buffer.from('abcd')}])
  })

  it('--on-oversize fail stops reading at the oversize record but publishes what came before', async () => {
    const {run, sink, failures} = setup({maxMessageBytes: 3})
    const result = await run.run(chunks('abc\nab\nabcd\nxyz\n', 'more\n'))
    expect(result).toMatchObject({stoppedBy: 'bad-input', stoppedAt: {record: 3}})
    expect(sink.bodies()).toEqual(['abc', 'ab'])
    expect(failures.map((f) => f.record)).toEqual([3])
    expect(run.stats.records).toBe(3)
  })

  it('-n stops after N accepted records', async () => {
    const {run, sink} = setup({count: 4})
    const result = await run.run(chunks('1\n2\n\n3\n4\n5\n6\n'))
    expect(result.stoppedBy).toBe('count')
    expect(sink.bodies()).toEqual(['1', '2', '3', '4'])
  })

  it('--input-format json publishes envelope bodies, binary included; bad lines are recorded (skip) or stop the run (fail)', async () => {
    const binary = Buffer.from([0, 0xff, 0x0a, 0xfe])
    const input = `${encodeEnvelope({topic: 't', body: Buffer.from('hello\nworld')})}\n\n${encodeEnvelope({body: binary})}\nnot json\n{"body":"last"}`
    const skip = setup({inputFormat: 'json', onInvalid: 'skip'})
    await skip.run.run(chunks(input))
    expect(skip.sink.batches.flat().map((r) => r.body.toString('hex'))).toEqual([
      Buffer.from('hello\nworld').toString('hex'),
      binary.toString('hex'),
      Buffer.from('last').toString('hex'),
    ])
    expect(skip.failures).toMatchObject([{record: 4, reason: 'invalid_envelope', body: Buffer.from('not json')}])
    const fail = setup({inputFormat: 'json'})
    const result = await fail.run.run(chunks(input))
    expect(result).toMatchObject({stoppedBy: 'bad-input', stoppedAt: {record: 4}})
    expect(fail.sink.batches.flat()).toHaveLength(2)
  })

  it('--tee echoes exactly the accepted records with their delimiter', async () => {
    const echoed: Buffer[] = []
    const {run} = setup({
      maxMessageBytes: 3,
      onOversize: 'skip',
      tee: async (data) => {
        echoed.push(data)
      },
    })
    await run.run(chunks('a\r\nlong\n\nb'))
    expect(Buffer.concat(echoed).toString()).toBe('a\r\nb\n')
  })

  it('sends a partial batch after --batch-linger when the input stalls', async () => {
    const time = new FakeTime()
    const {run, sink} = setup({batchSize: 100, lingerMs: 5, timers: time})
    let release!: () => void
    const stalled = new Promise<void>((resolve) => (release = resolve))
    async function* input(): AsyncGenerator<Buffer> {
      yield Buffer.from('a\nb\n')
      await stalled
      yield Buffer.from('c\n')
    }
    const done = run.run(input())
    await settle()
    // The partial batch waits for the linger, and goes exactly when it ends.
    expect(time.delays).toEqual([5])
    time.advance(4)
    await settle()
    expect(sink.bodies()).toEqual([])
    time.advance(1)
    await settle()
    expect(sink.bodies()).toEqual(['a', 'b'])
    release()
    await done
    expect(sink.bodies()).toEqual(['a', 'b', 'c'])
  })

  it('reads no further input while the sink is not taking batches (backpressure)', async () => {
    const {run, sink} = setup({batchSize: 1})
    let open!: () => void
    sink.gate = new Promise<void>((resolve) => (open = resolve))
    let pulled = 0
    async function* input(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 100; i++) {
        pulled++
        yield Buffer.from(`${i}\n`)
      }
    }
    const done = run.run(input())
    await settle()
    expect(pulled).toBe(1)
    open()
    await done
    expect(pulled).toBe(100)
    expect(sink.bodies()).toHaveLength(100)
  })

  it('stops reading when aborted, publishes what was read, reports a partial last record and "interrupted"', async () => {
    const setupResult = setup({batchSize: 100, lingerMs: 10_000})
    const {run, sink, controller} = setupResult
    async function* input(): AsyncGenerator<Buffer> {
      yield Buffer.from('a\nb\npart')
      await new Promise(() => undefined)
    }
    const {failures} = setupResult
    const done = run.run(input())
    await settle()
    controller.abort('interrupt')
    const result = await done
    expect(result.stoppedBy).toBe('interrupted')
    expect(sink.bodies()).toEqual(['a', 'b'])
    // The bytes after the last newline are not a whole record: reported, not published, not lost.
    expect(failures).toMatchObject([{record: 3, reason: 'incomplete', body: Buffer.from('part')}])
  })

  it('counts without publishing in a dry run', async () => {
    const {run} = setup({sink: undefined, maxMessageBytes: 2, onOversize: 'skip'})
    await run.run(chunks('a\nbbb\nc\n'))
    expect(run.stats).toMatchObject({records: 3, accepted: 2, published: 0, failures: {oversize: 1}})
  })
})

describe('ToNsqRun.halt (nsqd refused for good, or the errors file failed)', () => {
  /** Input that yields `first`, then never ends (a pipe nobody closes); counts the pulls. */
  function endless(first: string): {input: AsyncGenerator<Buffer>; pulls: () => number} {
    let pulls = 0
    async function* input(): AsyncGenerator<Buffer> {
      pulls++
      yield Buffer.from(first)
      pulls++
      await new Promise(() => undefined)
    }
    return {input: input(), pulls: () => pulls}
  }

  it('a sink refusing the first batch halts the run: input not read further, every record read counted, the partial one reported', async () => {
    const failures: FailedRecord[] = []
    const refusing: BatchSink = {
      submit: async (batch) => {
        run.settled(
          [],
          batch.map((record) => ({record, error: new NsqError('E_INVALID', 'E_INVALID cannot PUB in current state (TLS required)')})),
        )
        run.halt('refused')
      },
      drain: async () => undefined,
    }
    const run: ToNsqRun = new ToNsqRun({
      delimiter: Buffer.from('\n'),
      inputFormat: 'raw',
      maxMessageBytes: 1000,
      maxBodyBytes: 10_000,
      batchSize: 2,
      lingerMs: 5,
      rate: 0,
      keepEmpty: false,
      onOversize: 'fail',
      onInvalid: 'fail',
      sink: refusing,
      signal: new AbortController().signal,
      onFailure: (f) => failures.push(f),
    })
    const {input, pulls} = endless('a\nb\nc\npart')
    const result = await run.run(input)
    expect(result.stoppedBy).toBe('refused')
    expect(pulls()).toBe(1)
    expect(run.stats).toMatchObject({records: 4, published: 0, failures: {publish_failed: 3, incomplete: 1}})
    expect(failures.map((f) => [f.record, f.reason]).sort()).toEqual([
      [1, 'publish_failed'],
      [2, 'publish_failed'],
      [3, 'publish_failed'],
      [4, 'incomplete'],
    ])
    expect(failures.find((f) => f.reason === 'incomplete')?.error).toBe('stopped before the end of this record')
  })

  it("a halt from onFailure in the middle of a chunk lets that chunk's records through (counted), then stops: the first cause is kept", async () => {
    const failures: FailedRecord[] = []
    const sink = new MemorySink()
    const run: ToNsqRun = new ToNsqRun({
      delimiter: Buffer.from('\n'),
      inputFormat: 'raw',
      maxMessageBytes: 1,
      maxBodyBytes: 10_000,
      batchSize: 3,
      lingerMs: 10,
      rate: 0,
      keepEmpty: false,
      onOversize: 'skip',
      onInvalid: 'fail',
      sink,
      signal: new AbortController().signal,
      onFailure: (f) => {
        failures.push(f)
        run.halt('errors-file')
        run.halt('refused')
      },
    })
    sink.run = run
    const {input, pulls} = endless('a\ntoo long\nb\n')
    const result = await run.run(input)
    expect(result.stoppedBy).toBe('errors-file')
    expect(pulls()).toBe(1)
    expect(sink.bodies()).toEqual(['a', 'b'])
    expect(run.stats).toMatchObject({records: 3, published: 2, failures: {oversize: 1}})
    expect(failures.map((f) => f.record)).toEqual([2])
  })
})
