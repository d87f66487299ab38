import { createHash } from 'node:crypto'
import type { NodeContext } from '@sdflow/engine'
import { dict, type WorkflowDocument } from '@sdflow/protocol'
import { decodeBase64 } from './image-load.js'

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
  const { workflow, inputs } = imagesByHash(run, upstream)
  return { format: PROVENANCE_FORMAT, workflow, inputs, nodes }
}

/**
 * The workflow and inputs with every `image.load` `base64` replaced by `artifact`: its sha256
 * in the artifact store. A picture then records a few bytes per input image instead of a copy
 * of it (a 150 MB inline image made a chunk the CLI could not build), and `sdflow run FILE.png`
 * still finds the image in the data folder that made it.
 */
function imagesByHash(
  run: { workflow: WorkflowDocument; inputs: Record<string, unknown> },
  upstream: readonly UpstreamNode[],
): { workflow: WorkflowDocument; inputs: Record<string, unknown> } {
  const loaded = new Map(upstream.map((n) => [n.nodeId, n.outputs.image]))
  const inputs = { ...run.inputs }
  const nodes: Record<string, unknown> = { ...run.workflow.nodes }
  let changed = false
  for (const [id, node] of Object.entries(run.workflow.nodes)) {
    if (node.type !== 'image.load') continue
    const declared = Object.entries(run.workflow.inputs ?? {}).filter(
      ([, target]) => target.node === id && target.param === 'base64',
    )
    const given = declared.find(([name]) => typeof inputs[name] === 'string')
    const base64 = given ? inputs[given[0]] : node.params?.base64
    if (typeof base64 !== 'string') continue
    const hash = hashOf(loaded.get(id), base64, id)
    if (!hash) continue
    const { base64: _dropped, ...params } = node.params ?? {}
    nodes[id] = { ...node, params: { ...params, artifact: hash } }
    for (const [name] of declared) delete inputs[name]
    changed = true
  }
  if (!changed) return run
  return { workflow: { ...run.workflow, nodes } as WorkflowDocument, inputs }
}

/** The stored image's hash: from the node's output when it ran, else of the decoded bytes. */
function hashOf(output: unknown, base64: string, nodeId: string): string | undefined {
  const ref = Array.isArray(output) ? (output[0] as { hash?: unknown } | undefined) : undefined
  if (typeof ref?.hash === 'string') return ref.hash
  try {
    return createHash('sha256')
      .update(decodeBase64(base64, `/nodes/${nodeId}/params/base64`))
      .digest('hex')
  } catch {
    return undefined
  }
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
