/**
 * What the admin commands (`nsq topic …`, `nsq channel …`, `nsq node …`) share: the cluster
 * flags, the safety flags (--yes, --dry-run), the notification hook, the confirmation prompt
 * (only when stdin and stderr are terminals) and the rendering of a tool's result.
 */
import os from 'node:os'
import readline from 'node:readline/promises'
import {Flags, type Command} from '@oclif/core'
import {NsqCommand} from './base-command.js'
import {tableStyle} from './color.js'
import {isTerminal} from './terminal.js'
import {addressMap, durationFlag, httpOptions, lookupdHttpAddressFlag, nsqdHttpAddressFlag, securityFlags} from './flags.js'
import type {ClusterAccess} from '../tools/admin/discover.js'
import {failureLines, renderCalls, renderLoss} from '../tools/admin/render.js'
import {runAdmin, type AdminRequest, type Consent, type Preview} from '../tools/admin/run-admin.js'
import {lostMessages} from '../tools/admin/loss.js'
import {describe} from '../tools/admin/plan.js'
import {SelectionError} from '../tools/admin/select.js'
import type {AdminSummary} from '../tools/admin/types.js'
import {plural} from '../tools/plural.js'

/** The TLS / auth flags that matter to the HTTP APIs (the TCP-only ones would only clutter --help). */
const {
  compression: _compression,
  'deflate-level': _deflateLevel,
  'auth-secret': _authSecret,
  'auth-secret-file': _authSecretFile,
  'tls-min-version': _tlsMinVersion,
  ...httpSecurityFlags
} = securityFlags

/** Where the cluster is: spread into every admin command's `flags`. */
export const adminClusterFlags = {
  'lookupd-http-address': lookupdHttpAddressFlag,
  'nsqd-http-address': nsqdHttpAddressFlag,
  'http-timeout': durationFlag({summary: 'timeout of each HTTP request', default: 5000, defaultHelp: async () => '5s'}),
  concurrency: Flags.integer({min: 1, default: 8, summary: 'most calls in flight at once to independent nodes'}),
  ...httpSecurityFlags,
}

/** Safety and audit flags of the actions that change something. */
export const adminActionFlags = {
  yes: Flags.boolean({char: 'y', summary: 'do it without asking (needed for delete, empty and tombstone when not on a terminal)'}),
  'dry-run': Flags.boolean({summary: 'print every upstream call it would make, in order, and change nothing'}),
  notify: Flags.string({
    summary:
      "POST nsqadmin's JSON event for each action to this URL (e.g. http://nsqd:4151/pub?topic=nsqadmin_events); a failure is reported, not fatal",
    env: 'NSQ_ADMIN_NOTIFY',
  }),
}

/** The exit-code line of the admin commands' help. */
export const ADMIN_EXIT_HELP =
  'Exit codes: 0 every call succeeded · 1 nothing to act on (no node has it, a pattern matched nothing) · 2 usage error, or delete/empty without --yes off a terminal · 3 some calls failed (each named) · 69 no node or lookupd could be reached.'

interface AdminFlagValues {
  'lookupd-http-address'?: string[] | undefined
  'nsqd-http-address'?: string[] | undefined
  'http-timeout': number
  concurrency: number
  yes?: boolean
  'dry-run'?: boolean
  notify?: string | undefined
  tls: boolean
  'tls-insecure': boolean
}

export abstract class AdminCommand<T extends typeof Command> extends NsqCommand<T> {
  static override enableJsonFlag = true

  /** The cluster access from the flags; a usage error unless exactly one kind of address is given. */
  protected access(): ClusterAccess {
    const f = this.flags as unknown as AdminFlagValues
    const lookupd = f['lookupd-http-address'] ?? []
    const nsqd = f['nsqd-http-address'] ?? []
    if (lookupd.length === 0 && nsqd.length === 0)
      this.usage('give --lookupd-http-address (repeatable), or --nsqd-http-address for a cluster without lookupd', [
        `${this.config.bin} ${this.id ?? ''} … --lookupd-http-address 127.0.0.1:4161`,
      ])
    if (lookupd.length > 0 && nsqd.length > 0)
      this.usage('give either --lookupd-http-address or --nsqd-http-address, not both (as nsqadmin): lookupd finds the nsqd itself')
    const security = {...(this.flags as unknown as AdminFlagValues), compression: 'none' as const, 'deflate-level': 6}
    return {
      lookupd,
      nsqd,
      http: httpOptions(security, f['http-timeout']),
      addressMap: addressMap(security),
      concurrency: f.concurrency,
      signal: this.signal,
    }
  }

