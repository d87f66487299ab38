import type { WorkflowMeta } from './document.js'

/** Node ids and the names of workflow inputs and outputs (the format's `Id`). */
export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/

type Side = 'inputs' | 'outputs'
const field = (side: Side) => (side === 'inputs' ? 'param' : 'output')

/** The name under which a node's param (inputs) or output (outputs) is exposed, or ''. */
export function exposedName(meta: WorkflowMeta, side: Side, nodeId: string, key: string): string {
  const entries = Object.entries(meta[side] ?? {}) as [string, Record<string, string>][]
  return entries.find(([, e]) => e.node === nodeId && e[field(side)] === key)?.[0] ?? ''
}

/**
 * Expose a node's param or output under `name` (replacing how it was exposed before, and any
 * other entry of that name); an empty name stops exposing it.
 */
export function expose(
  meta: WorkflowMeta,
  side: Side,
  nodeId: string,
  key: string,
  name: string,
): WorkflowMeta {
  const out: Record<string, Record<string, string>> = {}
  for (const [n, e] of Object.entries(meta[side] ?? {}) as [string, Record<string, string>][]) {
    if ((e.node === nodeId && e[field(side)] === key) || n === name) continue
    out[n] = e
  }
  if (name) out[name] = { node: nodeId, [field(side)]: key }
  const next: WorkflowMeta = { ...meta }
  if (Object.keys(out).length > 0) (next as Record<string, unknown>)[side] = out
  else delete next[side]
  return next
}

/** The workflow's inputs and outputs after node `from` became `to`. */
export function renameInContract(meta: WorkflowMeta, from: string, to: string): WorkflowMeta {
  const next: WorkflowMeta = { ...meta }
  for (const side of ['inputs', 'outputs'] as const) {
    const entries = meta[side]
    if (!entries) continue
    const renamed: Record<string, unknown> = {}
    for (const [n, e] of Object.entries(entries)) {
      renamed[n] = e.node === from ? { ...e, node: to } : e
    }
    ;(next as Record<string, unknown>)[side] = renamed
  }
  return next
}
