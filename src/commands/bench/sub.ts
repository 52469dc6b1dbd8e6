import {
  BENCH_EXIT_CODES_HELP,
  BENCH_OUTPUT_HELP,
  BenchCommand,
  benchCommonFlags,
  benchConsumeFlags,
  benchFillFlags,
  benchThreadFlags,
} from '../../cli/bench-command.js'

export default class BenchSub extends BenchCommand<typeof BenchSub> {
  static override summary = 'Consume throughput (and end-to-end latency of `nsq bench pub` messages)'

  static override description = [
    'Consumes a channel from --clients connections (one per core unless given, as bench_reader), each with RDY',
    '--max-in-flight, finishing every message. With an auto-named topic it first fills it (--fill, default --msgs or',
    "100,000 messages) and measures the drain, like Go's bench_reader. With --topic it consumes what arrives, e.g. from",
    '`nsq bench pub` in another terminal, whose bodies carry their send time: then end-to-end latency is reported too.',
    'Stops at --msgs, --duration, or when the fill is consumed.',
    '',
    BENCH_OUTPUT_HELP,
    '',
    BENCH_EXIT_CODES_HELP,
  ].join('\n')

  static override examples = [
    {
      description: "Like Go's bench_reader: fill an auto-named topic with 1,000,000 messages of 200 B and drain it",
      command: '<%= config.bin %> <%= command.id %> --nsqd-tcp-address 127.0.0.1:4150 -n 1000000',
    },
    {
      description: 'Two terminals: consume what `nsq bench pub` publishes, with end-to-end latency',
      command: '<%= config.bin %> <%= command.id %> -t bench -d 30s   # and: nsq bench pub -t bench -d 30s --rate 20k',
    },
    {description: 'CI gate on the drain rate', command: "<%= config.bin %> <%= command.id %> -n 500000 -c 2 --threshold 'rate>100k'"},
  ]

  static override flags = {...benchCommonFlags, ...benchConsumeFlags, ...benchFillFlags, ...benchThreadFlags}

  protected readonly kind = 'sub'
}
