import type {ConnectionOptions} from './connection.js'

/** Connection settings shared by every nsqd a producer or consumer talks to. */
export type ConnectionSettings = Omit<ConnectionOptions, 'host' | 'port' | 'events'>
