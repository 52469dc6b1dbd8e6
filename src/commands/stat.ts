import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {NsqCommand} from '../cli/base-command.js'
import {tableStyle} from '../cli/color.js'
import type {DropInSpec} from '../cli/drop-in.js'
import {statDropIn} from '../cli/drop-in-specs.js'
import {DURATIONS_HELP, EXIT, exitCodesHelp} from '../cli/exit-codes.js'
import {LiveScreen} from '../cli/live-screen.js'
import {addressMap, durationFlag, httpOptions, lookupdHttpAddressFlag, nsqdHttpAddressFlag, securityFlags} from '../cli/flags.js'
import {isBrokenPipe, watchStdout, writeWithBackpressure} from '../cli/stdout.js'
import {canRedraw} from '../cli/terminal.js'
import {stoppedExitCode, type ToolResult} from '../tools/result.js'
import {StatCollector} from '../tools/stat/collector.js'
import type {NodeRow, StatView} from '../tools/stat/model.js'
import {parseNameFilter, type NameFilter} from '../tools/stat/name-filter.js'
import {StatOutput, type OutputMode} from '../tools/stat/output.js'
import {SORT_KEYS, sortRows} from '../tools/stat/sort.js'
import {describeBreach, evaluate, parseThreshold, RATE_METRICS, type Threshold} from '../tools/stat/threshold.js'
import {buildView} from '../tools/stat/view.js'
import {watch} from '../tools/stat/watch.js'

/** The TLS / auth flags that matter to the HTTP APIs (the TCP-only ones would only clutter --help). */
const {
  compression: _compression,
  'deflate-level': _deflateLevel,
  'auth-secret': _authSecret,
  'auth-secret-file': _authSecretFile,
  'tls-min-version': _tlsMinVersion,
  ...httpSecurityFlags
} = securityFlags

export default class Stat extends NsqCommand<typeof Stat> {
  static override summary = 'Live stats of topics and channels across the cluster (nsq_stat, and more)'

  static override description = `Polls every nsqd's /stats (found through nsqlookupd, or given with --nsqd-http-address) and shows nsq_stat's columns per channel: ingress / egress rate (messages per second over the real time between polls), depth (total, in memory, on disk), in flight, deferred, requeued, timed out, messages and clients; plus paused, a drain estimate (depth ÷ net egress) and hints for stuck channels.

With no topic it shows every topic and channel (filter with a name, a glob such as 'orders.*' or a /regex/). On a terminal the table is redrawn in place (q or Ctrl-C quits); piped, it prints nsq_stat's append-only rows with the header every 25 lines; --json prints one object per tick (NDJSON), --output csv one line per channel per tick. An unreachable nsqd is shown as down; stat keeps polling.

--prometheus ADDRESS serves the same polls as Prometheus metrics instead of printing them: GET http://ADDRESS/metrics polls every nsqd and lookupd at scrape time (one poll is shared by the scrapes of --prometheus-cache), with node, topic and channel labels, counters as *_total, nsq_up per nsqd and lookupd, and nsqd's e2e latency quantiles. A bare port listens on 127.0.0.1; give 0.0.0.0:PORT to listen on every interface. The names are lovoo/nsq_exporter's (the README maps them to it and to nsqd's statsd names).

A topic without channels is shown as a topic/(no channel) row (its own queue: ingress, depth, messages) in every output; --json lists every matched topic in "topics".

--fail-if 'METRIC OP VALUE' (repeatable) stops at the first tick where a channel or a topic without channels meets it and exits 99: metrics depth, mem, disk, in_flight, deferred, requeued, timed_out, messages, clients, paused, nodes, ingress_rate, egress_rate, requeue_rate, timeout_rate, drain_eta (seconds, or 30s / 10m), and down (nsqd unreachable); a topic row has depth, mem, disk, messages, paused, nodes and ingress_rate. A --topic / --channel that matches nothing while lookupd or nsqd answer also exits 99 with --fail-if (nothing to check is a failed check).

${DURATIONS_HELP}

${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.USAGE, EXIT.UNAVAILABLE, EXIT.THRESHOLD, EXIT.INTERRUPTED], {[EXIT.OK]: 'ok (also when stopped with Ctrl-C or q)', [EXIT.UNAVAILABLE]: 'no nsqd or lookupd answered', [EXIT.INTERRUPTED]: 'forced exit (a second Ctrl-C)'})}`

