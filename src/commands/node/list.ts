import Table from 'cli-table3'
import {ADMIN_EXIT_HELP, AdminCommand, adminClusterFlags} from '../../cli/admin-command.js'
import {tableStyle} from '../../cli/color.js'
import {EXIT} from '../../cli/exit-codes.js'
import {nodesReport, type NodesReport} from '../../tools/stat/nodes-report.js'

export default class NodeList extends AdminCommand<typeof NodeList> {
  static override summary = "The nsqd nodes of the cluster and their topics (nsqadmin's Nodes page)"

  static override description = `Every nsqd registered with the lookupd (/nodes on every lookupd, merged), or given with --nsqd-http-address, with its node name (broadcast_address:http_port, what nsq node tombstone takes), hostname, TCP port, version, how many lookupd list it (nsqadmin highlights fewer than all), and its topics (tombstoned ones marked). An unreachable node or lookupd is shown as DOWN.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> node list --lookupd-http-address 127.0.0.1:4161 --lookupd-http-address 127.0.0.1:4261',
    "<%= config.bin %> node list --lookupd-http-address 127.0.0.1:4161 --json | jq -r '.nodes[].address'",
  ]

  static override flags = {...adminClusterFlags}

  async run(): Promise<NodesReport> {
    const access = this.access()
    const report = await nodesReport({
      nsqd: access.nsqd,
      lookupd: access.lookupd,
      http: access.http,
      ...(access.addressMap === undefined ? {} : {addressMap: access.addressMap}),
      signal: this.signal,
    })
    if (!this.jsonEnabled()) this.log(this.render(report))
    for (const l of report.lookupd.filter((x) => x.status === 'down')) process.stderr.write(`lookupd ${l.address} DOWN: ${l.error ?? ''}\n`)
    for (const n of report.nodes.filter((x) => x.status === 'down')) process.stderr.write(`nsqd ${n.address} DOWN: ${n.error ?? ''}\n`)
    const up = report.nodes.some((n) => n.status === 'up') || report.lookupd.some((l) => l.status === 'up')
    const down = report.nodes.some((n) => n.status === 'down') || report.lookupd.some((l) => l.status === 'down')
    return this.complete({summary: report, exitCode: !up ? EXIT.UNAVAILABLE : down ? EXIT.PARTIAL : EXIT.OK})
  }

  private render(report: NodesReport): string {
    const lookupdCount = report.lookupd.length
    const table = new Table({
      head: ['NODE', 'HOSTNAME', 'TCP', 'VERSION', 'LOOKUPD', 'STATE', 'TOPICS'],
      style: {...tableStyle(this.colored), 'padding-left': 1, 'padding-right': 1},
      chars: {mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': ''},
    })
    for (const node of report.nodes) {
      const topics = node.topics.map((t) => `${t.topic}${t.tombstoned ? ' (tombstoned)' : ''}${t.paused === true ? ' (paused)' : ''}`)
      table.push([
        node.address,
        node.hostname ?? '',
        node.tcp_port === null ? '' : String(node.tcp_port),
        node.version ?? '',
        lookupdCount === 0 ? '(given)' : `${node.listed_by.length}/${lookupdCount}`,
        node.status === 'down' ? `DOWN: ${node.error ?? ''}` : (node.health ?? ''),
        topics.join(', '),
      ])
    }
    return table.toString()
  }
}
