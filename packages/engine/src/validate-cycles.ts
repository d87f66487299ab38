import { type Issue, issue, pointer } from '@sdflow/protocol'
import { findCycles } from './cycles.js'
import type { CheckedNode } from './validate.js'

/** Every cycle of links, each an SDF_GRAPH_CYCLE issue naming all of its nodes. */
export function checkCycles<S>(list: CheckedNode<S>[]): Issue[] {
  const left = cycleCandidates(list)
  if (left.length === 0) return []
  const nodes = new Map(left.map((node) => [node.id, node]))
  const candidates = new Set(nodes.keys())
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
 * only sees this (normally empty) remainder of a big graph. Links are counted (a node read
 * twice by one node is counted and peeled twice), in arrays indexed by node position.
 */
function cycleCandidates<S>(list: CheckedNode<S>[]): CheckedNode<S>[] {
  const inputs = new Int32Array(list.length)
  const consumers: number[][] = list.map(() => [])
  for (const node of list) {
    inputs[node.index] = node.from.length
    for (const source of node.from) consumers[source.index]?.push(node.index)
  }
  const left = new Uint8Array(list.length).fill(1)
  let remaining = list.length
  const stack: number[] = []
  for (let i = 0; i < list.length; i++) if (inputs[i] === 0) stack.push(i)
  while (stack.length > 0) {
    const at = stack.pop() as number
    left[at] = 0
    remaining--
    for (const next of consumers[at] ?? []) {
      const count = (inputs[next] ?? 0) - 1
      inputs[next] = count
      if (count === 0) stack.push(next)
    }
  }
  if (remaining === 0) return []
  // what is left is read by cycles or reads from them: peel those that nothing left reads
  const reads = new Int32Array(list.length)
  for (let i = 0; i < list.length; i++) {
    if (!left[i]) continue
    for (const next of consumers[i] ?? []) if (left[next]) reads[i] = (reads[i] ?? 0) + 1
  }
  for (let i = 0; i < list.length; i++) if (left[i] && reads[i] === 0) stack.push(i)
  while (stack.length > 0) {
    const at = stack.pop() as number
    left[at] = 0
    for (const source of list[at]?.from ?? []) {
      if (!left[source.index]) continue
      const count = (reads[source.index] ?? 0) - 1
      reads[source.index] = count
      if (count === 0) stack.push(source.index)
    }
  }
  return list.filter((node) => left[node.index])
}
