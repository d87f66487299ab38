import type { CheckedNode, CheckedWorkflow } from './validate.js'
import { sourceLinks } from './validate-bypass.js'

export interface Plan {
  /** Node ids in a topological order: every node after all of its inputs. */
  order: string[]
  /** Planned nodes that consume each node's outputs. */
  dependents: Map<string, string[]>
  /** Number of distinct planned nodes each node waits for. */
  waitsFor: Map<string, number>
  /** The document's nodes left out of the plan, in document order, each with why. */
  notPlanned: NotPlanned[]
}

export interface NotPlanned {
  id: string
  /** For people: "feeds no output", with what it feeds. */
  reason: string
}

/**
 * The nodes that a target depends on, in order. Targets are the nodes read by declared
 * workflow outputs, output nodes (image.save) and, when the workflow declares no outputs,
 * every sink (a node whose outputs nothing reads): a verdict or a value a user looks at runs
 * even with nothing after it. Iterative, so deep graphs cannot overflow the stack.
 */
export function plan<S>(workflow: CheckedWorkflow<S>): Plan {
  const { doc, nodes } = workflow
  const declared = Object.values(doc.outputs ?? {})
  const targets = new Set<string>(declared.map((o) => o.node))
  for (const node of nodes.values()) if (node.node.spec.isOutput) targets.add(node.id)
  const readers = readersOf(nodes)
  if (declared.length === 0) {
    for (const id of nodes.keys()) if (!readers.has(id)) targets.add(id)
  }

  const needed = new Set<string>()
  const stack = [...targets]
  while (stack.length > 0) {
    const id = stack.pop() as string
    if (needed.has(id)) continue
    needed.add(id)
    const node = nodes.get(id)
    if (!node) continue
    for (const link of sourceLinks(node)) if (!needed.has(link.node)) stack.push(link.node)
  }

  const dependents = new Map<string, string[]>()
  const waitsFor = new Map<string, number>()
  for (const id of needed) {
    const node = nodes.get(id)
    const sources = new Set(node ? sourceLinks(node).map((link) => link.node) : [])
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
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i] as string
    order.push(id)
    for (const next of dependents.get(id) ?? []) {
      const left = (remaining.get(next) ?? 0) - 1
      remaining.set(next, left)
      if (left === 0) ready.push(next)
    }
  }
  if (order.length !== needed.size) throw new Error('plan called on a cyclic workflow')

  const notPlanned: NotPlanned[] = []
  for (const id of nodes.keys()) {
    if (!needed.has(id)) notPlanned.push({ id, reason: whyNot(readers.get(id), needed, nodes) })
  }
  return { order, dependents, waitsFor, notPlanned }
}

/** The nodes that read each node's outputs (all links, bypassed or not). */
function readersOf<S>(nodes: Map<string, CheckedNode<S>>): Map<string, Set<string>> {
  const readers = new Map<string, Set<string>>()
  for (const node of nodes.values()) {
    for (const links of Object.values(node.links)) {
      for (const link of links) {
        const set = readers.get(link.node) ?? new Set<string>()
        set.add(node.id)
        readers.set(link.node, set)
      }
    }
  }
  return readers
}

function whyNot<S>(
  readers: Set<string> | undefined,
  needed: Set<string>,
  nodes: Map<string, CheckedNode<S>>,
): string {
  if (!readers) return 'feeds no output (nothing reads it and no workflow output names it)'
  const names = [...readers].map((id) => `"${id}"`).join(', ')
  const bypassed = [...readers].every((id) => needed.has(id) && nodes.get(id)?.passThrough)
  return bypassed
    ? `feeds no output (read only by bypassed ${names}, which passes on another input)`
    : `feeds no output (read only by ${names}, which does not run)`
}
