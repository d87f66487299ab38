import { type Issue, issue, pointer, type WorkflowDocument } from '@sdflow/protocol'
import { didYouMean } from './closest.js'
import type { CheckedNode } from './validate.js'

/** The workflow's declared inputs and outputs point at params and outputs that exist. */
export function checkContract<S>(
  doc: WorkflowDocument,
  nodes: Map<string, CheckedNode<S>>,
): Issue[] {
  const issues: Issue[] = []
  for (const [name, input] of Object.entries(doc.inputs ?? {})) {
    const node = nodes.get(input.node)
    if (!Object.hasOwn(doc.nodes, input.node)) {
      issues.push(
        issue(
          'SDF_WORKFLOW_INPUT_TARGET',
          pointer('inputs', name, 'node'),
          `workflow input "${name}" points at node "${input.node}", which does not exist`,
        ),
      )
    } else if (node && !Object.hasOwn(node.node.definition.params.properties, input.param)) {
      issues.push(
        issue(
          'SDF_WORKFLOW_INPUT_TARGET',
          pointer('inputs', name, 'param'),
          `workflow input "${name}" points at param "${input.param}", which ${node.node.spec.type} does not have${didYouMean(input.param, Object.keys(node.node.definition.params.properties))}`,
        ),
      )
    }
  }
  for (const [name, output] of Object.entries(doc.outputs ?? {})) {
    const node = nodes.get(output.node)
    if (!Object.hasOwn(doc.nodes, output.node)) {
      issues.push(
        issue(
          'SDF_WORKFLOW_OUTPUT_TARGET',
          pointer('outputs', name, 'node'),
          `workflow output "${name}" points at node "${output.node}", which does not exist`,
        ),
      )
    } else if (node && !Object.hasOwn(node.node.definition.outputs, output.output)) {
      issues.push(
        issue(
          'SDF_WORKFLOW_OUTPUT_TARGET',
          pointer('outputs', name, 'output'),
          `workflow output "${name}" points at output "${output.output}", which ${node.node.spec.type} does not have`,
        ),
      )
    }
  }
  return issues
}

/** A warning when nothing is declared as output: every node will run. */
export function checkHasOutput<S>(doc: WorkflowDocument, nodes: CheckedNode<S>[]): Issue[] {
  const declaresOutput =
    Object.keys(doc.outputs ?? {}).length > 0 || nodes.some((n) => n.node.spec.isOutput)
  if (declaresOutput || nodes.length === 0) return []
  return [
    issue(
      'SDF_GRAPH_NOTHING_TO_RUN',
      '/outputs',
      'the workflow declares no outputs and has no output node (such as image.save); every node will run and its results stay in the artifact store',
      { severity: 'warning' },
    ),
  ]
}
