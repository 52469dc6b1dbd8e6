import {Flags} from '@oclif/core'
import {NsqCommand} from '../../cli/base-command.js'
import {EXIT, exitCodesHelp} from '../../cli/exit-codes.js'
import {addressMap, durationFlag, httpOptions, jsonSummaryFlag, lookupdHttpAddressFlag, securityFlags} from '../../cli/flags.js'
import {lookupdReport, type LookupdReport} from '../../tools/stat/lookupd-report.js'
import {plural} from '../../tools/plural.js'

/** The TLS / auth flags that matter to the HTTP APIs (the TCP-only ones would only clutter --help). */
const {
  compression: _compression,
  'deflate-level': _deflateLevel,
  'auth-secret': _authSecret,
  'auth-secret-file': _authSecretFile,
  'tls-min-version': _tlsMinVersion,
  ...httpSecurityFlags
} = securityFlags

export default class StatLookupd extends NsqCommand<typeof StatLookupd> {
  static override summary = 'Each nsqlookupd and what it knows: version, nsqd nodes, topics with channels and producers'

  static override description = `Asks every --lookupd-http-address for /info, /nodes, /topics and /lookup of each topic, and prints what each one knows, so a lookupd that disagrees with the others (a missed registration, a stale tombstone) stands out. An unreachable lookupd is shown as DOWN.

${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.USAGE, EXIT.UNAVAILABLE], {[EXIT.UNAVAILABLE]: 'no lookupd answered'})}`

  static override examples = [
    '<%= config.bin %> stat lookupd --lookupd-http-address 10.0.0.1:4161 --lookupd-http-address 10.0.0.2:4161',
    "<%= config.bin %> stat lookupd --lookupd-http-address 127.0.0.1:4161 --json | jq '.[0].topics'",
  ]

  static override enableJsonFlag = true

  static override flags = {
    json: jsonSummaryFlag,
    'lookupd-http-address': lookupdHttpAddressFlag,
    'http-timeout': durationFlag({summary: 'timeout of each HTTP request', default: 5000, defaultHelp: async () => '5s'}),
    topic: Flags.string({char: 't', summary: 'show only this topic'}),
    ...httpSecurityFlags,
  }

  async run(): Promise<LookupdReport[]> {
    const f = this.flags
    // The HTTP APIs need no TCP compression settings; fill them so the shared converters apply.
    const security = {...f, compression: 'none' as const, 'deflate-level': 6}
    const lookupd = f['lookupd-http-address'] ?? []
    if (lookupd.length === 0)
      this.usage('give --lookupd-http-address (repeatable)', ['nsq stat lookupd --lookupd-http-address 127.0.0.1:4161'])
    let reports = await lookupdReport(lookupd, httpOptions(security, f['http-timeout']), addressMap(security), this.signal)
    if (f.topic !== undefined) reports = reports.map((r) => ({...r, topics: r.topics.filter((t) => t.topic === f.topic)}))
    if (!this.jsonEnabled()) this.log(reports.map(render).join('\n'))
    const answered = reports.some((r) => r.status === 'up')
    if (!answered) this.alert('no lookupd answered')
    return this.complete({summary: reports, exitCode: answered ? EXIT.OK : EXIT.UNAVAILABLE})
  }
}

function render(report: LookupdReport): string {
  if (report.status === 'down') return `lookupd ${report.address}: DOWN: ${report.error ?? ''}\n`
  const lines = [
    `lookupd ${report.address} (v${report.version ?? '?'}): ${plural(report.nodes.length, 'node')}, ${plural(report.topics.length, 'topic')}`,
  ]
  lines.push('  nodes:')
  for (const n of report.nodes)
    lines.push(`    ${n.address}  ${n.hostname}  tcp ${n.tcp_port}  v${n.version}  ${plural(n.topics, 'topic')}`)
  lines.push('  topics:')
  for (const t of report.topics) {
    lines.push(`    ${t.topic}`)
    lines.push(`      channels:  ${t.channels.length === 0 ? '(none)' : t.channels.join(', ')}`)
    lines.push(`      producers: ${t.producers.length === 0 ? '(none)' : t.producers.join(', ')}`)
  }
  return `${lines.join('\n')}\n`
}
