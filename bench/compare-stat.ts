/**
 * bench:compare section `stat` (SECTIONS=stat): what one `nsq stat` poll costs on a busy nsqd,
 * 300 topics × 2 channels with 300 consumers connected (one per topic). Ours asks `/stats` with
 * `include_clients=false` (and with the topic filter when one topic is watched) and aggregates;
 * "theirs" is the same `/stats` with clients, as nsqadmin and most exporters poll it. Polls per
 * second, in process, sequential, alternating rounds; medians. Response sizes are quoted.
 * Env: ROUNDS (3), POLLS (40), CONSUMERS (300).
 */
import {Consumer} from '../src/core/consumer/consumer.js'
import {NsqdHttpClient} from '../src/core/http/nsqd-client.js'
import {StatCollector} from '../src/tools/stat/collector.js'
import {parseNameFilter} from '../src/tools/stat/name-filter.js'
import {buildView} from '../src/tools/stat/view.js'
import {startNsqd} from '../test/support/nsq.js'
import type {ComparisonRow} from './compare.js'
import {fmt, median} from './lib.js'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const POLLS = Number(process.env.POLLS ?? 40)
const TOPICS = 300
const CONSUMERS = Number(process.env.CONSUMERS ?? 300)

async function rate(polls: number, poll: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < polls; i++) await poll()
  return polls / ((performance.now() - started) / 1000)
}

async function bytes(url: string): Promise<number> {
  return (await (await fetch(url)).arrayBuffer()).byteLength
}

export async function compare(): Promise<ComparisonRow[]> {
  const nsqd = await startNsqd()
  const consumers: Consumer[] = []
  try {
    const http = new NsqdHttpClient(nsqd.httpAddress)
    for (let t = 0; t < TOPICS; t++) {
      const topic = `bench_stat_${String(t).padStart(3, '0')}`
      await http.createTopic(topic)
      await http.createChannel(topic, 'a')
      await http.createChannel(topic, 'b')
      await http.mpub(
        topic,
        Array.from({length: 10}, (_, i) => Buffer.from(`m${i}`)),
      )
    }
    for (let c = 0; c < CONSUMERS; c++) {
      const consumer = new Consumer({
        topic: `bench_stat_${String(c).padStart(3, '0')}`,
        channel: 'a',
        nsqd: [nsqd.tcpAddress],
        maxInFlight: 1,
      })
      await consumer.start()
      consumers.push(consumer)
    }
    const overview = new StatCollector({nsqd: [nsqd.httpAddress]})
    const oneTopic = new StatCollector({nsqd: [nsqd.httpAddress], topic: parseNameFilter('bench_stat_007')})
    const ours = async (collector: StatCollector): Promise<void> => {
      buildView(undefined, await collector.poll())
    }
    const theirs = async (): Promise<void> => {
      await http.stats({includeClients: true})
    }
    const results = {overview: [] as number[], oneTopic: [] as number[], withClients: [] as number[]}
    for (let round = 0; round < ROUNDS; round++) {
      const order =
        round % 2 === 0 ? (['overview', 'oneTopic', 'withClients'] as const) : (['withClients', 'oneTopic', 'overview'] as const)
      for (const which of order) {
        const r =
          which === 'withClients' ? await rate(POLLS, theirs) : await rate(POLLS, () => ours(which === 'overview' ? overview : oneTopic))
        results[which].push(r)
        process.stderr.write(`round ${round + 1} ${which}: ${fmt(r, 1)} polls/s\n`)
      }
    }
    const base = `http://${nsqd.httpAddress}/stats?format=json&include_mem=false`
    const sizes = {
      withClients: await bytes(`${base}&include_clients=true`),
      overview: await bytes(`${base}&include_clients=false`),
      oneTopic: await bytes(`${base}&include_clients=false&topic=bench_stat_007`),
    }
    const kib = (n: number): string => `${fmt(n / 1024, 1)} KiB`
    const setting = `${TOPICS} topics × 2 channels, ${CONSUMERS} consumers`
    // One row: watching one topic (topic filter, no clients) against the unfiltered /stats with
    // clients. The cluster overview (no filter, no clients, parsed and aggregated) is quoted: it
    // costs about what the bare request with clients costs, with a smaller response.
    return [
      {
        name: `stat one-topic poll (topic filter, no clients) vs /stats with clients, ${setting}`,
        ours: median(results.oneTopic),
        theirs: median(results.withClients),
        unit: 'polls/s',
        target: 1,
        notes: `response ${kib(sizes.oneTopic)} vs ${kib(sizes.withClients)}; overview poll of every topic (no clients, aggregated) ${fmt(median(results.overview), 0)} polls/s, response ${kib(sizes.overview)}`,
      },
    ]
  } finally {
    await Promise.all(consumers.map((c) => c.stop({timeoutMs: 500})))
    await nsqd.stop()
  }
}
