import type { CheckedWorkflow } from './validate.js'

export interface Plan {
  /** Node ids in a topological order: every node after all of its inputs. */
  order: string[]
  /** Planned nodes that consume each node's outputs. */
  dependents: Map<string, string[]>
  /** Number of distinct planned nodes each node waits for. */
  waitsFor: Map<string, number>
}

/**
 * The nodes that a workflow output or an output node (image.save) depends on, in order.
 * With neither declared, every node runs. Iterative, so deep graphs cannot overflow the stack.
 */
export function plan<S>(workflow: CheckedWorkflow<S>): Plan {
  const { doc, nodes } = workflow
  const targets = new Set<string>(Object.values(doc.outputs ?? {}).map((o) => o.node))
  for (const node of nodes.values()) if (node.node.spec.isOutput) targets.add(node.id)
  if (targets.size === 0) for (const id of nodes.keys()) targets.add(id)

  const needed = new Set<string>()
  const stack = [...targets]
  while (stack.length > 0) {
    const id = stack.pop() as string
    if (needed.has(id)) continue
    needed.add(id)
    for (const links of Object.values(nodes.get(id)?.links ?? {})) {
      for (const link of links) if (!needed.has(link.node)) stack.push(link.node)
    }
  }

  const dependents = new Map<string, string[]>()
  const waitsFor = new Map<string, number>()
  for (const id of needed) {
    const sources = new Set<string>()
    for (const links of Object.values(nodes.get(id)?.links ?? {})) {
      for (const link of links) sources.add(link.node)
    }
    waitsFor.set(id, sources.size)
    for (const source of sources) {
      const list = dependents.get(source) ?? []
      list.push(id)
      dependents.set(source, list)
    }
  }

  const remaining = new Map(waitsFor)
  const order: string[] = []
  const ready = [...needed].filter((id) => remaining.get(id) === 0)
  while (ready.length > 0) {
    const id = ready.shift() as string
    order.push(id)
    for (const next of dependents.get(id) ?? []) {
      const left = (remaining.get(next) ?? 0) - 1
      remaining.set(next, left)
      if (left === 0) ready.push(next)
    }
  }
  if (order.length !== needed.size) throw new Error('plan called on a cyclic workflow')
  return { order, dependents, waitsFor }
}
