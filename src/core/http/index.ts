export * from './nsqd-client.js'
export * from './lookupd-client.js'
export {type HttpOptions} from './request.js'
export {postJson, type PostJsonOptions} from './post-json.js'
