import {
  type Issue,
  issue,
  type Link,
  MAX_JSON_DEPTH,
  type NodeInstance,
  pointer,
  tooDeep,
  WORKFLOW_FORMAT,
  WorkflowDocument,
} from '@sdflow/protocol'
import { didYouMean } from './closest.js'
import { migrateParams } from './migrate.js'
import { ajvIssues, checkParams, compileSchema } from './params.js'
import type { RegisteredNode, Registry } from './registry.js'
import { checkBypass } from './validate-bypass.js'
import { checkContract, checkHasOutput } from './validate-contract.js'
import { checkCycles } from './validate-cycles.js'
import { checkLinks } from './validate-links.js'
import { applyInputs } from './workflow-inputs.js'

/** A node that passed validation: its type resolved, its params defaulted, its links listed. */
export interface CheckedNode<S = unknown> {
  id: string
  node: RegisteredNode<S>
  params: Record<string, unknown>
  links: Record<string, Link[]>
  /** Position in the workflow's node map: plan and the cycle check index arrays by it. */
  index: number
  /** The node each kept link reads from, in the order of `links` flattened. */
  from: CheckedNode<S>[]
  /** Present when the node is bypassed: output name -> the input link it passes on. */
  passThrough?: Record<string, Link>
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

// compiled on first use: `sdflow nodes` loads this module and never validates
let checkShape: ReturnType<typeof compileSchema> | undefined

/** Collect every problem of a workflow document; never stops at the first. */
export function validate<S>(
  input: unknown,
  registry: Registry<S>,
  options: ValidateOptions<S> = {},
): ValidationResult<S> {
  const deep = depthIssues(input, options.inputs)
  if (deep.length > 0) return { issues: deep }
  const shapeIssues = documentShape(input)
  if (shapeIssues.length > 0) return { issues: shapeIssues }
  const applied = applyInputs(input as WorkflowDocument, options.inputs ?? {}, registry)
  const doc = applied.doc
  const issues = [...applied.issues]
  const nodes = new Map<string, CheckedNode<S>>()
  const linked: [CheckedNode<S>, NodeInstance][] = []

  // keys, not entries: no pair array per node of a big workflow
  for (const id of Object.keys(doc.nodes)) {
    const instance = doc.nodes[id] as NodeInstance
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
    const migrated = migrateParams(registered, instance.version, instance.params, at)
    issues.push(...migrated.issues)
    if (migrated.issues.length > 0) continue
    const checked = checkParams(registered.validateParams, migrated.params, `${at}/params`)
    issues.push(...checked.issues)
    const { check } = registered.definition
    if (check && checked.issues.length === 0 && options.services !== undefined) {
      issues.push(...check(checked.params as never, options.services, `${at}/params`))
    }
    const node: CheckedNode<S> = {
      id,
      node: registered,
      params: checked.params,
      links: {},
      index: nodes.size,
      from: [],
    }
    nodes.set(id, node)
    if (instance.inputs || hasInputs(registered.spec.inputs)) linked.push([node, instance])
  }

  for (const [node, instance] of linked) {
    const found = checkLinks(doc, node, instance.inputs ?? {}, nodes)
    if (found.length > 0) issues.push(...found)
  }
  issues.push(...checkContract(doc, nodes), ...checkBypass(doc, nodes), ...checkCycles(nodes))
  if (!issues.some((i) => i.severity === 'error')) issues.push(...checkHasOutput(doc, nodes))

  const hasError = issues.some((i) => i.severity === 'error')
  return hasError ? { issues } : { issues, workflow: { doc, nodes } }
}

function hasInputs(declared: object): boolean {
  for (const _ in declared) return true
  return false
}

/** Checked before anything recursive (ajv, structuredClone) walks the values. */
function depthIssues(input: unknown, inputs: Record<string, unknown> | undefined): Issue[] {
  const found: Issue[] = []
  const inDoc = tooDeep(input)
  if (inDoc !== undefined) {
    found.push(issue('SDF_DOC_TOO_DEEP', inDoc, `nested deeper than ${MAX_JSON_DEPTH} levels`))
  }
  const inInputs = tooDeep(inputs ?? {}, MAX_JSON_DEPTH - 1)
  if (inInputs !== undefined) {
    const at = `/inputs${inInputs}`
    found.push(issue('SDF_DOC_TOO_DEEP', at, `nested deeper than ${MAX_JSON_DEPTH} levels`))
  }
  return found
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
  checkShape ??= compileSchema(WorkflowDocument)
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
