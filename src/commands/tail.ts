import {fstatSync} from 'node:fs'
import {Args, Flags, type Interfaces} from '@oclif/core'
import {NsqCommand} from '../cli/base-command.js'
import type {DropInSpec} from '../cli/drop-in.js'
import {tailDropIn} from '../cli/drop-in-specs.js'
import {EXIT, exitCodesHelp} from '../cli/exit-codes.js'
import {
  addressMap,
  connectionSettings,
  durationFlag,
  httpOptions,
  lookupdHttpAddressFlag,
  nsqdTcpAddressFlag,
  liveness,
  securityFlags,
} from '../cli/flags.js'
import {isBrokenPipe, watchStdout} from '../cli/stdout.js'
import {metricsFlags, openMetrics} from '../cli/metrics.js'
import {isTerminal} from '../cli/terminal.js'
import {formatDuration} from '../cli/units.js'
import {createFormatter, type Formatter} from '../tools/tail/format.js'
import {describeWait} from '../tools/source/describe-wait.js'
import {channelIsDurable, defaultTailChannel, runTail} from '../tools/tail/run-tail.js'
import type {TailStopReason, TailSummary} from '../tools/tail/tail-session.js'
import {unescape} from '../tools/tail/template.js'
import {compileTopicPattern, validateTailInput} from '../tools/tail/validate.js'

const OUTPUT = 'OUTPUT'

/** stdout is a pipe (`| head`): its reader may leave without reading what it holds. */
function stdoutIsPipe(): boolean {
  try {
    return fstatSync(1).isFIFO()
  } catch {
    return false
  }
}

const STOPPED: Readonly<Record<TailStopReason, string>> = {
  interrupt: 'interrupted',
  terminate: 'terminated',
  epipe: 'reader closed',
  done: 'done',
  count: 'count reached',
  idle: 'idle',
  'output-error': 'stdout failed',
}

export default class Tail extends NsqCommand<typeof Tail> {
  static override summary = 'Print the messages of one or more topics to stdout (like nsq_tail, safe in pipes)'
  static override leanHeap = true

  static override description = `Reads a channel (by default a fresh tail<digits>#ephemeral one, so nobody else's messages are taken) and prints each message: the raw body plus a newline, an NDJSON envelope (--format json), or a template (--format '%t %i %s\\n').

A message is FIN'd only after its bytes were handed to stdout. -n N prints exactly N and gives back any extra in flight. When the reader goes away (| head) the command stops at once and requeues what it had not printed. On a durable (not #ephemeral) channel printed into a pipe, without --peek, a message counts as printed and is FIN'd only once 64 KiB (a pipe buffer's worth) of later output entered the pipe, so it was read; also when more than 90% of --max-in-flight are held (raise it for small messages), 1s after the last write on a quiet topic, and at a clean stop; at EPIPE the rest is requeued. Ctrl-C drains and exits 0 (130 when -n N is cut short before N); a second Ctrl-C exits 130. --peek (with -n) prints and then requeues, so the messages stay on the channel.

Template tokens: %t topic, %c channel, %i id, %T timestamp (ms), %a attempts, %h nsqd, %s body, %S size, %% percent; escapes \\n \\t \\r \\0 \\\\ \\xNN.

JSON envelope: {"topic","channel","id","timestamp" (ms since epoch),"attempts","nsqd","body"} with "body_base64" instead of "body" when the body is not valid UTF-8.

${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.USAGE, EXIT.UNAVAILABLE, EXIT.INTERRUPTED], {[EXIT.OK]: 'ok (also when the reader leaves, -n is reached or the first Ctrl-C drained)', [EXIT.FAILURE]: 'stdout failed', [EXIT.UNAVAILABLE]: 'nsqd / lookupd unreachable or refusing', [EXIT.INTERRUPTED]: 'interrupted (a second Ctrl-C, or Ctrl-C before -n was reached)'})}`

