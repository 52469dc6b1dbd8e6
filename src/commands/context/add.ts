import fs from 'node:fs'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {NsqCommand} from '../../cli/base-command.js'
import {contextSettingFlags} from '../../cli/context-flags.js'
import {EXIT, exitCodesHelp} from '../../cli/exit-codes.js'
import {AddressMap, NsqError} from '../../core/index.js'
import {ContextStore, isEnvName, validateContextName, type ContextSettings} from '../../tools/context/store.js'

const config = (message: string): NsqError => new NsqError('CONFIG', message)

export default class ContextAdd extends NsqCommand<typeof ContextAdd> {
  static override summary = 'Save a named set of connection flags (a context)'

  static override description = `Stores the connection flags given here under NAME in $XDG_CONFIG_HOME/nsq-toolkit/contexts/NAME.json (default ~/.config/nsq-toolkit), written atomically with mode 0600. Every command then takes them with --context NAME, NSQ_CONTEXT=NAME, or by default once it is the current context (nsq context use NAME); flags and env vars given to a command still win.

Secrets are never stored: give the AUTH secret as --auth-secret-file FILE or --auth-secret-env VARIABLE (read when a command runs), the HTTP Authorization as --http-auth-file FILE or --http-auth-env VARIABLE. File paths are stored absolute. Environment variables (NSQ_*) are not read by this command: a context holds what is typed here.

${exitCodesHelp([EXIT.OK, EXIT.USAGE])}`

  static override examples = [
    {
      description: 'A cluster found through lookupd',
      command:
        '<%= config.bin %> <%= command.id %> prod --lookupd-http-address lookupd-1:4161 --lookupd-http-address lookupd-2:4161 --description "production"',
    },
    {
      description: 'TLS and AUTH, the secret in a file, made the current context',
      command:
        '<%= config.bin %> <%= command.id %> secure --nsqd-tcp-address nsqd:4150 --tls-ca ca.pem --auth-secret-file ~/.nsq/secret --use',
    },
    {
      description: 'Replace an existing context',
      command: '<%= config.bin %> <%= command.id %> dev --nsqd-tcp-address 127.0.0.1:4150 --force',
    },
  ]

  static override appliesContext = false

  static override args = {
    name: Args.string({description: 'name of the context (letters, digits, ".", "_", "-")', required: true, ignoreStdin: true}),
  }

  static override flags = {
    description: Flags.string({summary: 'what this context is for (shown by nsq context list)'}),
    force: Flags.boolean({summary: 'replace a context of the same name'}),
    use: Flags.boolean({summary: 'also make it the current context'}),
    ...contextSettingFlags,
  }

  async run(): Promise<void> {
    const {flags, args} = this
    validateContextName(args.name)
    const settings = this.settings()
    const store = new ContextStore()
    if (store.exists(args.name) && !flags.force)
      throw config(`context "${args.name}" exists (${store.fileOf(args.name)}): add --force to replace it, or nsq context rm ${args.name}`)
    const file = store.write(args.name, settings)
    this.status(`context "${args.name}" saved to ${file}`)
    if (flags.use) {
      store.use(args.name)
      this.status(`current context: ${args.name}`)
    }
  }

  /** The context from the flags, checked (no secret value, references well-formed, one kind of address). */
  private settings(): ContextSettings {
    const f = this.flags
    if (f['auth-secret'] !== undefined)
      throw config('a context never stores a secret: give --auth-secret-file FILE or --auth-secret-env VARIABLE instead of --auth-secret')
    for (const flag of ['auth-secret-env', 'http-auth-env'] as const) {
      const value = f[flag]
      // The message never repeats the value: it may be the secret itself, typed here by mistake.
      if (value !== undefined && !isEnvName(value))
        throw config(`--${flag} takes the NAME of an environment variable (letters, digits and _), not the secret itself`)
    }
    if (f['auth-secret-file'] !== undefined && f['auth-secret-env'] !== undefined)
      throw config('give --auth-secret-file or --auth-secret-env, not both')
    if (f['http-auth-file'] !== undefined && f['http-auth-env'] !== undefined)
      throw config('give --http-auth-file or --http-auth-env, not both')
    if ((f['tls-cert'] === undefined) !== (f['tls-key'] === undefined)) throw config('--tls-cert and --tls-key go together')
    const lookupd = f['lookupd-http-address']
    if (lookupd !== undefined && (f['nsqd-tcp-address'] !== undefined || f['nsqd-http-address'] !== undefined))
      throw config('give --lookupd-http-address or nsqd addresses, not both (as the commands take them: lookupd finds the nsqd itself)')
    if (f['address-map'] !== undefined) {
      try {
        AddressMap.parse(f['address-map'])
      } catch (error) {
        throw config(`--address-map: ${(error as Error).message}`)
      }
    }
    const settings: ContextSettings = {}
    if (f.description !== undefined) settings.description = f.description
    if (lookupd !== undefined) settings.lookupd_http_address = lookupd
    if (f['nsqd-tcp-address'] !== undefined) settings.nsqd_tcp_address = f['nsqd-tcp-address']
    if (f['nsqd-http-address'] !== undefined) settings.nsqd_http_address = f['nsqd-http-address']
    if (f.tls === true) settings.tls = true
    if (f['tls-insecure'] === true) settings.tls_insecure = true
    if (f['tls-min-version'] !== undefined) settings.tls_min_version = f['tls-min-version']
    for (const [flag, key] of [
      ['tls-ca', 'tls_ca'],
      ['tls-cert', 'tls_cert'],
      ['tls-key', 'tls_key'],
      ['auth-secret-file', 'auth_secret_file'],
      ['http-auth-file', 'http_auth_file'],
    ] as const) {
      const file = f[flag]
      if (file === undefined) continue
      const absolute = path.resolve(file)
      if (!fs.existsSync(absolute)) this.warn(`--${flag} ${absolute} does not exist (yet); commands using this context will need it`)
      settings[key] = absolute
    }
    if (f['auth-secret-env'] !== undefined) settings.auth_secret_env = f['auth-secret-env']
    if (f['http-auth-env'] !== undefined) settings.http_auth_env = f['http-auth-env']
    if (f.compression !== undefined) settings.compression = f.compression
    if (f['deflate-level'] !== undefined) settings.deflate_level = f['deflate-level']
    if (f['address-map'] !== undefined) settings.address_map = f['address-map']
    return settings
  }
}
