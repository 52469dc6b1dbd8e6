/** Turns whatever a call threw into the fields of a {@link CallResult}. */
import {HttpError} from '../../core/index.js'
import type {CallResult} from './types.js'

export function failure(error: unknown): Pick<CallResult, 'status' | 'error' | 'http_status' | 'unreachable'> {
  if (error instanceof HttpError) {
    const fields: Pick<CallResult, 'status' | 'error' | 'http_status' | 'unreachable'> = {status: 'failed', error: error.message}
    if (error.status !== undefined && error.status > 0) {
      fields.http_status = error.status
      // nsqd's own word (TOPIC_NOT_FOUND) is what the user can act on; the URL is in the row already.
      fields.error = `HTTP ${error.status} ${error.apiMessage ?? error.message.replace(/ \(https?:\/\/[^)]*\)$/, '')}`.trim()
    } else {
      fields.unreachable = true
      fields.error = error.message.replace(/ \(https?:\/\/[^)]*\)$/, '')
    }
    return fields
  }
  return {status: 'failed', error: error instanceof Error ? error.message : String(error), unreachable: true}
}
