import {
  canConnect,
  type Issue,
  issue,
  type Link,
  linksOf,
  pointer,
  WORKFLOW_FORMAT,
  WorkflowDocument,
} from '@sdflow/protocol'
import { didYouMean } from './closest.js'
import { findCycles } from './cycles.js'
import { inputDecl, outputKind } from './define-node.js'
import { ajvIssues, checkParams, compileSchema } from './params.js'
import type { RegisteredNode, Registry } from './registry.js'
import { applyInputs } from './workflow-inputs.js'

/** A node that passed validation: its type resolved, its params defaulted, its links listed. */
export interface CheckedNode<S = unknown> {
  id: string
  node: RegisteredNode<S>
  params: Record<string, unknown>
  links: Record<string, Link[]>
}

export interface CheckedWorkflow<S = unknown> {
  doc: WorkflowDocument
  nodes: Map<string, CheckedNode<S>>
}

export interface ValidationResult<S = unknown> {
  issues: Issue[]
  /** Present when no issue has error severity. */
  workflow?: CheckedWorkflow<S>
}

export interface ValidateOptions<S = unknown> {
  /** Values for the workflow's declared inputs (`--set`, POST /runs inputs). */
  inputs?: Record<string, unknown>
  /** When given, node types' own checks run too (names against backend catalogs). */
  services?: S
}

const checkShape = compileSchema(WorkflowDocument)

/** Collect every problem of a workflow document; never stops at the first. */
export function validate<S>(
  input: unknown,
  registry: Registry<S>,
  options: ValidateOptions<S> = {},
): ValidationResult<S> {
  const shapeIssues = documentShape(input)
  if (shapeIssues.length > 0) return { issues: shapeIssues }
  const applied = applyInputs(input as WorkflowDocument, options.inputs ?? {}, registry)
  const doc = applied.doc
  const issues = [...applied.issues]
  const nodes = new Map<string, CheckedNode<S>>()

  for (const [id, instance] of Object.entries(doc.nodes)) {
    const at = pointer('nodes', id)
    const registered = registry.get(instance.type)
    if (!registered) {
      issues.push(
        issue(
          'SDF_NODE_UNKNOWN_TYPE',
          `${at}/type`,
          `node "${id}" has unknown type "${instance.type}"${didYouMean(instance.type, registry.types())}`,
        ),
      )
      continue
    }
    const checked = checkParams(registered.validateParams, instance.params, `${at}/params`)
    issues.push(...checked.issues)
    const { check } = registered.definition
    if (check && checked.issues.length === 0 && options.services !== undefined) {
      issues.push(...check(checked.params as never, options.services, `${at}/params`))
    }
    nodes.set(id, { id, node: registered, params: checked.params, links: {} })
  }

  for (const [id, instance] of Object.entries(doc.nodes)) {
    const checked = nodes.get(id)
    if (checked) issues.push(...checkLinks(doc, checked, instance.inputs ?? {}, nodes))
  }
  issues.push(...checkContract(doc, nodes), ...checkCycles(nodes))
  if (!issues.some((i) => i.severity === 'error')) issues.push(...checkHasOutput(doc, nodes))

  const hasError = issues.some((i) => i.severity === 'error')
  return hasError ? { issues } : { issues, workflow: { doc, nodes } }
}

function documentShape(input: unknown): Issue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [issue('SDF_DOC_SHAPE', '', 'a workflow must be a JSON object')]
  }
  if ('format' in input && input.format !== WORKFLOW_FORMAT) {
    return [
      issue(
        'SDF_DOC_SHAPE',
        '/format',
        `unsupported format ${JSON.stringify(input.format)}; this sdflow reads "${WORKFLOW_FORMAT}"`,
      ),
    ]
  }
  if (checkShape(input)) return []
  return ajvIssues(checkShape.errors ?? [], '', 'SDF_DOC_SHAPE').map((found) =>
    badId.test(found.pointer)
      ? {
          ...found,
          message: `"${found.pointer.split('/')[2]}" is not a valid id: use letters, digits, _ . and - (starting with a letter or _)`,
        }
      : found,
  )
}

const badId = /^\/(nodes|inputs|outputs)\/[^/]+$/

function checkLinks<S>(
  doc: WorkflowDocument,
  target: CheckedNode<S>,
  given: Record<string, Link | Link[]>,
  nodes: Map<string, CheckedNode<S>>,
): Issue[] {
  const issues: Issue[] = []
  const at = pointer('nodes', target.id, 'inputs')
  const declared = target.node.definition.inputs
  for (const [name, value] of Object.entries(given)) {
    const shape = declared[name]
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
        if (!(link.node in doc.nodes)) {
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
      const output = source.node.definition.outputs[link.output]
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

function checkContract<S>(doc: WorkflowDocument, nodes: Map<string, CheckedNode<S>>): Issue[] {
  const issues: Issue[] = []
  for (const [name, input] of Object.entries(doc.inputs ?? {})) {
    const node = nodes.get(input.node)
    if (!(input.node in doc.nodes)) {
      issues.push(
        issue(
          'SDF_WORKFLOW_INPUT_TARGET',
          pointer('inputs', name, 'node'),
          `workflow input "${name}" points at node "${input.node}", which does not exist`,
        ),
      )
    } else if (node && !(input.param in node.node.definition.params.properties)) {
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
    if (!(output.node in doc.nodes)) {
      issues.push(
        issue(
          'SDF_WORKFLOW_OUTPUT_TARGET',
          pointer('outputs', name, 'node'),
          `workflow output "${name}" points at node "${output.node}", which does not exist`,
        ),
      )
    } else if (node && !(output.output in node.node.definition.outputs)) {
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

function checkHasOutput<S>(doc: WorkflowDocument, nodes: Map<string, CheckedNode<S>>): Issue[] {
  const declaresOutput =
    Object.keys(doc.outputs ?? {}).length > 0 ||
    [...nodes.values()].some((n) => n.node.spec.isOutput)
  if (declaresOutput || nodes.size === 0) return []
  return [
    issue(
      'SDF_GRAPH_NOTHING_TO_RUN',
      '/outputs',
      'the workflow declares no outputs and has no output node (such as image.save); every node will run and its results stay in the artifact store',
      { severity: 'warning' },
    ),
  ]
}

function checkCycles<S>(nodes: Map<string, CheckedNode<S>>): Issue[] {
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
 * only sees this (normally empty) remainder of a big graph.
 */
function cycleCandidates<S>(nodes: Map<string, CheckedNode<S>>): Set<string> {
  const sources = new Map<string, Set<string>>()
  const consumers = new Map<string, Set<string>>()
  for (const id of nodes.keys()) {
    sources.set(id, new Set())
    consumers.set(id, new Set())
  }
  for (const [id, node] of nodes) {
    for (const links of Object.values(node.links)) {
      for (const link of links) {
        sources.get(id)?.add(link.node)
        consumers.get(link.node)?.add(id)
      }
    }
  }
  const left = new Set(nodes.keys())
  const peel = (from: Map<string, Set<string>>, to: Map<string, Set<string>>) => {
    const stack = [...left].filter((id) => from.get(id)?.size === 0)
    while (stack.length > 0) {
      const id = stack.pop() as string
      if (!left.delete(id)) continue
      for (const next of to.get(id) ?? []) {
        const rest = from.get(next)
        rest?.delete(id)
        if (rest?.size === 0 && left.has(next)) stack.push(next)
      }
    }
  }
  peel(sources, consumers)
  peel(consumers, sources)
  return left
}
