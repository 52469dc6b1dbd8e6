import Table from 'cli-table3'
import {NsqCommand} from '../../cli/base-command.js'
import {tableStyle} from '../../cli/color.js'
import {EXIT, exitCodesHelp} from '../../cli/exit-codes.js'
import {
  addressMap,
  durationFlag,
  httpOptions,
  jsonSummaryFlag,
  lookupdHttpAddressFlag,
  nsqdHttpAddressFlag,
  securityFlags,
} from '../../cli/flags.js'
import {formatDuration} from '../../cli/units.js'
import {nodesReport, type NodesReport} from '../../tools/stat/nodes-report.js'

/** The TLS / auth flags that matter to the HTTP APIs (the TCP-only ones would only clutter --help). */
const {
  compression: _compression,
  'deflate-level': _deflateLevel,
  'auth-secret': _authSecret,
  'auth-secret-file': _authSecretFile,
  'tls-min-version': _tlsMinVersion,
  ...httpSecurityFlags
} = securityFlags

export default class StatNodes extends NsqCommand<typeof StatNodes> {
  static override summary = "The nsqd nodes of the cluster: addresses, version, state and topics (nsqadmin's Nodes page)"

  static override description = `Lists every nsqd registered with the lookupd (merged across them, with which lookupd lists it) and any given with --nsqd-http-address, asks each for /info and /stats, and shows its addresses, version, health, uptime and topics (with depth; tombstoned topics marked). An unreachable node or lookupd is shown as DOWN.

${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.USAGE, EXIT.UNAVAILABLE], {[EXIT.UNAVAILABLE]: 'no nsqd or lookupd answered'})}`

  static override examples = [
    '<%= config.bin %> stat nodes --lookupd-http-address 127.0.0.1:4161',
    "<%= config.bin %> stat nodes --lookupd-http-address 127.0.0.1:4161 --json | jq '.nodes[] | {address, version, status}'",
  ]

  static override enableJsonFlag = true

  static override flags = {
    json: jsonSummaryFlag,
    'nsqd-http-address': nsqdHttpAddressFlag,
    'lookupd-http-address': lookupdHttpAddressFlag,
    'http-timeout': durationFlag({summary: 'timeout of each HTTP request', default: 5000, defaultHelp: async () => '5s'}),
    ...httpSecurityFlags,
  }

  async run(): Promise<NodesReport> {
    const f = this.flags
    // The HTTP APIs need no TCP compression settings; fill them so the shared converters apply.
    const security = {...f, compression: 'none' as const, 'deflate-level': 6}
    const nsqd = f['nsqd-http-address'] ?? []
    const lookupd = f['lookupd-http-address'] ?? []
    if (nsqd.length === 0 && lookupd.length === 0)
      this.usage('give --lookupd-http-address (or --nsqd-http-address)', ['nsq stat nodes --lookupd-http-address 127.0.0.1:4161'])
    const report = await nodesReport({
      nsqd,
      lookupd,
      http: httpOptions(security, f['http-timeout']),
      addressMap: addressMap(security),
      signal: this.signal,
    })
    if (!this.jsonEnabled()) this.log(this.render(report))
    const answered = report.nodes.some((n) => n.status === 'up') || report.lookupd.some((l) => l.status === 'up')
    if (!answered) this.alert('no nsqd or lookupd answered')
    return this.complete({summary: report, exitCode: answered ? EXIT.OK : EXIT.UNAVAILABLE})
  }

  private render(report: NodesReport): string {
    const table = new Table({
      head: ['NODE', 'HOSTNAME', 'TCP', 'VERSION', 'STATE', 'UPTIME', 'LOOKUPD', 'TOPICS'],
      style: {...tableStyle(this.colored), 'padding-left': 1, 'padding-right': 1},
      chars: {mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': ''},
    })
    for (const node of report.nodes) {
      const state = node.status === 'down' ? `DOWN: ${node.error ?? ''}` : (node.health ?? '')
      const topics = node.topics
        .map((t) => `${t.topic}${t.tombstoned ? ' (tombstoned)' : ''}${t.depth === null ? '' : ` [${t.depth}]`}`)
        .join(', ')
      table.push([
        node.address,
        node.hostname ?? '',
        node.tcp_port === null ? '' : String(node.tcp_port),
        node.version ?? '',
        state,
        node.uptime_s === null ? '' : formatDuration(node.uptime_s * 1000),
        node.listed_by.length === 0 ? '(given)' : node.listed_by.join(' '),
        `${node.topics.length}${topics === '' ? '' : `: ${topics}`}`,
      ])
    }
    const lookupd = report.lookupd
      .filter((l) => l.status === 'down')
      .map((l) => `lookupd DOWN ${l.address}: ${l.error ?? ''}\n`)
      .join('')
    return `${lookupd}${table.toString()}`
  }
}
