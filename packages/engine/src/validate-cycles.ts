import { type Issue, issue, pointer } from '@sdflow/protocol'
import { findCycles } from './cycles.js'
import type { CheckedNode } from './validate.js'

/** Every cycle of links, each an SDF_GRAPH_CYCLE issue naming all of its nodes. */
export function checkCycles<S>(nodes: Map<string, CheckedNode<S>>): Issue[] {
  const candidates = cycleCandidates(nodes)
  const consumers = new Map<string, string[]>([...candidates].map((id) => [id, []]))
  for (const id of candidates) {
    for (const links of Object.values(nodes.get(id)?.links ?? {})) {
      for (const link of links) consumers.get(link.node)?.push(id)
    }
  }
  const cycles = findCycles(candidates, (id) => consumers.get(id) ?? [])
  return cycles.map((cycle) => {
    const members = new Set(cycle)
    const ordered = [...cycle].sort()
    const first = ordered[0] ?? ''
    const entry = Object.entries(nodes.get(first)?.links ?? {}).find(([, links]) =>
      links.some((l) => members.has(l.node)),
    )
    const at = entry ? pointer('nodes', first, 'inputs', entry[0]) : pointer('nodes', first)
    return issue(
      'SDF_GRAPH_CYCLE',
      at,
      `nodes ${ordered.map((n) => `"${n}"`).join(', ')} form a cycle; remove one of their links`,
      { details: { nodes: ordered } },
    )
  })
}

/**
 * The nodes that can be on a cycle: those left after peeling, without recursion, every node
 * with no remaining inputs and then every node with no remaining consumers. The cycle search
 * only sees this (normally empty) remainder of a big graph.
 */
function cycleCandidates<S>(nodes: Map<string, CheckedNode<S>>): Set<string> {
  const sources = new Map<string, Set<string>>()
  const consumers = new Map<string, Set<string>>()
  for (const id of nodes.keys()) {
    sources.set(id, new Set())
    consumers.set(id, new Set())
  }
  for (const [id, node] of nodes) {
    for (const links of Object.values(node.links)) {
      for (const link of links) {
        sources.get(id)?.add(link.node)
        consumers.get(link.node)?.add(id)
      }
    }
  }
  const left = new Set(nodes.keys())
  const peel = (from: Map<string, Set<string>>, to: Map<string, Set<string>>) => {
    const stack = [...left].filter((id) => from.get(id)?.size === 0)
    while (stack.length > 0) {
      const id = stack.pop() as string
      if (!left.delete(id)) continue
      for (const next of to.get(id) ?? []) {
        const rest = from.get(next)
        rest?.delete(id)
        if (rest?.size === 0 && left.has(next)) stack.push(next)
      }
    }
  }
  peel(sources, consumers)
  peel(consumers, sources)
  return left
}
