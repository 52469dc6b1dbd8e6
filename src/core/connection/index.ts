export * from './connection.js'
export type {TlsOptions} from './dial.js'
export type {ConnectionSettings} from './settings.js'
