/**
 * The drop-ins' flag specs (see {@link DropInSpec}), one per official Go app. They live here, not
 * on the commands, so a `bin/<name>.js` can translate its argv (and answer `-version`) without
 * loading the command, oclif or the NSQ core: the command classes point their `static dropIn` here.
 */
import {goNsqConsumerOpt, goNsqProducerOpt, type DropInSpec, type Translation} from './drop-in.js'

/** nsq_to_nsq's `-consumer-opt=max_in_flight,N` is our `--max-in-flight`; the rest as go-nsq's. */
function relayConsumerOpt(option: string): Translation {
  const [name, value] = option.split(',', 2)
  if (name?.replaceAll('-', '_') === 'max_in_flight' && value !== undefined) return {argv: [`--max-in-flight=${value}`], notes: []}
  return goNsqConsumerOpt(option)
}

/** nsq_tail → `nsq tail`. */
export const tailDropIn: DropInSpec = {
  command: 'tail',
  rename: {n: 'count'},
  booleans: ['print-topic'],
  booleansWithoutNo: ['print-topic'],
  translated: {'consumer-opt': goNsqConsumerOpt},
}

/** to_nsq → `nsq to-nsq --mode=fanout` (to_nsq publishes every line to every nsqd). */
export const toNsqDropIn: DropInSpec = {
  command: 'to-nsq',
  args: ['--mode=fanout'],
  ignoredWithValue: ['producer-opt'],
}

/** nsq_to_file → `nsq to-file`. */
export const toFileDropIn: DropInSpec = {
  command: 'to-file',
  booleans: ['gzip', 'skip-empty-files'],
  booleansWithoutNo: ['gzip', 'skip-empty-files'],
  ignoredWithValue: ['log-level', 'log-prefix'],
  translated: {'consumer-opt': goNsqConsumerOpt},
}

/** nsq_stat → `nsq stat`. */
export const statDropIn: DropInSpec = {
  command: 'stat',
  rename: {'http-client-request-timeout': 'http-timeout'},
  ignoredWithValue: ['http-client-connect-timeout'],
}

/** nsq_to_nsq → `nsq relay`. */
export const relayDropIn: DropInSpec = {
  command: 'relay',
  ignoredWithValue: ['status-every'],
  translated: {'consumer-opt': relayConsumerOpt, 'producer-opt': goNsqProducerOpt},
}

/** nsq_to_http → `nsq to-http`. */
export const toHttpDropIn: DropInSpec = {
  command: 'to-http',
  ignoredWithValue: ['status-every', 'sample'],
  translated: {'consumer-opt': goNsqConsumerOpt, mode: goMode},
}

/**
 * nsq_to_http's `-mode`: its known modes carry over; `multicast` (removed in 1.0, yet any value
 * it does not know still sends to every URL) is our fanout, with a note; anything else stays
 * as given, so our parser refuses it instead of silently fanning out.
 */
function goMode(value: string): {argv: string[]; notes: string[]} {
  if (value === 'multicast')
    return {argv: ['--mode=fanout'], notes: ['-mode=multicast: running --mode fanout (every URL gets every message)']}
  return {argv: [`--mode=${value}`], notes: []}
}
