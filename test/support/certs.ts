import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface TestPki {
  dir: string
  caFile: string
  /** A second CA that signed nothing we serve: trusting only it must fail. */
  otherCaFile: string
  serverCert: string
  serverKey: string
  clientCert: string
  clientKey: string
  /** A server certificate that expired yesterday. */
  expiredCert: string
  expiredKey: string
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
}

/**
 * Makes a throw-away CA and certificates with openssl: a server certificate for DNS:localhost
 * only (so dialling 127.0.0.1 must fail verification), a client certificate, an expired one,
 * and an unrelated CA.
 */
export function makeTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-pki-'))
  const ca = (name: string): void => {
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    ])
  }
  const leaf = (name: string, cn: string, ext: string, days: string, extraSignArgs: string[] = []): void => {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`])
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext)
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      days,
      '-extfile',
      `${name}.ext`,
      ...extraSignArgs,
    ])
  }
  ca('ca')
  ca('other-ca')
  leaf('server', 'localhost', 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n', '2')
  leaf('client', 'test-client', 'extendedKeyUsage=clientAuth\n', '2')
  // Backdated: valid from two days ago until yesterday.
  const start = new Date(Date.now() - 2 * 86_400_000)
  const end = new Date(Date.now() - 86_400_000)
  const stamp = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'expired.key', '-out', 'expired.csr', '-subj', '/CN=localhost'])
  fs.writeFileSync(
    path.join(dir, 'expired.cnf'),
    [
      '[ca]',
      'default_ca=d',
      '[d]',
      `dir=${dir}`,
      'database=$dir/index.txt',
      'new_certs_dir=$dir',
      'serial=$dir/serial',
      'default_md=sha256',
      'policy=p',
      'copy_extensions=none',
      'x509_extensions=e',
      '[p]',
      'commonName=supplied',
      '[e]',
      'subjectAltName=DNS:localhost',
      '',
    ].join('\n'),
  )
  fs.writeFileSync(path.join(dir, 'index.txt'), '')
  fs.writeFileSync(path.join(dir, 'serial'), '1000\n')
  openssl(dir, [
    'ca',
    '-batch',
    '-config',
    'expired.cnf',
    '-cert',
    'ca.pem',
    '-keyfile',
    'ca.key',
    '-in',
    'expired.csr',
    '-out',
    'expired.pem',
    '-startdate',
    stamp(start),
    '-enddate',
    stamp(end),
    '-notext',
  ])
  const p = (name: string): string => path.join(dir, name)
  return {
    dir,
    caFile: p('ca.pem'),
    otherCaFile: p('other-ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    expiredCert: p('expired.pem'),
    expiredKey: p('expired.key'),
  }
}

/**
 * nsqd arguments for a TLS-only nsqd with `pki`'s server certificate: plain TCP refused (TLS
 * required on TCP and HTTPS), HTTPS on a free loopback port (nsqd's default 0.0.0.0:4152 would
 * collide when two run at once).
 */
export function tlsRequiredNsqdArgs(pki: TestPki): string[] {
  return [`--tls-cert=${pki.serverCert}`, `--tls-key=${pki.serverKey}`, '--https-address=127.0.0.1:0', '--tls-required=tcp-https']
}
