import {Args} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminActionFlags, adminClusterFlags} from '../../cli/admin-command.js'
import type {AdminSummary} from '../../tools/admin/types.js'

export default class TopicDelete extends AdminCommand<typeof TopicDelete> {
  static override summary = 'Delete topics across the cluster: lookupd first, then every nsqd that carries it'

  static override description = `Finds the nsqd that carry each topic (GET /lookup on every lookupd, merged), shows what would be lost per node (depth, in flight, deferred of the topic and every channel) and asks on a terminal; then POST /topic/delete on every lookupd and after that on each nsqd, nsqadmin's order (nsq#106), so a consumer asking lookupd in between does not find the topic and have nsqd create it again. Off a terminal it needs --yes.

Results per node and per call: a table on stdout, or --json for scripts; failures are also named on stderr.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> topic delete orders --lookupd-http-address 127.0.0.1:4161',
    "<%= config.bin %> topic delete 'load-test.*' --lookupd-http-address 127.0.0.1:4161 --dry-run",
    '<%= config.bin %> topic delete orders --lookupd-http-address 127.0.0.1:4161 --yes --json | jq \'.calls[] | select(.status=="failed")\'',
  ]

  static override strict = false

  static override args = {
    topic: Args.string({
      required: true,
      description: 'topic: a name, a glob (orders.*) or a /regex/; give several to act on each',
      ignoreStdin: true,
    }),
  }

  static override flags = {...adminClusterFlags, ...adminActionFlags}

  async run(): Promise<AdminSummary> {
    const topics = await this.positional()
    return this.runAction({action: 'delete_topic', topics})
  }
}
