import {LookupdHttpClient, type HttpOptions, type NsqError} from '../../core/index.js'

export interface TopicWatcherOptions {
  lookupd: readonly string[]
  /** Topics whose name matches (unanchored, like nsq_to_file's --topic-pattern) are reported. */
  pattern: RegExp
  /** How often lookupd's /topics is asked again (ms). */
  intervalMs: number
  http?: HttpOptions
  /** A matching topic seen for the first time. */
  onTopic(topic: string): void
  /** One lookupd could not be asked this round. */
  onError?(address: string, error: NsqError | Error): void
}

/**
 * `--topic-pattern` discovery: asks every nsqlookupd for its topics now and then on an interval,
 * and reports each matching topic once (the union over all lookupd, so one being down hides nothing
 * another knows).
 */
export class TopicWatcher {
  private readonly clients: LookupdHttpClient[]
  private readonly seen = new Set<string>()
  private readonly abort = new AbortController()
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly options: TopicWatcherOptions) {
    this.clients = options.lookupd.map((address) => new LookupdHttpClient(address, options.http))
  }

  /** Runs the first round (awaited) and schedules the next ones. */
  async start(): Promise<void> {
    await this.poll()
    this.schedule()
  }

  stop(): void {
    this.abort.abort()
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** One round: ask every lookupd, report matching topics not reported before. */
  async poll(): Promise<void> {
    const answers = await Promise.allSettled(this.clients.map((client) => client.topics(this.abort.signal)))
    if (this.abort.signal.aborted) return
    const found: string[] = []
    answers.forEach((answer, index) => {
      if (answer.status === 'fulfilled') found.push(...answer.value)
      else this.options.onError?.((this.clients[index] as LookupdHttpClient).address, answer.reason as Error)
    })
    for (const topic of found.sort()) {
      if (this.seen.has(topic) || !this.options.pattern.test(topic)) continue
      this.seen.add(topic)
      this.options.onTopic(topic)
    }
  }

  private schedule(): void {
    if (this.abort.signal.aborted) return
    this.timer = setTimeout(() => {
      void this.poll().then(() => this.schedule())
    }, this.options.intervalMs)
  }
}
