import {Args} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminActionFlags, adminClusterFlags} from '../../cli/admin-command.js'
import type {AdminSummary} from '../../tools/admin/types.js'

export default class ChannelCreate extends AdminCommand<typeof ChannelCreate> {
  static override summary = 'Create channels of a topic: in every lookupd, and on every nsqd that carries the topic'

  static override description = `nsqadmin's Create Topic/Channel: POST /topic/create and then /channel/create on every lookupd, then POST /channel/create on each nsqd that carries the topic. When no nsqd carries the topic yet it says so: the channel is then registered in lookupd only, and nsqd creates it together with the topic. With --nsqd-http-address only, the topic must exist on the nsqd.

Results per node and per call: a table on stdout, or --json for scripts; failures are also named on stderr.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> channel create orders archive --lookupd-http-address 127.0.0.1:4161',
    '<%= config.bin %> channel create orders archive audit --nsqd-http-address 10.0.0.1:4151',
  ]

  static override strict = false

  static override args = {
    topic: Args.string({required: true, description: 'topic: a name, a glob or a /regex/', ignoreStdin: true}),
    channel: Args.string({required: true, description: 'channel: a name; give several to act on each', ignoreStdin: true}),
  }

  static override flags = {...adminClusterFlags, 'dry-run': adminActionFlags['dry-run'], notify: adminActionFlags.notify}

  async run(): Promise<AdminSummary> {
    const [topic = '', ...channels] = await this.positional()
    return this.runAction({action: 'create_channel', topics: [topic], channels})
  }
}
