/** nsq-toolkit's NSQ client library: the public surface. */
export * from './errors.js'
export * from './protocol/index.js'
export * from './connection/index.js'
export * from './producer/producer.js'
export * from './http/index.js'
export {parseHostPort, formatHostPort, type HostPort} from './util/address.js'
export {backoffDelay, type BackoffPolicy} from './util/backoff.js'
