/**
 * What the tools tell a metrics endpoint, without knowing about Prometheus: the seams
 * (TopicSource consumers, the Publisher, the to-file archiver and uploader, the HTTP sink) call
 * these, once per batch, sync, upload or request, never per message. `command-metrics.ts`
 * implements them on prom-client; a tool given none pays nothing.
 */
import type {Consumer} from '../../core/index.js'

/** The consume side: a consumer's own counters (received, finished, requeued, reconnects) are read at scrape time. */
export interface ConsumeObserver {
  consumer(topic: string, consumer: Consumer): void
  /** A connection to an nsqd was lost with an error (the consumer reconnects). */
  connectionLost(topic: string, address: string): void
}

/** The publish side: once per batch, when nsqd has answered for all of it. */
export interface PublishObserver {
  batch(seconds: number, published: number, failed: number, bytes: number): void
  /** A connection to this nsqd was lost with an error. */
  lost(address: string): void
  /** Connected again to an nsqd connected before. */
  reconnected(address: string): void
}

/** to-file: each fdatasync of a batch. */
export interface SyncObserver {
  synced(topic: string, seconds: number): void
}

/** to-http: each HTTP request, with its status (0 when no answer came: a timeout or a refused connection). */
export interface RequestObserver {
  request(seconds: number, status: number): void
}
