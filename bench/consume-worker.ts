/**
 * One contestant of bench:consume, in its own process: drains COUNT messages of TOPIC/CHANNEL
 * from one nsqd and prints {"messages", "seconds"} measured from subscribe to the last FIN.
 * argv: ours|nsqjs <nsqd tcp address> <topic> <channel> <count> <max-in-flight>
 */
import {Consumer} from '../src/core/consumer/consumer.js'

const [kind, address, topic, channel, countText, mifText] = process.argv.slice(2) as [string, string, string, string, string, string]
const count = Number(countText)
const maxInFlight = Number(mifText)

async function ours(): Promise<number> {
  const consumer = new Consumer({topic, channel, nsqd: [address], maxInFlight, backoff: false})
  const started = performance.now()
  await consumer.start()
  let seen = 0
  for await (const message of consumer) {
    message.finish()
    if (++seen === count) break
  }
  const seconds = (performance.now() - started) / 1000
  await consumer.stop()
  return seconds
}

async function nsqjs(): Promise<number> {
  const nsq = await import('nsqjs')
  const Reader = nsq.default.Reader
  const reader = new Reader(topic, channel, {nsqdTCPAddresses: [address], maxInFlight})
  const started = performance.now()
  return new Promise((resolve) => {
    let seen = 0
    reader.on('message', (message) => {
      message.finish()
      if (++seen === count) {
        const seconds = (performance.now() - started) / 1000
        setTimeout(() => {
          reader.close()
          resolve(seconds)
        }, 50)
      }
    })
    reader.connect()
  })
}

const seconds = kind === 'ours' ? await ours() : await nsqjs()
process.stdout.write(`${JSON.stringify({messages: count, seconds})}\n`)
process.exit(0)
