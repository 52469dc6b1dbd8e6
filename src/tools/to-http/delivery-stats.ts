/**
 * What to-http counts while it delivers: requests by status class, messages delivered, refused,
 * requeued, and the latency of the requests that got a response (an HDR histogram, the one bench
 * uses). Kept apart from the sink so delivery reads as delivery; the status line and the summary
 * read these.
 */
import {newHistogram, recordMs, type LatencyHistogram} from '../bench/histogram.js'

/** Requests by what came back. */
export interface StatusCounts {
  '2xx': number
  '3xx': number
  '4xx': number
  '5xx': number
  /** No response: refused, timed out, reset. */
  error: number
}

export interface HttpSinkStats {
  /** Requests sent (each attempt on each URL). */
  requests: number
  byClass: StatusCounts
  /** Messages an endpoint (fanout: every URL) took. */
  delivered: number
  /** Messages written to the errors file (a 4xx). */
  rejected: number
  /** Deliveries that ended in a REQ. */
  requeued: number
  /** REQs whose delay came from the endpoint's Retry-After. */
  retryAfter: number
  /**
   * Failed requests that may still have reached the endpoint (a timeout or reset after sending):
   * the retry may be a duplicate there. An upper bound of the duplicates to-http can cause.
   */
  uncertain: number
}

/** The status class of an HTTP status. */
export function statusClass(status: number): keyof StatusCounts {
  if (status >= 200 && status < 300) return '2xx'
  if (status >= 300 && status < 400) return '3xx'
  if (status >= 400 && status < 500) return '4xx'
  return '5xx'
}

/** Latency percentiles, ms. */
export interface LatencyMs {
  p50: number
  p99: number
  max: number
}

export class DeliveryStats {
  readonly counts: HttpSinkStats = {
    requests: 0,
    byClass: {'2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, error: 0},
    delivered: 0,
    rejected: 0,
    requeued: 0,
    retryAfter: 0,
    uncertain: 0,
  }
  private readonly latency: LatencyHistogram = newHistogram()

  /** A request left (each attempt on each URL). */
  requestSent(): void {
    this.counts.requests++
  }

  /** A response with `status` came after `ms`. */
  response(status: number, ms: number): void {
    this.counts.byClass[statusClass(status)]++
    recordMs(this.latency, ms)
  }

  /** No response; `sent`: the request may have reached the endpoint (a retry may be a duplicate). */
  noResponse(sent: boolean): void {
    this.counts.byClass.error++
    if (sent) this.counts.uncertain++
  }

  /** p50, p99 and max of the responses so far; null before the first. */
  latencyMs(): LatencyMs | null {
    const h = this.latency
    if (h.count === 0) return null
    return {p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6}
  }

  /** A copy of the counts (for a summary that outlives the run). */
  snapshot(): HttpSinkStats {
    return {...this.counts, byClass: {...this.counts.byClass}}
  }
}