  static override examples = [
    {
      description: 'Watch one channel, like nsq_stat',
      command: '<%= config.bin %> stat --lookupd-http-address 127.0.0.1:4161 --topic orders --channel archive',
    },
    {
      description: 'Every topic and channel in the cluster, the deepest first',
      command: '<%= config.bin %> stat --lookupd-http-address 127.0.0.1:4161 --sort depth --top 20',
    },
    {
      description: 'One NDJSON line per tick for scripts',
      command:
        "<%= config.bin %> stat --lookupd-http-address 127.0.0.1:4161 --topic 'orders.*' --json --interval 5s | jq -c '.channels[] | {topic, channel, depth}'",
    },
    {
      description: 'A monitoring check: exit 99 when a backlog grows too deep or a channel has no consumer',
      command: "<%= config.bin %> stat --lookupd-http-address 127.0.0.1:4161 --once --fail-if 'depth>10000' --fail-if 'clients==0'",
    },
    {
      description: 'A Prometheus endpoint for the whole cluster on http://127.0.0.1:9117/metrics',
      command: '<%= config.bin %> stat --lookupd-http-address 127.0.0.1:4161 --prometheus 9117',
    },
    {
      description: 'Per-node breakdown as CSV',
      command:
        '<%= config.bin %> stat --nsqd-http-address 10.0.0.1:4151 --nsqd-http-address 10.0.0.2:4151 --by-node --output csv --count 30 > stats.csv',
    },
  ]

  static override args = {
    topic: Args.string({description: 'topic name, glob or /regex/ (same as --topic)', ignoreStdin: true}),
    channel: Args.string({description: 'channel name, glob or /regex/ (same as --channel)', ignoreStdin: true}),
  }

  static override flags = {
    topic: Flags.string({char: 't', summary: 'topic: a name, a glob (orders.*) or a /regex/; all topics when left out'}),
    channel: Flags.string({char: 'c', summary: 'channel: a name, a glob or a /regex/; all channels when left out'}),
    'nsqd-http-address': nsqdHttpAddressFlag,
    'lookupd-http-address': lookupdHttpAddressFlag,
    interval: durationFlag({char: 'i', summary: 'time between polls', default: 2000, defaultHelp: async () => '2s'}),
    count: Flags.integer({char: 'n', min: 1, summary: 'stop after this many intervals (nsq_stat: N rows)'}),
    once: Flags.boolean({summary: 'poll once, print, exit (no rates)', exclusive: ['count']}),
    json: Flags.boolean({summary: 'one JSON object per tick on stdout (NDJSON), same as --output json'}),
    output: Flags.option({
      char: 'o',
      options: ['table', 'rows', 'csv', 'json'] as const,
      summary: "table (live, default on a terminal), rows (nsq_stat's format, default when piped), csv or json",
    })(),
    'by-node': Flags.boolean({summary: 'one row per nsqd and channel instead of cluster totals'}),
    sort: Flags.option({options: SORT_KEYS, default: 'name' as const, summary: 'order of channel rows (numbers: largest first)'})(),
    top: Flags.integer({min: 1, summary: 'show only the first N channel rows (after --sort)'}),
    'fail-if': Flags.string({
      multiple: true,
      summary:
        "exit 99 at the first tick a channel or channel-less topic meets METRIC OP VALUE, e.g. 'depth>10000' (repeatable; one met is enough)",
    }),
    'http-timeout': durationFlag({
      summary: 'timeout of each HTTP request (capped at --interval)',
      default: 5000,
      defaultHelp: async () => '5s',
    }),
    prometheus: Flags.string({
      summary: 'serve Prometheus metrics on ADDRESS/metrics instead of printing (PORT or HOST:PORT; a bare port is 127.0.0.1)',
      helpValue: '<address>',
      exclusive: ['once', 'count', 'json', 'output', 'fail-if', 'by-node', 'sort', 'top'],
    }),
    'prometheus-cache': durationFlag({
      summary: 'with --prometheus: scrapes this close together share one poll of the cluster',
      default: 1000,
      defaultHelp: async () => '1s',
    }),
    ...httpSecurityFlags,
  }

  /** nsq_stat's Go flags → ours: the names match; its HTTP timeouts map to --http-timeout. */
  static dropIn: DropInSpec = statDropIn

  private nodeState = new Map<string, NodeRow['status']>()
  private saidEmpty = false

  async run(): Promise<void> {
    this.complete(this.flags.prometheus === undefined ? await this.watchCluster() : await this.serveMetrics(this.flags.prometheus))
  }

