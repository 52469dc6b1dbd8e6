/** The small part of nsqjs (untyped on npm) that bench:consume uses. */
declare module 'nsqjs' {
  interface NsqjsMessage {
    finish(): void
  }
  export class Reader {
    constructor(topic: string, channel: string, options: {nsqdTCPAddresses: string[]; maxInFlight: number})
    on(event: 'message', listener: (message: NsqjsMessage) => void): this
    connect(): void
    close(): void
  }
  const nsqjs: {Reader: typeof Reader}
  export default nsqjs
}
