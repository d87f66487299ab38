/** A node to place: its id and rendered size in graph units. */
export interface Sized {
  id: string
  width: number
  height: number
}

export interface Edge {
  source: string
  target: string
}

export interface Placed {
  id: string
  x: number
  y: number
}

const GAP_X = 80
const GAP_Y = 40

/** Column of each linked node: the longest chain of links leading to it (cycles cut). */
function depths(ids: readonly string[], edges: readonly Edge[]): Map<string, number> {
  const into = new Map<string, string[]>(ids.map((id) => [id, []]))
  for (const e of edges) into.get(e.target)?.push(e.source)
  const depth = new Map<string, number>()
  const visiting = new Set<string>()
  const visit = (id: string): number => {
    const known = depth.get(id)
    if (known !== undefined) return known
    if (visiting.has(id)) return 0
    visiting.add(id)
    const d = Math.max(-1, ...(into.get(id) ?? []).map(visit)) + 1
    visiting.delete(id)
    depth.set(id, d)
    return d
  }
  for (const id of ids) visit(id)
  return depth
}

/**
 * A readable layout: linked nodes in columns by dependency depth (each column ordered by where
 * its inputs sit), nodes with no links in a grid below them. Boxes never overlap, whatever
 * their sizes; the order of `nodes` breaks ties, so the result is stable.
 */
export function gridLayout(nodes: readonly Sized[], edges: readonly Edge[]): Placed[] {
  const known = new Set(nodes.map((n) => n.id))
  const links = edges.filter(
    (e) => known.has(e.source) && known.has(e.target) && e.source !== e.target,
  )
  const linked = new Set(links.flatMap((e) => [e.source, e.target]))
  const chained = nodes.filter((n) => linked.has(n.id))
  const loose = nodes.filter((n) => !linked.has(n.id))
  const depth = depths(
    chained.map((n) => n.id),
    links,
  )
  const columns: Sized[][] = []
  for (const n of chained) {
    const d = depth.get(n.id) ?? 0
    columns[d] ??= []
    columns[d].push(n)
  }
  const out: Placed[] = []
  const centre = new Map<string, number>()
  const sources = new Map<string, string[]>()
  for (const e of links) sources.set(e.target, [...(sources.get(e.target) ?? []), e.source])
  let x = 0
  let bottom = 0
  for (const column of columns) {
    if (!column) continue
    const order = column.map((n, i) => {
      const ys = (sources.get(n.id) ?? []).flatMap((s) => {
        const c = centre.get(s)
        return c === undefined ? [] : [c]
      })
      return { n, key: ys.length > 0 ? ys.reduce((a, b) => a + b, 0) / ys.length : i * 1e-6 }
    })
    order.sort((a, b) => a.key - b.key)
    let y = 0
    for (const { n } of order) {
      out.push({ id: n.id, x, y })
      centre.set(n.id, y + n.height / 2)
      y += n.height + GAP_Y
    }
    bottom = Math.max(bottom, y)
    x += Math.max(...column.map((n) => n.width)) + GAP_X
  }
  // the rest in a grid of about square proportions, under the linked part
  const perRow = Math.max(1, Math.ceil(Math.sqrt(loose.length)))
  let y = chained.length > 0 ? bottom + GAP_Y : 0
  for (let i = 0; i < loose.length; i += perRow) {
    const row = loose.slice(i, i + perRow)
    let rx = 0
    for (const n of row) {
      out.push({ id: n.id, x: rx, y })
      rx += n.width + GAP_X
    }
    y += Math.max(...row.map((n) => n.height)) + GAP_Y
  }
  return out
}

/** Pairs of boxes that overlap (touching edges do not). */
export function overlapping(
  boxes: readonly (Sized & { x: number; y: number })[],
): [string, string][] {
  const pairs: [string, string][] = []
  boxes.forEach((a, i) => {
    for (const b of boxes.slice(i + 1)) {
      if (
        a.x < b.x + b.width &&
        b.x < a.x + a.width &&
        a.y < b.y + b.height &&
        b.y < a.y + a.height
      ) {
        pairs.push([a.id, b.id])
      }
    }
  })
  return pairs
}
