import {Args} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminClusterFlags} from '../../cli/admin-command.js'
import {tableStyle} from '../../cli/color.js'
import {listChannelRows, type ChannelRow, type Listing} from '../../tools/admin/listing.js'
import {failureLines, renderChannels} from '../../tools/admin/render.js'
import {SelectionError} from '../../tools/admin/select.js'

export default class ChannelList extends AdminCommand<typeof ChannelList> {
  static override summary = "Channels of a topic with their totals across nodes (nsqadmin's Topic page)"

  static override description = `The channels lookupd lists for the topic and those the nsqd that carry it have, each with the number of nsqd that have it (0: registered in lookupd only), depth, in flight, deferred, messages and clients summed over the nodes, and where it is paused. The topic may be a glob or /regex/; channels after it filter (names, globs, /regex/).

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> channel list orders --lookupd-http-address 127.0.0.1:4161',
    "<%= config.bin %> channel list 'orders.*' 'archive*' --lookupd-http-address 127.0.0.1:4161 --json",
  ]

  static override strict = false

  static override args = {
    topic: Args.string({required: true, description: 'topic: a name, a glob or a /regex/', ignoreStdin: true}),
  }

  static override flags = {...adminClusterFlags}

  async run(): Promise<Listing<ChannelRow>> {
    const [topic = '', ...channels] = await this.positional()
    let result
    try {
      result = await listChannelRows(this.access(), [topic], channels)
    } catch (error) {
      if (error instanceof SelectionError) this.usage(error.message)
      throw error
    }
    if (!this.jsonEnabled()) this.log(renderChannels(result.summary.rows, tableStyle(this.colored)))
    for (const line of [...failureLines(result.summary.calls), ...result.summary.problems]) process.stderr.write(`${line}\n`)
    return this.complete(result)
  }
}
