/**
 * One contestant of bench:consume, in its own process: drains COUNT messages of TOPIC/CHANNEL
 * from one nsqd and prints {"messages", "seconds"} measured from subscribe to the last FIN.
 * argv: ours|nsqjs <nsqd tcp address> <topic> <channel> <count> <max-in-flight> [connections]
 */
import {Consumer} from '../src/core/consumer/consumer.js'

const [kind, address, topic, channel, countText, mifText, connectionsText] = process.argv.slice(2) as [string, string, string, string, string, string, string | undefined]
const count = Number(countText)
const maxInFlight = Number(mifText)
/** Connections to open, each with RDY max-in-flight (bench_reader opens GOMAXPROCS of them). */
const connections = Number(connectionsText ?? 1)

async function ours(): Promise<number> {
  // One Consumer per connection (a Consumer keeps one connection per nsqd), as bench_reader does.
  const consumers = Array.from({length: connections}, () => new Consumer({topic, channel, nsqd: [address], maxInFlight, backoff: false}))
  const started = performance.now()
  await Promise.all(consumers.map((c) => c.start()))
  let seen = 0
  let finish: () => void = () => undefined
  const done = new Promise<void>((resolve) => (finish = resolve))
  const drain = async (consumer: Consumer): Promise<void> => {
    for await (const message of consumer) {
      message.finish()
      if (++seen >= count) {
        finish()
        break
      }
    }
  }
  const loops = consumers.map((c) => drain(c))
  await done
  const seconds = (performance.now() - started) / 1000
  await Promise.all(consumers.map((c) => c.stop()))
  await Promise.all(loops)
  return seconds
}

async function nsqjs(): Promise<number> {
  const nsq = await import('nsqjs')
  const Reader = nsq.default.Reader
  const readers = Array.from({length: connections}, () => new Reader(topic, channel, {nsqdTCPAddresses: [address], maxInFlight}))
  const started = performance.now()
  return new Promise((resolve) => {
    let seen = 0
    for (const reader of readers) {
      reader.on('message', (message) => {
        message.finish()
        if (++seen === count) {
          const seconds = (performance.now() - started) / 1000
          setTimeout(() => {
            for (const r of readers) r.close()
            resolve(seconds)
          }, 50)
        }
      })
      reader.connect()
    }
  })
}

const seconds = kind === 'ours' ? await ours() : await nsqjs()
process.stdout.write(`${JSON.stringify({messages: count, seconds})}\n`)
process.exit(0)
