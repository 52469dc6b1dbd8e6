import {describe, expect, it} from 'vitest'
import {goFormat, strftime, strftimeToGoLayout, utcWallTime, type WallTime} from '../../../src/tools/to-file/strftime.js'

// 2024-03-07 15:04:05.120 UTC, a Thursday, day 67 of a leap year.
const t: WallTime = utcWallTime(new Date(Date.UTC(2024, 2, 7, 15, 4, 5, 120)))
const morning: WallTime = {...t, hour: 9, weekday: 1}
const zoned: WallTime = {...t, offsetSeconds: 3600 + 30 * 60, zoneName: 'XST'}

describe('strftime (nsq_to_file semantics: conversions become a Go layout, then time.Format)', () => {
  it('formats the default --datetime-format', () => {
    expect(strftime('%Y-%m-%d_%H', t)).toBe('2024-03-07_15')
  })

  it('supports exactly the conversions of nsq_to_file', () => {
    expect(strftime('%B %b %m %A %a %d %H %I %M %S %Y %y %p %%', t)).toBe('March Mar 03 Thursday Thu 07 15 03 04 05 2024 24 PM %')
    expect(strftime('%I%p', morning)).toBe('09AM')
    expect(strftime('%Z %z', zoned)).toBe('XST +0130')
    expect(strftime('%Z', {...t, zoneName: ''})).toBe('+0000')
  })

  it('leaves unknown conversions as they are', () => {
    expect(strftimeToGoLayout('%q%j')).toBe('%q%j')
    expect(strftime('%q', t)).toBe('%q')
  })

  it('replaces literal text that happens to be a Go layout token, as the official app does', () => {
    // "v1" → the month number; "day2" → day of month; "Jan"/"Mon" → month/day names; "PM" → AM/PM.
    expect(strftime('v1-%H', t)).toBe('v3-15')
    expect(strftime('day2', t)).toBe('day7')
    expect(strftime('Jan.Mon', t)).toBe('Mar.Thu')
    expect(strftime('at-PM', morning)).toBe('at-AM')
    expect(strftime('x06', t)).toBe('x24')
    // Words that only start like a token are not tokens (Go checks the next letter).
    expect(strftime('Janet-Monica', t)).toBe('Janet-Monica')
  })

  it('knows the other Go layout tokens', () => {
    expect(goFormat('_2|__2|002|3|4|5|pm|-07:00|Z07:00|.000|.999', t)).toBe(' 7| 67|067|3|4|5|pm|+00:00|Z|.120|.12')
    expect(goFormat('Z0700 -07', zoned)).toBe('+0130 +01')
    expect(goFormat('_2006', t)).toBe('_2024')
  })
})
