import {
  BENCH_EXIT_CODES_HELP,
  BENCH_OUTPUT_HELP,
  BenchCommand,
  benchCommonFlags,
  benchConsumeFlags,
  benchPublishFlags,
} from '../../cli/bench-command.js'

export default class BenchPubsub extends BenchCommand<typeof BenchPubsub> {
  static override summary = 'Publish and consume in one process: end-to-end latency'

  static override description = [
    'Runs --clients publishers and --clients consumers on one topic and channel (created first, so nothing is missed).',
    'Each body carries its send time (the scheduled time under --rate), so end-to-end latency (publish → delivery) is',
    "exact, and the headline figures are the consumers' (msgs/s delivered, end-to-end percentiles); publish-ack figures",
    'are shown too. Messages published but not delivered within 10 s of the end are reported as lost.',
    'nsqd buffers deliveries to each consumer (16 KiB or 250 ms by default), which dominates end-to-end latency at',
    'modest rates: --output-buffer-size=-1 measures unbuffered delivery, --output-buffer-timeout 25ms a shorter flush.',
    '',
    BENCH_OUTPUT_HELP,
    '',
    BENCH_EXIT_CODES_HELP,
  ].join('\n')

  static override examples = [
    {
      description: 'End-to-end latency at 10,000 msgs/s for 30 s',
      command: '<%= config.bin %> <%= command.id %> --nsqd-tcp-address 127.0.0.1:4150 --rate 10k -d 30s',
    },
    {
      description: 'Unbuffered delivery (lowest latency nsqd can give), 2 s warm-up',
      command: '<%= config.bin %> <%= command.id %> --rate 20k -d 20s --warmup 2s --output-buffer-size=-1',
    },
    {
      description: 'CI gate on end-to-end p99 and no loss, JSON for the artefacts',
      command: "<%= config.bin %> <%= command.id %> --rate 5k -d 20s --threshold 'p99<20ms' --threshold 'lost==0' --json > bench.json",
    },
  ]

  static override flags = {...benchCommonFlags, ...benchPublishFlags, ...benchConsumeFlags}

  protected readonly kind = 'pubsub'
}
