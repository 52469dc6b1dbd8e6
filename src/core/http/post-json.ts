import {HttpError} from '../errors.js'

/** Options of {@link postJson}. */
export interface PostJsonOptions {
  /** Whole-request timeout in ms (default 5000). */
  timeoutMs?: number | undefined
  signal?: AbortSignal | undefined
}

/**
 * POSTs one JSON document (`Content-Type: application/json`) to a full URL, e.g. a notification
 * hook such as nsqd's `/pub?topic=…`. Resolves on any 2xx; rejects with HttpError otherwise
 * (status and the first 200 bytes of the body) or when no answer came within the timeout.
 */
export async function postJson(url: string, document: unknown, options: PostJsonOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal])
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(document),
      signal,
    })
  } catch (error) {
    if (timeout.aborted) throw new HttpError(url, `no complete response within ${timeoutMs} ms`, {code: 'TIMEOUT', cause: error})
    const cause = (error as {cause?: {code?: string; message?: string}}).cause
    const reason = cause?.code === 'ECONNREFUSED' ? 'connection refused' : (cause?.message ?? (error as Error).message)
    throw new HttpError(url, reason, {code: cause?.code === 'ECONNREFUSED' ? 'CONNECTION_REFUSED' : 'HTTP', cause: error})
  }
  const text = (await response.text()).slice(0, 200).trim()
  if (!response.ok) throw new HttpError(url, `HTTP ${response.status}${text === '' ? '' : ` ${text}`}`, {status: response.status})
}
