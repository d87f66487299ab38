import { describe, expect, it } from 'vitest'
import { floatRepr, pyFloat, pyJsonDumps, quote } from './py-format.js'

describe('python formatting', () => {
  it('renders floats like repr()', () => {
    expect(floatRepr(7)).toBe('7.0')
    expect(floatRepr(0.75)).toBe('0.75')
    expect(floatRepr(1e-5)).toBe('1e-05')
    expect(floatRepr(1e16)).toBe('1e+16')
  })

  it('dumps JSON with Python separators and ASCII escapes', () => {
    expect(pyJsonDumps({ a: [1, pyFloat(2)], b: 'é"', c: null, d: true })).toBe(
      '{"a": [1, 2.0], "b": "\\u00e9\\"", "c": null, "d": true}',
    )
  })

  it('quotes infotext values holding separators', () => {
    expect(quote('plain')).toBe('plain')
    expect(quote('a: b, c')).toBe('"a: b, c"')
  })
})
