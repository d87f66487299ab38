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
 * only sees this (normally empty) remainder of a big graph. Links are counted, not collected
 * into sets: a link read twice from one node is counted twice and peeled twice.
 */
function cycleCandidates<S>(nodes: Map<string, CheckedNode<S>>): Set<string> {
  const inputs = new Map<string, number>()
  const consumers = new Map<string, string[]>()
  for (const id of nodes.keys()) inputs.set(id, 0)
  for (const [id, node] of nodes) {
    for (const name in node.links) {
      for (const link of node.links[name] ?? []) {
        if (!nodes.has(link.node)) continue
        inputs.set(id, (inputs.get(id) ?? 0) + 1)
        const list = consumers.get(link.node)
        if (list) list.push(id)
        else consumers.set(link.node, [id])
      }
    }
  }
  const left = new Set(nodes.keys())
  const stack: string[] = []
  for (const [id, count] of inputs) if (count === 0) stack.push(id)
  while (stack.length > 0) {
    const id = stack.pop() as string
    left.delete(id)
    for (const next of consumers.get(id) ?? []) {
      const count = (inputs.get(next) ?? 0) - 1
      inputs.set(next, count)
      if (count === 0) stack.push(next)
    }
  }
  if (left.size === 0) return left
  // what is left is read by cycles or reads from them: peel those that nothing left reads
  const reads = new Map<string, number>()
  for (const id of left) reads.set(id, 0)
  for (const id of left) {
    for (const next of consumers.get(id) ?? []) {
      if (left.has(next)) reads.set(id, (reads.get(id) ?? 0) + 1)
    }
  }
  for (const [id, count] of reads) if (count === 0) stack.push(id)
  while (stack.length > 0) {
    const id = stack.pop() as string
    left.delete(id)
    const node = nodes.get(id)
    for (const name in node?.links) {
      for (const link of node?.links[name] ?? []) {
        if (!left.has(link.node)) continue
        const count = (reads.get(link.node) ?? 0) - 1
        reads.set(link.node, count)
        if (count === 0) stack.push(link.node)
      }
    }
  }
  return left
}
