import type { NodeSpec, WorkflowDocument } from '@sdflow/protocol'

type Specs = ReadonlyMap<string, NodeSpec>

function schemaType(spec: NodeSpec | undefined, param: string): string | undefined {
  const props = (spec?.params as { properties?: Record<string, { type?: unknown }> } | undefined)
    ?.properties
  const type = props && Object.hasOwn(props, param) ? props[param]?.type : undefined
  return typeof type === 'string' ? type : undefined
}

/** Text given on a command line (`--set steps=30`) read as the param's JSON type, as the engine does. */
function coerce(value: unknown, type: string | undefined): unknown {
  if (typeof value !== 'string') return value
  if ((type === 'integer' || type === 'number') && value.trim() !== '' && !Number.isNaN(+value))
    return Number(value)
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true'
  return value
}

/**
 * The document a run ran, with the values its declared inputs were given written onto the
 * params they name: what the user opens again from the history. The run's document is left as
 * it was; inputs the document does not declare are left out.
 */
export function restoredDocument(
  doc: WorkflowDocument,
  inputs: Record<string, unknown>,
  specs: Specs,
): WorkflowDocument {
  const nodes = { ...doc.nodes }
  for (const [name, value] of Object.entries(inputs)) {
    const target = doc.inputs && Object.hasOwn(doc.inputs, name) ? doc.inputs[name] : undefined
    const node = target && Object.hasOwn(nodes, target.node) ? nodes[target.node] : undefined
    if (!target || !node) continue
    const type = schemaType(specs.get(node.type), target.param)
    nodes[target.node] = {
      ...node,
      params: { ...node.params, [target.param]: coerce(value, type) },
    }
  }
  return { ...doc, nodes }
}
