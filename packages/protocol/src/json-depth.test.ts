import { describe, expect, it } from 'vitest'
import { pointer, tooDeep } from './index.js'

const nested = (depth: number, key = 'a'): unknown => {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = { [key]: value }
  return value
}

describe('tooDeep', () => {
  it('passes a value nested exactly to the bound and names the first object past it', () => {
    expect(tooDeep(nested(3), 3)).toBeUndefined()
    expect(tooDeep(nested(4), 3)).toBe('/a/a/a')
    expect(tooDeep({ ok: [1, 2], deep: [{ 'x/y': { 'm~n': {} } }] }, 3)).toBe('/deep/0/x~1y')
  })

  it('answers for a value nested 100,000 levels deep without overflowing the stack', () => {
    expect(tooDeep(nested(100_000))).toBe(pointer(...Array(64).fill('a')))
    expect(tooDeep(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toBe(
      '/0'.repeat(64),
    )
  })
})
