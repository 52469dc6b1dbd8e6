import {ADMIN_EXIT_HELP, AdminCommand, adminClusterFlags} from '../../cli/admin-command.js'
import {tableStyle} from '../../cli/color.js'
import {listTopicRows, type Listing, type TopicRow} from '../../tools/admin/listing.js'
import {failureLines, renderTopics} from '../../tools/admin/render.js'
import {SelectionError} from '../../tools/admin/select.js'

export default class TopicList extends AdminCommand<typeof TopicList> {
  static override summary = "Topics of the cluster with their totals across nodes (nsqadmin's Streams page)"

  static override description = `Every topic lookupd lists (/topics on every lookupd, merged) or the nsqd given carry, with the number of nsqd that carry it (0: registered in lookupd only), depth and messages summed over the nodes, its channels, and where it is paused. Filter with names, globs or /regex/. A node that does not answer is named on stderr.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> topic list --lookupd-http-address 127.0.0.1:4161',
    "<%= config.bin %> topic list 'orders.*' --lookupd-http-address 127.0.0.1:4161 --json | jq -r '.rows[] | select(.paused) | .topic'",
  ]

  static override strict = false

  static override flags = {...adminClusterFlags}

  async run(): Promise<Listing<TopicRow>> {
    const patterns = await this.positional()
    let result
    try {
      result = await listTopicRows(this.access(), patterns)
    } catch (error) {
      if (error instanceof SelectionError) this.usage(error.message)
      throw error
    }
    if (!this.jsonEnabled()) this.log(renderTopics(result.summary.rows, tableStyle(this.colored)))
    for (const line of [...failureLines(result.summary.calls), ...result.summary.problems]) process.stderr.write(`${line}\n`)
    return this.complete(result)
  }
}
