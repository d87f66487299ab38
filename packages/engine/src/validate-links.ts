import {
  canConnect,
  type Issue,
  issue,
  type Link,
  linksOf,
  own,
  pointer,
  type WorkflowDocument,
} from '@sdflow/protocol'
import { didYouMean } from './closest.js'
import { inputDecl, outputKind } from './define-node.js'
import type { CheckedNode } from './validate.js'

/**
 * The links into one node: declared inputs, existing nodes and outputs, kinds that connect,
 * one link per single input, every required input linked. Good links are kept on the node.
 */
export function checkLinks<S>(
  doc: WorkflowDocument,
  target: CheckedNode<S>,
  given: Record<string, Link | Link[]>,
  nodes: Map<string, CheckedNode<S>>,
): Issue[] {
  const issues: Issue[] = []
  const at = pointer('nodes', target.id, 'inputs')
  const declared = target.node.definition.inputs
  for (const [name, value] of Object.entries(given)) {
    const shape = own(declared, name)
    if (!shape) {
      issues.push(
        issue(
          'SDF_INPUT_UNKNOWN',
          `${at}/${name}`,
          `${target.node.spec.type} has no input "${name}"${didYouMean(name, Object.keys(declared))}`,
        ),
      )
      continue
    }
    const decl = inputDecl(shape)
    const links = linksOf(value)
    if (!decl.multi && links.length > 1) {
      issues.push(
        issue(
          'SDF_INPUT_MULTIPLE_LINKS',
          `${at}/${name}`,
          `input "${name}" of "${target.id}" takes one link, got ${links.length}`,
        ),
      )
    }
    links.forEach((link, index) => {
      const linkAt = Array.isArray(value) ? `${at}/${name}/${index}` : `${at}/${name}`
      const source = nodes.get(link.node)
      if (!source) {
        if (!Object.hasOwn(doc.nodes, link.node)) {
          issues.push(
            issue(
              'SDF_LINK_MISSING_NODE',
              `${linkAt}/node`,
              `input "${name}" of "${target.id}" links to node "${link.node}", which does not exist${didYouMean(link.node, Object.keys(doc.nodes))}`,
            ),
          )
        }
        return // a node of unknown type is reported once, at its type
      }
      const output = own(source.node.definition.outputs, link.output)
      if (!output) {
        const outputs = Object.keys(source.node.definition.outputs)
        issues.push(
          issue(
            'SDF_LINK_MISSING_OUTPUT',
            `${linkAt}/output`,
            `node "${link.node}" (${source.node.spec.type}) has no output "${link.output}"; its outputs are ${outputs.join(', ') || 'none'}`,
          ),
        )
        return
      }
      const from = outputKind(output)
      const verdict = canConnect(from, decl.kind)
      if (!verdict.ok) {
        issues.push(
          issue(
            'SDF_LINK_KIND_MISMATCH',
            linkAt,
            `"${link.node}.${link.output}" (${from}) cannot connect to "${target.id}.${name}" (${decl.kind}): ${verdict.reason}`,
          ),
        )
        return
      }
      const list = target.links[name] ?? []
      list.push(link)
      target.links[name] = list
    })
  }
  for (const [name, shape] of Object.entries(declared)) {
    const decl = inputDecl(shape)
    if (!decl.optional && linksOf(given[name]).length === 0) {
      issues.push(
        issue(
          'SDF_INPUT_REQUIRED',
          `${at}/${name}`,
          `input "${name}" (${decl.kind}) of "${target.id}" needs a link`,
        ),
      )
    }
  }
  return issues
}
