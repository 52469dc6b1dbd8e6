export * from './connection.js'
export type {TlsOptions} from './dial.js'
