import { canConnect, type NodeSpec, type SocketKind } from '@sdflow/protocol'

/** A dragged link's loose end: new nodes must take (output side) or give (input side) `kind`. */
export interface LinkEnd {
  nodeId: string
  key: string
  side: 'input' | 'output'
  kind: SocketKind
}

export interface SearchHit {
  spec: NodeSpec
  /** The socket of the new node that connects to the link end, when there is one. */
  socket?: string
}

/** The first socket of `spec` a link from/to `end` can attach to. */
export function socketFor(spec: NodeSpec, end: LinkEnd): string | undefined {
  if (end.side === 'output') {
    return Object.entries(spec.inputs).find(([, i]) => canConnect(end.kind, i.kind).ok)?.[0]
  }
  return Object.entries(spec.outputs).find(([, o]) => canConnect(o.kind, end.kind).ok)?.[0]
}

/**
 * Node types matching every word of `query` in title, type id, category or description, best
 * first (title matches, then type id, then the rest); with `end`, only those that connect to it.
 */
export function searchNodes(specs: Iterable<NodeSpec>, query: string, end?: LinkEnd): SearchHit[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  const scored: { hit: SearchHit; score: number; title: string }[] = []
  for (const spec of specs) {
    const socket = end ? socketFor(spec, end) : undefined
    if (end && socket === undefined) continue
    const title = spec.title.toLowerCase()
    const type = spec.type.toLowerCase()
    const rest = `${spec.category} ${spec.description}`.toLowerCase()
    let score = 0
    let all = true
    for (const w of words) {
      if (title.startsWith(w)) score += 4
      else if (title.includes(w)) score += 3
      else if (type.includes(w)) score += 2
      else if (rest.includes(w)) score += 1
      else all = false
    }
    if (!all) continue
    scored.push({ hit: socket ? { spec, socket } : { spec }, score, title })
  }
  scored.sort((a, b) => b.score - a.score || a.title.localeCompare(b.title))
  return scored.map((s) => s.hit)
}