  static override examples = [
    {description: 'Follow a topic', command: '<%= config.bin %> <%= command.id %> events --nsqd-tcp-address 127.0.0.1:4150'},
    {
      description: 'The first 10 messages as NDJSON, pretty-printed by jq',
      command: '<%= config.bin %> <%= command.id %> events -n 10 --format json --lookupd-http-address 127.0.0.1:4161 | jq .',
    },
    {
      description: 'Peek at 5 messages of a durable channel without consuming them',
      command: '<%= config.bin %> <%= command.id %> events --channel archive --peek -n 5 --nsqd-tcp-address 127.0.0.1:4150',
    },
    {
      description: 'Every topic starting with "orders.", with the topic and attempts in front',
      command:
        "<%= config.bin %> <%= command.id %> --topic-pattern '^orders\\.' --format '%t %a %s\\n' --lookupd-http-address 127.0.0.1:4161",
    },
    {
      description: 'Read until nothing arrives for 2 seconds, NUL-separated for xargs -0',
      command: '<%= config.bin %> <%= command.id %> jobs -0 --exit-when-idle 2s --nsqd-tcp-address 127.0.0.1:4150 | xargs -0 -n1 echo',
    },
  ]

  static override args = {
    topic: Args.string({description: 'topic to read (same as --topic)', required: false, ignoreStdin: true}),
  }

  static override flags = {
    topic: Flags.string({summary: 'topic to read; repeatable (one consumer per topic)', multiple: true, multipleNonGreedy: true}),
    channel: Flags.string({char: 'c', summary: 'channel to read (default: a random tail<digits>#ephemeral)'}),
    count: Flags.integer({char: 'n', summary: 'print exactly this many messages, then exit (0 = no limit)', default: 0, min: 0}),
    'max-in-flight': Flags.integer({summary: 'messages in flight per topic (lowered to -n)', default: 200, min: 1}),
    'print-topic': Flags.boolean({summary: 'raw format: prefix each body with "<topic> | "', helpGroup: OUTPUT}),
    format: Flags.string({char: 'f', summary: "raw | json | a template such as '%t %s\\n'", default: 'raw', helpGroup: OUTPUT}),
    delimiter: Flags.string({
      char: 'D',
      summary: 'written after each raw body / JSON line (escapes: \\n \\t \\0 \\xNN; default \\n)',
      helpGroup: OUTPUT,
    }),
    null: Flags.boolean({char: '0' as 'z', summary: 'NUL as the delimiter (for xargs -0)', helpGroup: OUTPUT}),
    peek: Flags.boolean({summary: 'print, then requeue instead of finishing (needs -n)'}),
    'topic-pattern': Flags.string({
      summary: 'also read every topic lookupd lists whose name matches this regex (filters --topic when given)',
    }),
    'topic-refresh': durationFlag({summary: "how often lookupd's topic list is read again for --topic-pattern", default: 60_000}),
    'exit-when-idle': durationFlag({summary: 'exit 0 once no message arrived for this long'}),
    'drain-timeout': durationFlag({summary: 'on stop, longest wait for stdout and nsqd to settle', default: 5000}),
    'nsqd-tcp-address': nsqdTcpAddressFlag,
    'lookupd-http-address': lookupdHttpAddressFlag,
    ...securityFlags,
    ...liveness,
    ...metricsFlags,
  }

  /** `nsq_tail`'s Go-style flags: `-n` is our `--count`; `-consumer-opt` carries over where we have a flag. */
  static dropIn: DropInSpec = tailDropIn

