/**
 * npm run demo — starts a throw-away nsqlookupd + nsqd on free loopback ports and runs the
 * toolkit's main job against them: publish a batch of log lines through nsq-toolkit, read
 * them back, show the topic's stats. Everything it starts is stopped at the end.
 */
import {Producer} from '../src/core/producer/producer.js'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {LookupdHttpClient} from '../src/core/http/lookupd-client.js'
import {startLookupd, startNsqd, stopAllServices} from '../test/support/nsq.js'
import {readWithNsqTail} from '../test/support/official.js'
import {ensureNsqBinaries} from '../bench/lib.js'

const say = (line: string): boolean => process.stderr.write(`${line}\n`)

async function main(): Promise<void> {
  ensureNsqBinaries()
  const lookupd = await startLookupd()
  const nsqd = await startNsqd({lookupd: [lookupd]})
  say(`nsqlookupd on ${lookupd.httpAddress} (HTTP), nsqd on ${nsqd.tcpAddress} (TCP) / ${nsqd.httpAddress} (HTTP)`)
  try {
    const lines = Array.from({length: 10_000}, (_, i) => Buffer.from(`${new Date().toISOString()} level=info request_id=${i} path=/api/orders status=200`))
    const producer = new Producer({nsqd: [nsqd.tcpAddress]})
    const started = performance.now()
    for (let i = 0; i < lines.length; i += 500) await producer.multiPublish('demo_logs', lines.slice(i, i + 500))
    await producer.close()
    say(`published ${lines.length} lines to topic demo_logs in ${(performance.now() - started).toFixed(0)} ms (MPUB, batches of 500)`)
    const read = await readWithNsqTail(nsqd.tcpAddress, 'demo_logs', 5)
    say('first lines read back by nsq_tail:')
    for (const line of read) process.stdout.write(`${line.toString()}\n`)
    const stats = await new NsqdHttpClient(nsqd.httpAddress).stats({topic: 'demo_logs'})
    const topic = stats.topics[0]
    say(`stats: topic ${topic?.topic_name} messages=${topic?.message_count} channels=${topic?.channels.map((c) => `${c.channel_name}(depth ${c.depth})`).join(', ')}`)
    const producers = await new LookupdHttpClient(lookupd.httpAddress).lookup('demo_logs')
    say(`nsqlookupd knows demo_logs on: ${producers.producers.map((p) => `${p.broadcast_address}:${p.tcp_port}`).join(', ') || '(not registered yet)'}`)
  } finally {
    await stopAllServices()
  }
}

await main()
