import type { Link } from '@sdflow/protocol'
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
  if (declared.length === 0) {
    const read = readNodes(nodes)
    for (const id of nodes.keys()) if (!read.has(id)) targets.add(id)
  }

  // the needed nodes, each with its distinct sources in link order: found once, used twice
  const sourcesOf = new Map<string, string[]>()
  const stack = [...targets]
  while (stack.length > 0) {
    const id = stack.pop() as string
    if (sourcesOf.has(id)) continue
    const node = nodes.get(id)
    const links = node ? sourceLinks(node) : []
    sourcesOf.set(id, distinctNodes(links))
    for (const link of links) if (!sourcesOf.has(link.node)) stack.push(link.node)
  }

  const dependents = new Map<string, string[]>()
  const waitsFor = new Map<string, number>()
  for (const [id, sources] of sourcesOf) {
    waitsFor.set(id, sources.length)
    for (const source of sources) {
      const list = dependents.get(source)
      if (list) list.push(id)
      else dependents.set(source, [id])
    }
  }

  const remaining = new Map(waitsFor)
  const order: string[] = []
  for (const [id, count] of waitsFor) if (count === 0) order.push(id)
  for (let i = 0; i < order.length; i++) {
    for (const next of dependents.get(order[i] as string) ?? []) {
      const left = (remaining.get(next) ?? 0) - 1
      remaining.set(next, left)
      if (left === 0) order.push(next)
    }
  }
  if (order.length !== sourcesOf.size) throw new Error('plan called on a cyclic workflow')

  const notPlanned: NotPlanned[] = []
  if (sourcesOf.size < nodes.size) {
    const readers = readersOf(nodes)
    for (const id of nodes.keys()) {
      if (sourcesOf.has(id)) continue
      notPlanned.push({ id, reason: whyNot(readers.get(id), sourcesOf, nodes) })
    }
  }
  return { order, dependents, waitsFor, notPlanned }
}

/** The ids of the nodes some link reads from. */
function readNodes<S>(nodes: Map<string, CheckedNode<S>>): Set<string> {
  const read = new Set<string>()
  for (const node of nodes.values()) {
    for (const name in node.links) for (const link of node.links[name] ?? []) read.add(link.node)
  }
  return read
}

/** The nodes links read from, each once, in link order. */
function distinctNodes(links: Link[]): string[] {
  if (links.length > 16) return [...new Set(links.map((link) => link.node))]
  const ids: string[] = []
  for (const link of links) if (!ids.includes(link.node)) ids.push(link.node)
  return ids
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
  needed: Map<string, unknown>,
  nodes: Map<string, CheckedNode<S>>,
): string {
  if (!readers) return 'feeds no output (nothing reads it and no workflow output names it)'
  const names = [...readers].map((id) => `"${id}"`).join(', ')
  const bypassed = [...readers].every((id) => needed.has(id) && nodes.get(id)?.passThrough)
  return bypassed
    ? `feeds no output (read only by bypassed ${names}, which passes on another input)`
    : `feeds no output (read only by ${names}, which does not run)`
}
