import { dict, type Issue, issue, own, pointer, type WorkflowDocument } from '@sdflow/protocol'
import type { Registry } from './registry.js'

/**
 * Set the values of a workflow's declared inputs on the params they name. Values that arrive
 * as text (`--set steps=30`) are read as the param's JSON type.
 */
export function applyInputs(
  doc: WorkflowDocument,
  values: Record<string, unknown>,
  registry: Registry<unknown>,
): { doc: WorkflowDocument; issues: Issue[] } {
  const issues: Issue[] = []
  const declared = doc.inputs ?? {}
  // copy on write: only the nodes an input sets are copied (a deep clone of every node cost
  // most of validate on 10,000 nodes); the caller's document is never changed. No prototype,
  // so a node id such as __proto__ is stored as data
  const entries = Object.entries(values)
  if (entries.length === 0) return { doc, issues }
  const nodes = Object.assign(dict<(typeof doc.nodes)[string]>(), doc.nodes)
  for (const [name, value] of entries) {
    const target = own(declared, name)
    if (!target) {
      const known = Object.keys(declared)
      issues.push(
        issue(
          'SDF_WORKFLOW_INPUT_UNKNOWN',
          pointer('inputs', name),
          `workflow "${doc.name}" has no input "${name}"; ${known.length ? `its inputs are ${known.join(', ')}` : 'it declares no inputs'}`,
        ),
      )
      continue
    }
    const node = own(nodes, target.node)
    if (!node) continue // reported by validate as SDF_WORKFLOW_INPUT_TARGET
    const properties = registry.get(node.type)?.definition.params.properties
    const schema = properties && own(properties, target.param)
    nodes[target.node] = {
      ...node,
      params: { ...node.params, [target.param]: coerce(value, schemaType(schema)) },
    }
  }
  return { doc: { ...doc, nodes }, issues }
}

function schemaType(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || !('type' in schema)) return undefined
  return typeof schema.type === 'string' ? schema.type : undefined
}

function coerce(value: unknown, type: string | undefined): unknown {
  if (typeof value !== 'string') return value
  const text = value.trim()
  switch (type) {
    case 'number':
    case 'integer':
      return text !== '' && Number.isFinite(Number(text)) ? Number(text) : value
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : value
    case 'object':
    case 'array':
      try {
        return JSON.parse(text)
      } catch {
        return value
      }
    default:
      return value
  }
}
