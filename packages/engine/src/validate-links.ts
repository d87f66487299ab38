import {
  canConnect,
  type InputSpec,
  type Issue,
  issue,
  type Link,
  linksOf,
  own,
  pointer,
  type WorkflowDocument,
} from '@sdflow/protocol'
import { didYouMean } from './closest.js'
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
  const declared = target.node.spec.inputs
  for (const name in given) {
    const value = given[name] as Link | Link[]
    const decl = own(declared, name)
    if (!decl) {
      issues.push(
        issue(
          'SDF_INPUT_UNKNOWN',
          inputAt(target, name),
          `${target.node.spec.type} has no input "${name}"${didYouMean(name, Object.keys(declared))}`,
        ),
      )
      continue
    }
    const links = linksOf(value)
    if (!decl.multi && links.length > 1) {
      issues.push(
        issue(
          'SDF_INPUT_MULTIPLE_LINKS',
          inputAt(target, name),
          `input "${name}" of "${target.id}" takes one link, got ${links.length}`,
        ),
      )
    }
    for (let index = 0; index < links.length; index++) {
      const link = links[index] as Link
      const source = nodes.get(link.node)
      if (!source) {
        if (!Object.hasOwn(doc.nodes, link.node)) {
          issues.push(
            issue(
              'SDF_LINK_MISSING_NODE',
              `${linkAt(target, name, value, index)}/node`,
              `input "${name}" of "${target.id}" links to node "${link.node}", which does not exist${didYouMean(link.node, Object.keys(doc.nodes))}`,
            ),
          )
        }
        continue // a node of unknown type is reported once, at its type
      }
      const output = own(source.node.spec.outputs, link.output)
      if (!output) {
        const outputs = Object.keys(source.node.spec.outputs)
        issues.push(
          issue(
            'SDF_LINK_MISSING_OUTPUT',
            `${linkAt(target, name, value, index)}/output`,
            `node "${link.node}" (${source.node.spec.type}) has no output "${link.output}"; its outputs are ${outputs.join(', ') || 'none'}`,
          ),
        )
        continue
      }
      const from = output.kind
      const verdict = canConnect(from, decl.kind)
      if (!verdict.ok) {
        issues.push(
          issue(
            'SDF_LINK_KIND_MISMATCH',
            linkAt(target, name, value, index),
            `"${link.node}.${link.output}" (${from}) cannot connect to "${target.id}.${name}" (${decl.kind}): ${verdict.reason}`,
          ),
        )
        continue
      }
      const list = target.links[name]
      if (list) list.push(link)
      else target.links[name] = [link]
      target.from.push(source)
    }
  }
  for (const name in declared) {
    const decl = declared[name] as InputSpec
    if (!decl.optional && linksOf(own(given, name)).length === 0) {
      issues.push(
        issue(
          'SDF_INPUT_REQUIRED',
          inputAt(target, name),
          `input "${name}" (${decl.kind}) of "${target.id}" needs a link`,
        ),
      )
    }
  }
  return issues
}

// pointers are built only for an issue, by functions rather than closures made per node: most
// nodes of a big workflow have none
function inputAt<S>(target: CheckedNode<S>, name: string): string {
  return `${pointer('nodes', target.id, 'inputs')}/${name}`
}

function linkAt<S>(target: CheckedNode<S>, name: string, value: Link | Link[], index: number) {
  return Array.isArray(value) ? `${inputAt(target, name)}/${index}` : inputAt(target, name)
}