  /** `--prometheus`: serves /metrics until stopped; each scrape polls the cluster (or reuses a poll under --prometheus-cache). */
  private async serveMetrics(address: string): Promise<ToolResult<undefined>> {
    const f = this.flags
    const security = {...f, compression: 'none' as const, 'deflate-level': 6}
    const nsqd = f['nsqd-http-address'] ?? []
    const lookupd = f['lookupd-http-address'] ?? []
    if (nsqd.length === 0 && lookupd.length === 0) {
      this.usage('give --lookupd-http-address (or --nsqd-http-address) to say which cluster to export', [
        'nsq stat --lookupd-http-address 127.0.0.1:4161 --prometheus 9117',
      ])
    }
    const collector = new StatCollector({
      nsqd,
      lookupd,
      topic: this.filter('topic', f.topic, this.args.topic),
      channel: this.filter('channel', f.channel, this.args.channel),
      http: httpOptions(security, f['http-timeout']),
      addressMap: addressMap(security),
      raw: true,
    })
    const [{loadPromClient}, {ClusterExporter}, {startMetricsServer}] = await Promise.all([
      import('../tools/metrics/prom-client.js'),
      import('../tools/metrics/cluster-exporter.js'),
      import('../tools/metrics/metrics-server.js'),
    ])
    const exporter = new ClusterExporter(await loadPromClient(), {
      poll: (signal) => collector.poll(signal),
      cacheMs: f['prometheus-cache'],
    })
    const server = await startMetricsServer(address, '--prometheus', () => exporter.render(this.signal))
    this.status(`serving Prometheus metrics on http://${server.address}/metrics (Ctrl-C stops)`)
    try {
      await new Promise<void>((resolve) => {
        if (this.signal.aborted) resolve()
        this.signal.addEventListener('abort', () => resolve(), {once: true})
      })
    } finally {
      await server.close()
    }
    return {summary: undefined, exitCode: stoppedExitCode('follower')}
  }

  /** Polls until stopped, `--count` or `--once`, or a `--fail-if` is met; the exit code is the result. */
  private async watchCluster(): Promise<ToolResult<undefined>> {
    const f = this.flags
    // The HTTP APIs need no TCP compression settings; fill them so the shared converters apply.
    const security = {...f, compression: 'none' as const, 'deflate-level': 6}
    const topic = this.filter('topic', f.topic, this.args.topic)
    const channel = this.filter('channel', f.channel, this.args.channel)
    const nsqd = f['nsqd-http-address'] ?? []
    const lookupd = f['lookupd-http-address'] ?? []
    if (nsqd.length === 0 && lookupd.length === 0) {
      this.usage('give --lookupd-http-address (or --nsqd-http-address) to say which cluster to watch', [
        'nsq stat --lookupd-http-address 127.0.0.1:4161',
      ])
    }
    if (!(f.interval > 0)) this.usage('--interval must be more than 0')
    const thresholds = this.thresholds(f['fail-if'] ?? [], f.once)
    const mode = this.mode()
    const output = new StatOutput({
      mode,
      single: topic?.kind === 'exact' && channel?.kind === 'exact' && !f['by-node'],
      byNode: f['by-node'],
      intervalMs: f.interval,
      once: f.once,
      tableStyle: tableStyle(this.colored),
      maxRows: () => (process.stdout.rows === undefined ? undefined : process.stdout.rows - 8),
    })
    const collector = new StatCollector({
      nsqd,
      lookupd,
      topic,
      channel,
      // A poll must not outlast its interval, but `--once` has none: it waits the whole --http-timeout.
      http: httpOptions(security, f.once ? f['http-timeout'] : Math.min(f['http-timeout'], Math.max(f.interval, 250))),
      addressMap: addressMap(security),
    })
    let stdoutError: NodeJS.ErrnoException | undefined
    const unwatch = watchStdout((error) => {
      if (!isBrokenPipe(error)) stdoutError = error
      this.stop('epipe')
    })
    const screen = new LiveScreen({
      onQuit: () => this.stop('interrupt'),
      onInterrupt: () => this.handleSignal('SIGINT'),
      write: (text) => this.write(text),
    })
    let last: StatView | undefined
    try {
      for await (const tick of watch(collector, {intervalMs: f.interval, count: f.count, once: f.once, signal: this.signal})) {
        const view = buildView(tick.previous, tick.snapshot, {byNode: f['by-node']})
        last = view
        if (mode !== 'table') {
          this.reportNodeChanges(view)
          this.reportEmpty(view, topic, channel)
        }
        const rows = sortRows(view.channels, f.sort, f.top)
        const checked = thresholds.length > 0 && (tick.index > 0 || f.once)
        const breaches = checked ? evaluate(thresholds, view) : []
        const rendered = output.render(tick.index, view, rows, breaches)
        if (rendered.frame) await screen.draw(() => output.render(tick.index, view, rows, breaches).text)
        else await this.write(rendered.text)
        if (breaches.length > 0) {
          screen.end()
          for (const breach of breaches) this.alert(`threshold met: ${describeBreach(breach)}`)
          return {summary: undefined, exitCode: EXIT.THRESHOLD}
        }
        // A check that finds nothing to check has failed: the named topic / channel is missing.
        if (checked && (topic !== undefined || channel !== undefined) && isEmpty(view) && !allDown(view)) {
          screen.end()
          this.alert(`--fail-if: nothing to check: ${describeMissing(view, topic, channel)}`)
          return {summary: undefined, exitCode: EXIT.THRESHOLD}
        }
      }
    } finally {
      screen.end()
      unwatch()
    }
    if (stdoutError !== undefined) this.error(`stdout: ${stdoutError.message}`, {exit: EXIT.FAILURE})
    if (last !== undefined && this.stopReason === undefined && allDown(last)) {
      this.alert('no nsqd or lookupd answered: is the cluster up, and are the addresses right?')
      return {summary: undefined, exitCode: EXIT.UNAVAILABLE}
    }
    // A follower: stopped by Ctrl-C or the reader of stdout leaving, it ends 0 (tools/result.ts).
    return {summary: undefined, exitCode: this.stopReason === undefined ? EXIT.OK : stoppedExitCode('follower')}
  }

