import {describe, expect, it} from 'vitest'
import {translateGoArgs} from '../../../src/cli/drop-in.js'
import ToFileCommand from '../../../src/commands/to-file.js'

describe('nsq_to_file drop-in flags', () => {
  it('maps the official Go-style flags onto to-file', () => {
    const {argv, notes} = translateGoArgs(
      [
        '-topic=a',
        '--topic',
        'b',
        '-channel',
        'c',
        '-nsqd-tcp-address=127.0.0.1:4150',
        '-output-dir',
        '/o',
        '-work-dir=/w',
        '-gzip',
        '-gzip-level=9',
        '-rotate-size=1000',
        '-rotate-interval=1h',
        '-sync-interval',
        '5s',
        '-skip-empty-files=true',
        '-filename-format=<TOPIC><REV>.log',
        '-datetime-format=%Y',
        '-host-identifier=h',
        '-max-in-flight=10',
        '-consumer-opt=tls_v1,true',
        '-log-level',
        'debug',
        '-log-prefix=x',
        '-topic-pattern=^a',
        '-topic-refresh=30s',
        '-http-client-connect-timeout=1s',
        '-http-client-request-timeout=2s',
      ],
      ToFileCommand.dropIn,
    )
    expect(argv).toEqual([
      'to-file',
      '--topic=a',
      '--topic',
      'b',
      '--channel',
      'c',
      '--nsqd-tcp-address=127.0.0.1:4150',
      '--output-dir',
      '/o',
      '--work-dir=/w',
      '--gzip',
      '--gzip-level=9',
      '--rotate-size=1000',
      '--rotate-interval=1h',
      '--sync-interval',
      '5s',
      '--skip-empty-files',
      '--filename-format=<TOPIC><REV>.log',
      '--datetime-format=%Y',
      '--host-identifier=h',
      '--max-in-flight=10',
      '--tls',
      '--topic-pattern=^a',
      '--topic-refresh=30s',
      '--http-client-connect-timeout=1s',
      '--http-client-request-timeout=2s',
    ])
    expect(notes).toEqual(['ignoring -log-level: not needed by nsq-toolkit', 'ignoring -log-prefix: not needed by nsq-toolkit'])
  })
  it('drops false booleans (to-file has no --no-gzip)', () => {
    expect(translateGoArgs(['-gzip=false', '-skip-empty-files=0', '--version'], ToFileCommand.dropIn).argv).toEqual([
      'to-file',
      '--version',
    ])
  })
})
