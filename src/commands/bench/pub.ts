import {
  BENCH_EXIT_CODES_HELP,
  BENCH_OUTPUT_HELP,
  BenchCommand,
  benchCommonFlags,
  benchPublishFlags,
  benchThreadFlags,
} from '../../cli/bench-command.js'

export default class BenchPub extends BenchCommand<typeof BenchPub> {
  static override summary = 'Publish throughput and publish-ack latency'

  static override description = [
    'Publishes --size byte messages from --clients connections (one per core unless given, as bench_writer) in MPUB',
    'batches of --batch-size (200 unless given, as bench_writer; 1 = PUB, the default with --rate) for --duration or',
    '--msgs, as fast as nsqd acknowledges them (--pipeline commands in flight per client), or at an aggregate --rate.',
    'Latency is publish → OK per command; under --rate it is measured from the scheduled send time, so a slow nsqd',
    'cannot hide behind a sender that waited for it (coordinated omission).',
    '',
    BENCH_OUTPUT_HELP,
    '',
    BENCH_EXIT_CODES_HELP,
  ].join('\n')

  static override examples = [
    {
      description: "Like Go's bench_writer, whose defaults these are: one client per core, 200 B messages in MPUB batches of 200, 10 s",
      command: '<%= config.bin %> <%= command.id %> --nsqd-tcp-address 127.0.0.1:4150',
    },
    {
      description: '4 clients, 1 KiB messages, 50,000 msgs/s in all, latency from the schedule, 2 s warm-up',
      command: '<%= config.bin %> <%= command.id %> -c 4 --size 1KiB --rate 50k -d 30s --warmup 2s',
    },
    {
      description: 'CI gate: fail (exit 99) below 50k msgs/s or above 5 ms p99',
      command: "<%= config.bin %> <%= command.id %> -d 10s --threshold 'rate>50000' --threshold 'p99<5ms'",
    },
    {
      description: 'Save a baseline, then fail on a >10 % regression against it',
      command:
        '<%= config.bin %> <%= command.id %> -d 10s --json > baseline.json && <%= config.bin %> <%= command.id %> -d 10s --compare baseline.json --max-regression 10%',
    },
  ]

  static override flags = {...benchCommonFlags, ...benchPublishFlags, ...benchThreadFlags}

  protected readonly kind = 'pub'
}