  /** Runs an action, prints its results (table on stdout, or --json), and returns the summary. */
  protected async runAction(request: Pick<AdminRequest, 'action' | 'topics' | 'channels' | 'node'>): Promise<AdminSummary> {
    const f = this.flags as unknown as AdminFlagValues
    const style = tableStyle(this.colored)
    const dryRun = f['dry-run'] === true
    let result
    try {
      result = await runAdmin({
        ...request,
        dryRun,
        access: this.access(),
        confirm: (preview) => this.confirm(preview, f.yes === true),
        onPlanned: (targets) => {
          if (targets.length > 0) this.status(`selected: ${targets.map(describe).join(', ')}`)
        },
        ...(f.notify === undefined
          ? {}
          : {
              notify: {
                url: f.notify,
                user: os.userInfo().username,
                userAgent: `nsq-toolkit/${this.config.version}`,
                via: os.hostname(),
                now: Date.now,
                timeoutMs: f['http-timeout'],
              },
            }),
      })
    } catch (error) {
      if (error instanceof SelectionError) this.usage(error.message)
      throw error
    }
    const summary = result.summary
    if (!this.jsonEnabled()) {
      if (dryRun) this.log('dry run: nothing was changed; these calls would be made (the reads were made):')
      if (summary.calls.length > 0) this.log(renderCalls(summary.calls, style))
    }
    for (const note of summary.notes) this.status(`note: ${note}`)
    for (const line of failureLines(summary.calls)) process.stderr.write(`${line}\n`)
    for (const problem of summary.problems) process.stderr.write(`${problem}\n`)
    for (const n of summary.notify.filter((r) => r.status === 'failed'))
      process.stderr.write(`notify ${n.url} failed for ${n.event.action} ${n.event.topic}: ${n.error ?? ''}\n`)
    if (!dryRun && summary.failed > 0) this.status(`${plural(summary.ok, 'call')} succeeded, ${summary.failed} failed`)
    return this.complete(result)
  }

  /** The positional arguments (the commands take several topics / channels). */
  protected async positional(): Promise<string[]> {
    const ctor = this.ctor as typeof NsqCommand
    const {argv} = await this.parse({
      flags: ctor.flags,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      args: ctor.args,
      strict: false,
    })
    return argv.map(String)
  }

  /** --yes, or "y" typed on a terminal; off a terminal without --yes: refuse. */
  private async confirm(preview: Preview, yes: boolean): Promise<Consent> {
    if (yes) return 'yes'
    const style = tableStyle(isTerminal(process.stderr) && this.colored)
    if (preview.loss.length > 0) process.stderr.write(`${renderLoss(preview.loss, style)}\n`)
    if (!isTerminal(process.stdin) || !isTerminal(process.stderr)) {
      process.stderr.write(
        `${preview.action.replace('_', ' ')} loses messages: add --yes to do it off a terminal (or --dry-run to see the calls)\n`,
      )
      return 'needs-yes'
    }
    const nodes = new Set(preview.plans.flatMap((p) => p.phases.flat().map((c) => `${c.role} ${c.address}`)))
    const prompt = `${preview.action.replace('_', ' ')} ${preview.plans.map((p) => describe(p.target)).join(', ')} on ${plural(nodes.size, 'node')}, losing ${plural(lostMessages(preview.loss), 'message')}? [y/N] `
    const rl = readline.createInterface({input: process.stdin, output: process.stderr})
    try {
      const answer = await rl.question(prompt)
      return /^y(es)?$/i.test(answer.trim()) ? 'yes' : 'no'
    } finally {
      rl.close()
    }
  }
}
