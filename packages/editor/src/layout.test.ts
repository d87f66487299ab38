import { describe, expect, it } from 'vitest'
import { gridLayout, overlapping } from './layout.js'

const box = (id: string, width = 250, height = 120) => ({ id, width, height })
const placed = (nodes: ReturnType<typeof box>[], edges: { source: string; target: string }[]) => {
  const at = new Map(gridLayout(nodes, edges).map((p) => [p.id, p]))
  return nodes.map((n) => ({ ...n, x: at.get(n.id)?.x ?? NaN, y: at.get(n.id)?.y ?? NaN }))
}

describe('gridLayout', () => {
  it('puts linked nodes in columns by dependency depth, without overlaps of any size', () => {
    const nodes = [
      box('save'),
      box('gen', 250, 600),
      box('qr'),
      box('unit', 300, 260),
      box('verify'),
    ]
    const edges = [
      { source: 'qr', target: 'unit' },
      { source: 'unit', target: 'gen' },
      { source: 'gen', target: 'save' },
      { source: 'gen', target: 'verify' },
    ]
    const out = placed(nodes, edges)
    const x = (id: string) => out.find((n) => n.id === id)?.x
    expect(x('qr')).toBe(0)
    expect(x('unit')).toBeGreaterThan(0)
    expect(x('gen')).toBeGreaterThan(x('unit') ?? 0)
    expect(x('save')).toBe(x('verify'))
    expect(overlapping(out)).toEqual([])
  })

  it('lays nodes without links in a grid below the linked ones', () => {
    const nodes = [
      box('a'),
      box('b'),
      ...['c', 'd', 'e', 'f', 'g'].map((id) => box(id, 200, 90 + id.charCodeAt(0))),
    ]
    const out = placed(nodes, [{ source: 'a', target: 'b' }])
    const linkedBottom = Math.max(...out.slice(0, 2).map((n) => n.y + n.height))
    const loose = out.slice(2)
    expect(loose.every((n) => n.y >= linkedBottom)).toBe(true)
    expect(new Set(loose.map((n) => n.y)).size).toBe(2) // 5 nodes: rows of 3 and 2
    expect(overlapping(out)).toEqual([])
  })

  it('survives a cycle and links to unknown nodes', () => {
    const out = placed(
      [box('a'), box('b')],
      [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'a' },
        { source: 'x', target: 'a' },
      ],
    )
    expect(overlapping(out)).toEqual([])
  })
})