  private filter(name: 'topic' | 'channel', flag: string | undefined, arg: string | undefined): NameFilter | undefined {
    if (flag !== undefined && arg !== undefined && flag !== arg)
      this.usage(`the ${name} is given twice (argument "${arg}" and --${name} "${flag}")`)
    const text = flag ?? arg
    if (text === undefined) return undefined
    try {
      return parseNameFilter(text, name)
    } catch (error) {
      this.usage((error as Error).message)
    }
  }

  private thresholds(texts: readonly string[], once: boolean): Threshold[] {
    const parsed: Threshold[] = []
    for (const text of texts) {
      try {
        parsed.push(parseThreshold(text))
      } catch (error) {
        this.usage((error as Error).message)
      }
    }
    const rate = parsed.find((t) => RATE_METRICS.has(t.metric))
    if (once && rate !== undefined)
      this.usage(`--fail-if "${rate.source}" needs a rate, which takes two polls: use --count 1 instead of --once`)
    return parsed
  }

  private mode(): OutputMode {
    const {json, output} = this.flags
    if (json && output !== undefined && output !== 'json') this.usage(`--json and --output ${output} disagree`)
    if (json) return 'json'
    if (output !== undefined) return output
    // Run as the nsq_stat drop-in, keep its rows even on a terminal.
    const invokedAs = path.basename(process.argv[1] ?? '')
    return canRedraw(process.stdout) && !invokedAs.startsWith('nsq_stat') ? 'table' : 'rows'
  }

  /** Tells stderr when a node goes down or comes back (the table shows it itself). */
  private reportNodeChanges(view: StatView): void {
    for (const node of view.nodes) {
      const before = this.nodeState.get(node.address)
      if (before !== node.status && (node.status === 'down' || before !== undefined)) {
        this.status(node.status === 'down' ? `nsqd ${node.address} is DOWN: ${node.error ?? ''}` : `nsqd ${node.address} is back up`)
      }
      this.nodeState.set(node.address, node.status)
    }
    for (const l of view.lookupd) {
      const key = `lookupd ${l.address}`
      const before = this.nodeState.get(key)
      if (before !== l.status && (l.status === 'down' || before !== undefined))
        this.status(l.status === 'down' ? `${key} is DOWN: ${l.error ?? ''}` : `${key} is back up`)
      this.nodeState.set(key, l.status)
    }
  }

  /** Says once on stderr (and again after it changes) that nothing matches yet. */
  private reportEmpty(view: StatView, topic: NameFilter | undefined, channel: NameFilter | undefined): void {
    const empty = isEmpty(view)
    if (empty && !this.saidEmpty && !allDown(view)) this.status(`${describeMissing(view, topic, channel)} (yet)`)
    this.saidEmpty = empty
  }

  /** Writes to stdout, waiting for 'drain' when the pipe is full (or until stopped). */
  private async write(text: string): Promise<void> {
    await writeWithBackpressure(text, this.signal)
  }
}

function isEmpty(view: StatView): boolean {
  return view.channels.length === 0 && view.topics.length === 0
}

/** `no topic matching orders on 3 nsqd`, or `… : lookupd lists no nsqd with it` when none was polled. */
function describeMissing(view: StatView, topic: NameFilter | undefined, channel: NameFilter | undefined): string {
  const what =
    topic === undefined
      ? channel === undefined
        ? 'no topics'
        : `no channel matching ${channel.source}`
      : `no topic matching ${topic.source}${channel === undefined ? '' : ` with a channel matching ${channel.source}`}`
  return view.nodes.length === 0 ? `${what}: lookupd lists no nsqd carrying it` : `${what} on ${view.nodes.length} nsqd`
}

function allDown(view: StatView): boolean {
  const nodesUp = view.nodes.some((n) => n.status === 'up')
  const lookupdUp = view.lookupd.some((l) => l.status === 'up')
  return !nodesUp && !lookupdUp
}
