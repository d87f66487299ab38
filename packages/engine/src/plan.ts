import type { CheckedNode, CheckedWorkflow } from './validate.js'
import { sourceLinks } from './validate-bypass.js'

export interface Plan<S = unknown> {
  /** Node ids in a topological order: every node after all of its inputs. */
  order: string[]
  /** The same nodes, in the same order. */
  nodes: CheckedNode<S>[]
  /** By node position (`CheckedNode.index`): the positions of the planned nodes it feeds. */
  dependents: (number[] | undefined)[]
  /** By node position: how many distinct planned nodes it waits for (0 when not planned). */
  waitsFor: Int32Array
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
export function plan<S>(workflow: CheckedWorkflow<S>): Plan<S> {
  const { doc, nodes, list } = workflow
  // arrays indexed by node position instead of maps keyed by id: a 10,000-node plan was
  // mostly map lookups
  const declared = Object.values(doc.outputs ?? {})
  // each target once, where it first appears
  const targets: number[] = []
  const isTarget = new Uint8Array(list.length)
  const target = (node: CheckedNode<S> | undefined) => {
    if (!node || isTarget[node.index]) return
    isTarget[node.index] = 1
    targets.push(node.index)
  }
  for (const output of declared) target(nodes.get(output.node))
  for (const node of list) if (node.node.spec.isOutput) target(node)
  if (declared.length === 0) {
    const read = new Uint8Array(list.length)
    for (const node of list) for (const source of node.from) read[source.index] = 1
    for (const node of list) if (!read[node.index]) target(node)
  }

  // the needed nodes in the order found, each with its distinct sources in link order
  const needed: number[] = []
  const sourcesOf: number[][] = new Array(list.length)
  const stack = targets
  while (stack.length > 0) {
    const at = stack.pop() as number
    if (sourcesOf[at]) continue
    const sources = sourceNodes(list[at] as CheckedNode<S>, nodes)
    sourcesOf[at] = distinct(sources)
    needed.push(at)
    for (const source of sources) if (!sourcesOf[source.index]) stack.push(source.index)
  }

  const dependents: (number[] | undefined)[] = new Array(list.length)
  const waitsFor = new Int32Array(list.length)
  const remaining = new Int32Array(list.length)
  for (const at of needed) {
    const sources = sourcesOf[at] ?? []
    remaining[at] = sources.length
    waitsFor[at] = sources.length
    for (const source of sources) {
      const after = dependents[source]
      if (after) after.push(at)
      else dependents[source] = [at]
    }
  }

  const ordered: number[] = []
  for (const at of needed) if (remaining[at] === 0) ordered.push(at)
  for (let i = 0; i < ordered.length; i++) {
    for (const next of dependents[ordered[i] as number] ?? []) {
      const left = (remaining[next] ?? 0) - 1
      remaining[next] = left
      if (left === 0) ordered.push(next)
    }
  }
  if (ordered.length !== needed.length) throw new Error('plan called on a cyclic workflow')
  const plannedNodes = ordered.map((at) => list[at] as CheckedNode<S>)
  const order = plannedNodes.map((node) => node.id)

  const notPlanned: NotPlanned[] = []
  if (needed.length < list.length) {
    const readers = readersOf(nodes)
    const planned = new Set(order)
    for (const node of list) {
      if (planned.has(node.id)) continue
      notPlanned.push({ id: node.id, reason: whyNot(readers.get(node.id), planned, nodes) })
    }
  }
  return { order, nodes: plannedNodes, dependents, waitsFor, notPlanned }
}

/** The nodes a node needs values from: all its links, or for a bypassed node those it passes on. */
function sourceNodes<S>(node: CheckedNode<S>, nodes: Map<string, CheckedNode<S>>) {
  if (!node.passThrough) return node.from
  return sourceLinks(node).flatMap((link) => nodes.get(link.node) ?? [])
}

/** Node positions, each once, in the order given. */
function distinct<S>(sources: CheckedNode<S>[]): number[] {
  if (sources.length > 16) return [...new Set(sources.map((source) => source.index))]
  const found: number[] = []
  for (const source of sources) if (!found.includes(source.index)) found.push(source.index)
  return found
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
