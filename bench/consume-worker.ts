/**
 * One contestant of bench:consume, in its own process: consumes TOPIC/CHANNEL from one nsqd for
 * RUNFOR ms (timed from before connecting, as bench_reader does), finishing every message, and
 * prints {"messages", "seconds"}.
 * argv: ours|nsqjs <nsqd tcp address> <topic> <channel> <runfor ms> <max-in-flight> [connections]
 */
import {Consumer} from '../src/core/consumer/consumer.js'

const [kind, address, topic, channel, runforText, mifText, connectionsText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string | undefined,
]
const runforMs = Number(runforText)
const maxInFlight = Number(mifText)
/** Connections to open, each with RDY max-in-flight (bench_reader opens GOMAXPROCS of them). */
const connections = Number(connectionsText ?? 1)

async function ours(): Promise<{messages: number; seconds: number}> {
  // One Consumer per connection (a Consumer keeps one connection per nsqd), as bench_reader does.
  const consumers = Array.from({length: connections}, () => new Consumer({topic, channel, nsqd: [address], maxInFlight, backoff: false}))
  const started = performance.now()
  let counting = true
  let messages = 0
  const timer = setTimeout(() => (counting = false), runforMs)
  await Promise.all(consumers.map((c) => c.start()))
  const drain = async (consumer: Consumer): Promise<void> => {
    for await (const message of consumer) {
      message.finish()
      if (!counting) break
      messages++
    }
  }
  const loops = consumers.map((c) => drain(c))
  await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, runforMs - (performance.now() - started))))
  counting = false
  const seconds = (performance.now() - started) / 1000
  clearTimeout(timer)
  await Promise.all(consumers.map((c) => c.stop({timeoutMs: 1000})))
  await Promise.all(loops)
  return {messages, seconds}
}

async function nsqjs(): Promise<{messages: number; seconds: number}> {
  const nsq = await import('nsqjs')
  const Reader = nsq.default.Reader
  const readers = Array.from({length: connections}, () => new Reader(topic, channel, {nsqdTCPAddresses: [address], maxInFlight}))
  const started = performance.now()
  let messages = 0
  let counting = true
  for (const reader of readers) {
    reader.on('message', (message) => {
      message.finish()
      if (counting) messages++
    })
    reader.connect()
  }
  await new Promise<void>((resolve) => setTimeout(resolve, runforMs))
  counting = false
  const seconds = (performance.now() - started) / 1000
  for (const r of readers) r.close()
  return {messages, seconds}
}

const result = kind === 'ours' ? await ours() : await nsqjs()
process.stdout.write(`${JSON.stringify(result)}\n`)
process.exit(0)
