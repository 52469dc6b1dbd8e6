import {Args} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminActionFlags, adminClusterFlags} from '../../cli/admin-command.js'
import type {AdminSummary} from '../../tools/admin/types.js'

export default class TopicCreate extends AdminCommand<typeof TopicCreate> {
  static override summary = "Create topics (nsqadmin's Create Topic): registered in every lookupd"

  static override description = `With --lookupd-http-address it does what nsqadmin does: POST /topic/create on every lookupd, and no nsqd is touched; nsqd creates the topic (with the channels lookupd lists for it, so early messages are not lost) on the first publish or subscribe. With --nsqd-http-address (no lookupd), POST /topic/create on each nsqd given (where nsqadmin silently does nothing).

Results per node and per call: a table on stdout, or --json for scripts; failures are also named on stderr.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> topic create orders --lookupd-http-address 127.0.0.1:4161 --lookupd-http-address 127.0.0.1:4261',
    '<%= config.bin %> topic create orders payments --nsqd-http-address 10.0.0.1:4151 --nsqd-http-address 10.0.0.2:4151 --json',
  ]

  static override strict = false

  static override args = {
    topic: Args.string({required: true, description: 'topic name; give several to create each', ignoreStdin: true}),
  }

  static override flags = {...adminClusterFlags, 'dry-run': adminActionFlags['dry-run'], notify: adminActionFlags.notify}

  async run(): Promise<AdminSummary> {
    const topics = await this.positional()
    return this.runAction({action: 'create_topic', topics})
  }
}
