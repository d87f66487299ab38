import {
  type Issue,
  issue,
  type Link,
  MAX_JSON_DEPTH,
  type NodeInstance,
  pointer,
  tooDeep,
  type WorkflowDocument,
} from '@sdflow/protocol'
import { didYouMean } from './closest.js'
import { documentShape } from './document-shape.js'
import { migrateParams } from './migrate.js'
import { checkParams } from './params.js'
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
  /** The same nodes by `index`, in document order. */
  list: CheckedNode<S>[]
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

/** Collect every problem of a workflow document; never stops at the first. */
export function validate<S>(
  input: unknown,
  registry: Registry<S>,
  options: ValidateOptions<S> = {},
): ValidationResult<S> {
  // the shape check first: ajv walks this schema a fixed depth (params and ui are not walked),
  // so only a document of the right shape needs the depth of its params and ui checked, not
  // every object of it; one of the wrong shape is checked whole, so its depth is still reported
  // before its shape
  const shapeIssues = documentShape(input)
  const deep = depthIssues(input, options.inputs, shapeIssues.length === 0)
  if (deep.length > 0) return { issues: deep }
  if (shapeIssues.length > 0) return { issues: shapeIssues }
  const applied = applyInputs(input as WorkflowDocument, options.inputs ?? {}, registry)
  const doc = applied.doc
  const issues = [...applied.issues]
  const nodes = new Map<string, CheckedNode<S>>()
  const list: CheckedNode<S>[] = []
  const bypassed: CheckedNode<S>[] = []
  const linked: CheckedNode<S>[] = []
  const given: Record<string, Link | Link[]>[] = []

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
    if (migrated.issues.length > 0) {
      issues.push(...migrated.issues)
      continue
    }
    const checked = checkParams(registered.validateParams, migrated.params, `${at}/params`)
    const { check } = registered.definition
    if (checked.issues.length > 0) issues.push(...checked.issues)
    else if (check && options.services !== undefined) {
      const linked = linkedInputs(instance.inputs)
      issues.push(...check(checked.params as never, options.services, `${at}/params`, linked))
    }
    const node: CheckedNode<S> = {
      id,
      node: registered,
      params: checked.params,
      links: {},
      index: list.length,
      from: [],
    }
    nodes.set(id, node)
    list.push(node)
    if (instance.bypass === true) bypassed.push(node)
    if (instance.inputs || hasInputs(registered.spec.inputs)) {
      linked.push(node)
      given.push(instance.inputs ?? {})
    }
  }

  for (let i = 0; i < linked.length; i++) {
    const found = checkLinks(doc, linked[i] as CheckedNode<S>, given[i] ?? {}, nodes)
    if (found.length > 0) issues.push(...found)
  }
  issues.push(
    ...checkContract(doc, nodes),
    ...checkBypass(doc, nodes, bypassed),
    ...checkCycles(list),
  )
  if (!issues.some((i) => i.severity === 'error')) issues.push(...checkHasOutput(doc, list))

  const hasError = issues.some((i) => i.severity === 'error')
  return hasError ? { issues } : { issues, workflow: { doc, nodes, list } }
}

/** The inputs a link feeds: a list input given as `[]` feeds nothing. */
function linkedInputs(given: Record<string, Link | Link[]> | undefined): string[] {
  if (!given) return []
  return Object.keys(given).filter((name) => {
    const value = given[name]
    return !Array.isArray(value) || value.length > 0
  })
}

function hasInputs(declared: object): boolean {
  for (const _ in declared) return true
  return false
}

/**
 * Checked before anything recursive (copyJson, structuredClone, canonicalJson) walks the values.
 * `shaped`: the document passed the shape check, so only its nodes' params and ui can nest.
 */
function depthIssues(
  input: unknown,
  inputs: Record<string, unknown> | undefined,
  shaped: boolean,
): Issue[] {
  const found: Issue[] = []
  const inDoc = shaped && !nodesTooDeep(input as WorkflowDocument) ? undefined : tooDeep(input)
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

/** Whether some node's params or ui (at depth 3: /nodes/<id>/params) nest too deep. */
function nodesTooDeep(doc: WorkflowDocument): boolean {
  for (const id in doc.nodes) {
    const { params, ui } = doc.nodes[id] as NodeInstance
    if (params !== undefined && tooDeep(params, MAX_JSON_DEPTH - 3) !== undefined) return true
    if (ui !== undefined && tooDeep(ui, MAX_JSON_DEPTH - 3) !== undefined) return true
  }
  return false
}
