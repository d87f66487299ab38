import {
  canConnect,
  type Issue,
  issue,
  type Link,
  pointer,
  type WorkflowDocument,
} from '@sdflow/protocol'
import { inputDecl, outputKind } from './define-node.js'
import type { CheckedNode } from './validate.js'

/**
 * For each node marked `"bypass": true` (`bypassed`, in document order), the link each of its outputs passes on: the first of
 * its linked inputs (in the type's declared order) whose kind can connect to the output's kind.
 * Kept on the node as `passThrough`. An output with no such input that a node or a workflow
 * output reads is an issue. Call after checkLinks, which keeps the good links on each node.
 */
export function checkBypass<S>(
  doc: WorkflowDocument,
  nodes: Map<string, CheckedNode<S>>,
  bypassed: CheckedNode<S>[],
): Issue[] {
  if (bypassed.length === 0) return []
  for (const node of bypassed) node.passThrough = passThroughOf(node)
  const readers = readersOf(doc, nodes)
  const issues: Issue[] = []
  for (const node of bypassed) {
    for (const [name, shape] of Object.entries(node.node.definition.outputs)) {
      const reader = readers.get(`${node.id}\u0000${name}`)
      if (node.passThrough?.[name] || reader === undefined) continue
      const kind = outputKind(shape)
      issues.push(
        issue(
          'SDF_NODE_BYPASS_NO_INPUT',
          pointer('nodes', node.id, 'bypass'),
          `"${node.id}" is bypassed, but its output "${name}" (${kind}) has no linked input that can pass a value on to it, and ${reader} reads it; link an input of kind ${kind} or un-bypass the node`,
          { details: { output: name, kind } },
        ),
      )
    }
  }
  return issues
}

function passThroughOf<S>(node: CheckedNode<S>): Record<string, Link> {
  const { inputs, outputs } = node.node.definition
  const passThrough: Record<string, Link> = {}
  for (const [name, shape] of Object.entries(outputs)) {
    const kind = outputKind(shape)
    for (const [input, decl] of Object.entries(inputs)) {
      const link = node.links[input]?.[0]
      if (link && canConnect(inputDecl(decl).kind, kind).ok) {
        passThrough[name] = link
        break
      }
    }
  }
  return passThrough
}

/**
 * Who reads each node output ("node x" or "workflow output y"), keyed by node and output. A
 * bypassed node reads only what it passes on.
 */
function readersOf<S>(doc: WorkflowDocument, nodes: Map<string, CheckedNode<S>>) {
  const readers = new Map<string, string>()
  for (const [name, output] of Object.entries(doc.outputs ?? {})) {
    readers.set(`${output.node}\u0000${output.output}`, `workflow output "${name}"`)
  }
  for (const node of nodes.values()) {
    for (const link of sourceLinks(node)) {
      const key = `${link.node}\u0000${link.output}`
      if (!readers.has(key)) readers.set(key, `node "${node.id}"`)
    }
  }
  return readers
}

/** The links a node needs values from: all of them, or for a bypassed node those it passes on. */
export function sourceLinks<S>(node: CheckedNode<S>): Link[] {
  if (node.passThrough) return Object.values(node.passThrough)
  const links: Link[] = []
  for (const name in node.links) for (const link of node.links[name] ?? []) links.push(link)
  return links
}
