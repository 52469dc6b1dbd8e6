/**
 * Worker-thread entry for `--threads`: runs one bench client (a BenchPublisher or
 * BenchSubscriber) on its own thread, so several clients use several cores as Go's
 * bench_writer / bench_reader do. Talks to ThreadedPublisher / ThreadedSubscriber
 * (threaded-clients.ts) with the messages typed there; times cross threads as epoch ms.
 */
import {parentPort, workerData} from 'node:worker_threads'
import {isNsqError} from '../../core/index.js'
import {benchClock} from './clock.js'
import {BenchPublisher, type PublisherPlan} from './publisher.js'
import {BenchSubscriber, type SubscriberPlan} from './subscriber.js'
import {reviveSettings, type ToWorker, type WorkerInput, type FromWorker} from './threaded-clients.js'

const port = parentPort
if (port === null) throw new Error('client-worker must run in a worker thread')
const input = workerData as WorkerInput
const clock = benchClock
const local = (epoch: number): number => epoch - clock.toEpochMs(0)
const post = (message: FromWorker): void => port.postMessage(message)
let stopped = false

function failure(error: unknown): FromWorker {
  return {
    type: 'failed',
    code: isNsqError(error) ? error.code : 'CONNECTION_FAILED',
    message: error instanceof Error ? error.message : String(error),
  }
}

if (input.role === 'pub') {
  const plan: PublisherPlan = {...input.plan, settings: reviveSettings(input.plan.settings)}
  const publisher = new BenchPublisher(plan, clock)
  const progress = setInterval(() => post({type: 'progress', count: publisher.acknowledged, measured: publisher.measured}), 100)
  progress.unref()
  port.on('message', (message: ToWorker) => {
    if (message.type === 'connect')
      publisher.connect().then(
        () => post({type: 'connected'}),
        (error: unknown) => post(failure(error)),
      )
    else if (message.type === 'stop') stopped = true
    else if (message.type === 'run') {
      const window = {
        start: local(message.startEpoch),
        measureStart: local(message.measureStartEpoch),
        deadline: message.deadlineEpoch === null ? undefined : local(message.deadlineEpoch),
        stopped: () => stopped,
      }
      void (async () => {
        await publisher.run(window)
        await publisher.close().catch(() => undefined)
        clearInterval(progress)
        post({
          type: 'done',
          report: {
            measured: publisher.measured,
            total: publisher.acknowledged,
            measuredBytes: publisher.measured * plan.size,
            errors: publisher.errors,
            disconnects: publisher.disconnects,
            reconnects: publisher.reconnects,
            gaveUp: publisher.gaveUp,
            lastError: publisher.lastError?.message,
            lastAtEpoch: publisher.lastAckAt === undefined ? undefined : clock.toEpochMs(publisher.lastAckAt),
            histogram: publisher.histogram,
          },
        })
        port.close()
      })()
    }
  })
} else {
  const plan: SubscriberPlan = {...input.plan, settings: reviveSettings(input.plan.settings)}
  const subscriber = new BenchSubscriber(plan, clock)
  let count = 0
  let measured = 0
  const flush = (): void => {
    if (count === 0) return
    post({type: 'progress', count, measured})
    count = 0
    measured = 0
  }
  const progress = setInterval(flush, 20)
  progress.unref()
  port.on('message', (message: ToWorker) => {
    if (message.type === 'connect')
      subscriber.start().then(
        () => post({type: 'connected'}),
        (error: unknown) => post(failure(error)),
      )
    else if (message.type === 'stop') void subscriber.stop()
    else if (message.type === 'run') {
      void (async () => {
        await subscriber.run(local(message.measureStartEpoch), {
          received: (n, m) => {
            count += n
            measured += m
          },
        })
        await subscriber.stop()
        clearInterval(progress)
        flush()
        post({
          type: 'done',
          report: {
            measured: subscriber.measured,
            total: subscriber.received,
            measuredBytes: subscriber.measuredBytes,
            errors: subscriber.nonFatal,
            disconnects: subscriber.disconnects,
            reconnects: subscriber.reconnects,
            gaveUp: false,
            lastError: undefined,
            lastAtEpoch: subscriber.lastAt === undefined ? undefined : clock.toEpochMs(subscriber.lastAt),
            histogram: subscriber.histogram,
          },
        })
        port.close()
      })()
    }
  })
}
