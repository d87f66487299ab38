import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { cacheKey } from './cache.js'
import { canonicalJson } from './canonical-json.js'

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined members and keeps array order', () => {
    const value = { b: 1, a: [3, { d: undefined, c: 'x', Z: null }], '10': true, '9': false }
    expect(canonicalJson(value)).toBe('{"10":true,"9":false,"a":[3,{"Z":null,"c":"x"}],"b":1}')
    expect(canonicalJson([undefined, () => 1])).toBe('[null,null]')
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":2}'))).toBe(
      '{"__proto__":{"x":1},"a":2}',
    )
  })
})

describe('cacheKey', () => {
  it('is the sha256 of the canonical JSON of type, version, params and inputs', () => {
    const params = { prompt: 'a cat', steps: 20, seed: 42 }
    const inputs = {
      image: [{ hash: 'ab', width: 8, height: 8, mime: 'image/png' }],
      mask: undefined,
    }
    const text = canonicalJson({ type: 'sd.img2img', version: 2, params, inputs })
    const expected = createHash('sha256').update(text).digest('hex')
    expect(cacheKey('sd.img2img', 2, params, inputs)).toBe(expected)
  })

  it('keeps the keys already written to cache files', () => {
    // a changed key would make every cached result a miss after an upgrade
    expect(cacheKey('test.add', 1, { b: 2 }, { a: 1 })).toBe(
      createHash('sha256')
        .update('{"inputs":{"a":1},"params":{"b":2},"type":"test.add","version":1}')
        .digest('hex'),
    )
  })
})
