import {describe, expect, it} from 'vitest'
import {isNsqError} from '../../../src/core/index.js'
import {
  datedName,
  DEFAULT_DATETIME_FORMAT,
  MISSING_REV_FOR_SINK,
  DEFAULT_FILENAME_FORMAT,
  topicFilenameFormat,
  withRev,
  type NamingOptions,
} from '../../../src/tools/to-file/naming.js'
import {utcWallTime} from '../../../src/tools/to-file/strftime.js'

const base: NamingOptions = {
  filenameFormat: DEFAULT_FILENAME_FORMAT,
  hostIdentifier: '',
  gzip: false,
  rotateSize: 0,
  rotateIntervalMs: 0,
  separateWorkDir: false,
}
const host = {hostname: 'box.example.com', pid: 4242}
const time = utcWallTime(new Date(Date.UTC(2024, 0, 31, 15, 30)))

describe('archive file names (computeFilenameFormat / currentFilename / updateFile)', () => {
  it('drops <REV> when nothing needs it and uses the short host name', () => {
    const format = topicFilenameFormat(base, 'clicks', host)
    expect(format).toBe('clicks.box.<DATETIME>.log')
    expect(datedName(format, DEFAULT_DATETIME_FORMAT, time)).toBe('clicks.box.2024-01-31_15.log')
  })

  it('keeps <REV> as -%06d with gzip, and appends .gz once', () => {
    const format = topicFilenameFormat({...base, gzip: true}, 'clicks', host)
    expect(format).toBe('clicks.box<REV>.<DATETIME>.log.gz')
    expect(withRev(datedName(format, DEFAULT_DATETIME_FORMAT, time), 0)).toBe('clicks.box-000000.2024-01-31_15.log.gz')
    expect(withRev('a<REV>', 12)).toBe('a-000012')
    expect(topicFilenameFormat({...base, gzip: true, filenameFormat: '<TOPIC><REV>.gz'}, 't', host)).toBe('t<REV>.gz')
  })

  it('requires <REV> with gzip, rotation or a separate work dir', () => {
    const noRev = {...base, filenameFormat: '<TOPIC>.<DATETIME>.log'}
    for (const options of [
      {...noRev, gzip: true},
      {...noRev, rotateSize: 10},
      {...noRev, rotateIntervalMs: 1000},
      {...noRev, separateWorkDir: true},
    ]) {
      let error: unknown
      try {
        topicFilenameFormat(options, 't', host)
      } catch (caught) {
        error = caught
      }
      expect(isNsqError(error) && error.code === 'CONFIG').toBe(true)
      expect((error as Error).message).toBe('missing <REV> in --filename-format when gzip, rotation, or work dir enabled')
    }
    expect(topicFilenameFormat(noRev, 't', host)).toBe('t.<DATETIME>.log')
  })

  it('with unique names (a sink is set) keeps <REV> even when appending, and requires it', () => {
    expect(topicFilenameFormat({...base, uniqueNames: true}, 'clicks', host)).toBe('clicks.box<REV>.<DATETIME>.log')
    expect(topicFilenameFormat({...base, uniqueNames: false}, 'clicks', host)).toBe('clicks.box.<DATETIME>.log')
    let error: unknown
    try {
      topicFilenameFormat({...base, uniqueNames: true, filenameFormat: '<TOPIC>.<DATETIME>.log'}, 't', host)
    } catch (caught) {
      error = caught
    }
    expect(isNsqError(error) && error.code === 'CONFIG').toBe(true)
    expect((error as Error).message).toBe(MISSING_REV_FOR_SINK)
    expect(MISSING_REV_FOR_SINK).toMatch(/<REV>.*--s3-bucket/)
  })

  it('substitutes --host-identifier with <SHORT_HOST> and <HOSTNAME>, and <PID>', () => {
    expect(
      topicFilenameFormat({...base, hostIdentifier: 'x-<SHORT_HOST>-<HOSTNAME>', filenameFormat: '<TOPIC>/<HOST>.<PID>.log'}, 't', host),
    ).toBe('t/x-box-box.example.com.4242.log')
  })
})
