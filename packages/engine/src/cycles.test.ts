import { describe, expect, it } from 'vitest'
import { findCycles } from './cycles.js'

const graph = (edges: [string, string][]) => {
  const out = new Map<string, string[]>()
  for (const [from, to] of edges) {
    out.set(from, [...(out.get(from) ?? []), to])
    if (!out.has(to)) out.set(to, [])
  }
  return { ids: [...out.keys()], next: (id: string) => out.get(id) ?? [] }
}

describe('findCycles', () => {
  it('finds each cycle once, a self-loop included, and nothing in a chain', () => {
    const g = graph([
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'a'],
      ['c', 'd'],
      ['e', 'e'],
      ['f', 'g'],
    ])
    const found = findCycles(g.ids, g.next).map((c) => [...c].sort())
    expect(found).toHaveLength(2)
    expect(found).toContainEqual(['a', 'b', 'c'])
    expect(found).toContainEqual(['e'])
  })

  it('walks a ring of 100 000 nodes without overflowing the stack', () => {
    const n = 100_000
    const ids = Array.from({ length: n }, (_, i) => `n${i}`)
    const found = findCycles(ids, (id) => [`n${(Number(id.slice(1)) + 1) % n}`])
    expect(found).toHaveLength(1)
    expect(found[0]).toHaveLength(n)
  })
})
