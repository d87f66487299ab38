import type { NodeContext } from '@sdflow/engine'
import { dict, type WorkflowDocument } from '@sdflow/protocol'

/** A finished node upstream of the running one (the engine's `ctx.upstream()` entries). */
type UpstreamNode = ReturnType<NodeContext<unknown, unknown, unknown>['upstream']>[number]

export const PROVENANCE_FORMAT = 'sdflow.provenance/1'

/** What a node contributed to a picture: enough to tell how it was made. */
export interface NodeProvenance {
  type: string
  seeds?: number[]
  backend?: string
  checkpoint?: string
}

/** The `sdflow` PNG text chunk: the workflow run, its inputs and each generating node. */
export interface Provenance {
  format: typeof PROVENANCE_FORMAT
  workflow: WorkflowDocument
  inputs: Record<string, unknown>
  nodes: Record<string, NodeProvenance>
}

export function provenanceOf(
  run: { workflow: WorkflowDocument; inputs: Record<string, unknown> },
  upstream: readonly UpstreamNode[],
): Provenance {
  const nodes = dict<NodeProvenance>()
  for (const node of upstream) {
    const entry: NodeProvenance = { type: node.type }
    const seeds = node.meta?.seeds
    if (Array.isArray(seeds) && seeds.every((s) => typeof s === 'number')) entry.seeds = seeds
    if (node.backend) entry.backend = node.backend
    const checkpoint = node.meta?.checkpoint
    if (typeof checkpoint === 'string') entry.checkpoint = checkpoint
    if (entry.seeds || entry.backend || entry.checkpoint) nodes[node.nodeId] = entry
  }
  return { format: PROVENANCE_FORMAT, workflow: run.workflow, inputs: run.inputs, nodes }
}

/**
 * The infotexts of the nearest upstream generation (A1111's `parameters` text). Image `index`
 * of the batch takes infotext `index` when the counts match, else the first one.
 */
export function infotextFor(
  upstream: readonly UpstreamNode[],
): (index: number, batch: number) => string | undefined {
  const source = upstream.find((n) => {
    const texts = n.meta?.infotexts
    return Array.isArray(texts) && texts.some((t) => typeof t === 'string' && t)
  })
  const texts = (source?.meta?.infotexts ?? []) as unknown[]
  return (index, batch) => {
    const text = texts.length === batch ? texts[index] : texts[0]
    return typeof text === 'string' && text ? text : undefined
  }
}

/** Parse an `sdflow` chunk; undefined when it is not one. */
export function parseProvenance(text: string | undefined): Provenance | undefined {
  if (!text) return undefined
  try {
    const value = JSON.parse(text) as Partial<Provenance> | null
    if (value?.format !== PROVENANCE_FORMAT || typeof value.workflow !== 'object') return undefined
    return {
      format: PROVENANCE_FORMAT,
      workflow: value.workflow,
      inputs: value.inputs && typeof value.inputs === 'object' ? value.inputs : {},
      nodes: value.nodes && typeof value.nodes === 'object' ? value.nodes : {},
    }
  } catch {
    return undefined
  }
}