  async run(): Promise<TailSummary> {
    const {flags, args} = this
    const topics = [...(args.topic === undefined ? [] : [args.topic]), ...(flags.topic ?? [])]
    const nsqd = flags['nsqd-tcp-address'] ?? []
    const lookupd = flags['lookupd-http-address'] ?? []
    const channel = flags.channel ?? defaultTailChannel()
    const problem = validateTailInput({
      topics,
      topicPattern: flags['topic-pattern'],
      channel,
      nsqd,
      lookupd,
      count: flags.count,
      peek: flags.peek,
      delimiter: flags.delimiter,
      null: flags.null,
    })
    if (problem !== undefined) this.usage(problem)
    const formatter = this.formatter(flags)
    let pattern: RegExp | undefined
    try {
      pattern = flags['topic-pattern'] === undefined ? undefined : compileTopicPattern(flags['topic-pattern'])
    } catch (error) {
      this.usage((error as Error).message)
    }

    if (channelIsDurable(channel)) {
      this.warn(
        `channel "${channel}" is not ephemeral: ${flags.peek ? 'peeked messages are requeued (attempts +1, order changes)' : "messages printed here are FIN'd and gone from it (into a pipe: once the reader took them)"}, and nsqd keeps the channel (and queues for it) after tail exits`,
      )
    }
    if (isTerminal(process.stderr) && !flags.quiet) {
      this.status(
        `reading ${topics.length > 0 ? topics.join(', ') : `/${flags['topic-pattern'] ?? ''}/`} on channel ${channel} (Ctrl-C to stop)`,
      )
    }
    const metrics = await openMetrics(flags['metrics-address'], 'tail', (line) => this.status(line))
    const unwatch = watchStdout((error) => {
      if (isBrokenPipe(error)) this.stop('epipe')
    })
    try {
      const result = await runTail({
        stream: process.stdout,
        pipeOutput: stdoutIsPipe(),
        formatter,
        topics,
        ...(pattern === undefined ? {} : {topicPattern: pattern}),
        topicRefreshMs: flags['topic-refresh'],
        channel,
        nsqd,
        lookupd,
        maxInFlight: flags['max-in-flight'],
        count: flags.count,
        peek: flags.peek,
        ...(flags['exit-when-idle'] === undefined ? {} : {exitWhenIdleMs: flags['exit-when-idle']}),
        drainTimeoutMs: flags['drain-timeout'],
        signal: this.signal,
        connection: connectionSettings(flags),
        lookupdHttp: httpOptions(flags),
        lookupdPollIntervalMs: flags['lookupd-poll-interval'],
        addressMap: addressMap(flags),
        events: {
          disconnected: (topic, address, error) => {
            metrics?.connectionLost(topic, address)
            if (!this.signal.aborted) this.status(`${topic}: lost ${address}: ${error.message} (reconnecting)`)
          },
          // With --nsqd-tcp-address a failure at start ends the run with the error; with lookupd the source says it once per nsqd.
          connectFailed: (topic, address, error) => {
            if (!this.signal.aborted) this.status(`${topic}: cannot connect to ${address}: ${error.message}; retrying`)
          },
          lookupdError: (address, error) => this.status(`lookupd ${address}: ${error.message}`),
          waiting: (wait) => this.status(describeWait(wait)),
          topicAdded: (topic, consumer) => {
            metrics?.consumer(topic, consumer)
            if (pattern !== undefined) this.status(`reading topic ${topic}`)
          },
          topicFailed: (topic, error) => void this.warn(`cannot read topic ${topic}: ${error.message}`),
        },
      })
      const {summary} = result
      const idle =
        summary.reason === 'idle' && flags['exit-when-idle'] !== undefined ? ` for ${formatDuration(flags['exit-when-idle'])}` : ''
      this.status(
        `tail: ${STOPPED[summary.reason]}${idle}: ${summary.printed} printed, ${summary.finished} finished, ${summary.requeued} requeued`,
      )
      if (summary.reason === 'output-error') {
        this.error(`stdout: ${summary.outputError?.message ?? 'write failed'} (unprinted messages were requeued)`, {exit: result.exitCode})
      }
      return this.complete(result)
    } finally {
      unwatch()
      await metrics?.close()
    }
  }

  private formatter(flags: Interfaces.InferredFlags<typeof Tail.flags>): Formatter {
    try {
      const delimiter = flags.null ? Buffer.from([0]) : unescape(flags.delimiter ?? '\\n')
      return createFormatter({format: flags.format, delimiter, printTopic: flags['print-topic']})
    } catch (error) {
      this.usage((error as Error).message)
    }
  }
}
