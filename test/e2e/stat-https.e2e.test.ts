import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {runCli} from '../support/cli.js'
import {makeTestPki, type TestPki} from '../support/certs.js'
import {skipIntegration, startNsqd, stopAllServices, type NsqdProcess} from '../support/nsq.js'

describe.skipIf(skipIntegration)('nsq stat over HTTPS and with an Authorization header', () => {
  let pki: TestPki
  let nsqd: NsqdProcess
  let httpsPort: number
  beforeAll(async () => {
    pki = makeTestPki()
    nsqd = await startNsqd({args: ['--https-address=127.0.0.1:0', `--tls-cert=${pki.serverCert}`, `--tls-key=${pki.serverKey}`]})
    const match = /HTTPS: listening on 127\.0\.0\.1:(\d+)/.exec(nsqd.log())
    if (match === null) throw new Error(`no HTTPS listener in the nsqd log:\n${nsqd.log()}`)
    httpsPort = Number(match[1])
    const client = new NsqdHttpClient(nsqd.httpAddress)
    await client.createTopic('secure')
    await client.createChannel('secure', 'c')
    await client.mpub('secure', [Buffer.from('a'), Buffer.from('b')])
  })
  afterAll(stopAllServices)

  it('reads an https:// nsqd verified with --tls-ca; an untrusted certificate is a down node (exit 69)', async () => {
    const address = `https://localhost:${httpsPort}`
    const ok = await runCli(['stat', '--nsqd-http-address', address, '--tls-ca', pki.caFile, '--once', '--json'])
    expect(ok.code).toBe(0)
    const tick = JSON.parse(ok.stdout.toString('utf8')) as {nodes: {status: string}[]; channels: {topic: string; depth: number}[]}
    expect(tick.nodes).toEqual([{address, status: 'up', version: '1.3.0'}])
    expect(tick.channels).toEqual([expect.objectContaining({topic: 'secure', channel: 'c', depth: 2})])
    const untrusted = await runCli(['stat', '--nsqd-http-address', address, '--tls-ca', pki.otherCaFile, '--once', '--json'])
    expect(untrusted.code).toBe(69)
    expect(JSON.parse(untrusted.stdout.toString('utf8')).nodes[0]).toMatchObject({
      status: 'down',
      error: expect.stringMatching(/certificate|self.signed|issuer/i),
    })
  })

  it('sends the Authorization header from NSQ_HTTP_AUTH or --http-auth-file on every request', async () => {
    // A pass-through proxy in front of the real nsqd that records the header it receives.
    const seen: (string | undefined)[] = []
    const proxy = http.createServer((req, res) => {
      seen.push(req.headers.authorization)
      const upstream = http.request(
        {host: '127.0.0.1', port: nsqd.httpPort, path: req.url, method: req.method, headers: req.headers},
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        },
      )
      req.pipe(upstream)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const address = `127.0.0.1:${(proxy.address() as AddressInfo).port}`
    try {
      const viaEnv = await runCli(['stat', '--nsqd-http-address', address, '--once', '--json'], {env: {NSQ_HTTP_AUTH: 'Bearer from-env'}})
      expect(viaEnv.code).toBe(0)
      expect(JSON.parse(viaEnv.stdout.toString('utf8')).channels[0]).toMatchObject({topic: 'secure', depth: 2})
      expect(seen).toEqual(['Bearer from-env'])
      const fs = await import('node:fs')
      const file = `${pki.dir}/http-auth`
      fs.writeFileSync(file, 'Bearer from-file\n')
      const viaFile = await runCli(['stat', 'nodes', '--nsqd-http-address', address, '--http-auth-file', file, '--json'])
      expect(viaFile.code).toBe(0)
      expect(seen.slice(1)).toEqual(['Bearer from-file', 'Bearer from-file'])
    } finally {
      await new Promise((resolve) => proxy.close(resolve))
    }
  })
})
