import {Args, Flags} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminActionFlags, adminClusterFlags} from '../../cli/admin-command.js'
import type {AdminSummary} from '../../tools/admin/types.js'

export default class NodeTombstone extends AdminCommand<typeof NodeTombstone> {
  static override summary = 'Tombstone a node as producer of a topic in every lookupd, and delete the topic on that node'

  static override description = `nsqadmin's ✘ next to a node on a topic page: POST /topic/tombstone?topic=&node= on every lookupd (lookupd then hides that node from /lookup for its --tombstone-lifetime, 45s by default, so consumers do not reconnect and create the topic again), then POST /topic/delete on that node. NODE is broadcast_address:http_port as lookupd lists it (see nsq node list); --address-map maps it when that address does not resolve here. Shows what would be lost on the node and asks on a terminal; off a terminal it needs --yes.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> node tombstone 10.0.0.3:4151 --topic orders --lookupd-http-address 127.0.0.1:4161',
    '<%= config.bin %> node tombstone 10.0.0.3:4151 --topic orders --lookupd-http-address 127.0.0.1:4161 --dry-run',
  ]

  static override args = {
    node: Args.string({required: true, description: 'the node, broadcast_address:http_port as lookupd lists it', ignoreStdin: true}),
  }

  static override flags = {
    topic: Flags.string({char: 't', required: true, summary: 'the topic to tombstone the node for'}),
    ...adminClusterFlags,
    ...adminActionFlags,
  }

  async run(): Promise<AdminSummary> {
    return this.runAction({action: 'tombstone_topic_producer', topics: [this.flags.topic], node: this.args.node})
  }
}
