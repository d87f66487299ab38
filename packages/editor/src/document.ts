import { type Link, linksOf, WORKFLOW_FORMAT, type WorkflowDocument } from '@sdflow/protocol'

/** A node as the editor holds it: id, type, explicitly set params, position, other ui state. */
export interface GraphNode {
  id: string
  type: string
  /** The node type version its params were written for, as the document says (absent: 1). */
  version?: number
  /** Only the values the document or the user set; defaults stay in the schema. */
  params: Record<string, unknown>
  position: { x: number; y: number }
  /** ui keys other than x and y, kept as they were. */
  ui: Record<string, unknown>
  /** The node passes its inputs through instead of running (the document's `bypass: true`). */
  bypass?: boolean
}

/** One edge: output `output` of node `source` feeds input `input` of node `target`. */
export interface GraphLink {
  source: string
  output: string
  target: string
  input: string
}

export type WorkflowMeta = Omit<WorkflowDocument, 'nodes'>

export interface Graph {
  meta: WorkflowMeta
  nodes: GraphNode[]
  /** In document order; the order of the links of one multi input is kept. */
  links: GraphLink[]
}

/** Whether an input of a node type takes a list of links (ControlNet units). */
export type IsMulti = (type: string, input: string) => boolean

const GRID = { dx: 300, dy: 220, perRow: 4 }

function position(ui: Record<string, unknown> | undefined, index: number) {
  const x = ui?.x
  const y = ui?.y
  if (typeof x === 'number' && typeof y === 'number') return { x, y }
  return { x: (index % GRID.perRow) * GRID.dx, y: Math.floor(index / GRID.perRow) * GRID.dy }
}

export function emptyDocument(name = 'untitled'): WorkflowDocument {
  return { format: WORKFLOW_FORMAT, name, nodes: {} }
}

/** Whether every node of the document carries a position. */
export function hasPositions(doc: WorkflowDocument): boolean {
  return Object.values(doc.nodes).every(
    (n) => typeof n.ui?.x === 'number' && typeof n.ui?.y === 'number',
  )
}

export function documentToGraph(doc: WorkflowDocument): Graph {
  const { nodes, ...meta } = doc
  const graphNodes: GraphNode[] = []
  const links: GraphLink[] = []
  Object.entries(nodes).forEach(([id, node], index) => {
    const { x: _x, y: _y, ...ui } = node.ui ?? {}
    graphNodes.push({
      id,
      type: node.type,
      ...(node.version === undefined ? {} : { version: node.version }),
      params: { ...(node.params ?? {}) },
      position: position(node.ui, index),
      ui,
      ...(node.bypass === true ? { bypass: true } : {}),
    })
    for (const [input, value] of Object.entries(node.inputs ?? {})) {
      for (const link of linksOf(value)) {
        links.push({ source: link.node, output: link.output, target: id, input })
      }
    }
  })
  return { meta, nodes: graphNodes, links }
}

export function graphToDocument(graph: Graph, isMulti: IsMulti): WorkflowDocument {
  const nodes: WorkflowDocument['nodes'] = {}
  for (const node of graph.nodes) {
    const inputs: Record<string, Link | Link[]> = {}
    for (const link of graph.links) {
      if (link.target !== node.id) continue
      const value: Link = { node: link.source, output: link.output }
      if (isMulti(node.type, link.input)) {
        const list = inputs[link.input]
        if (Array.isArray(list)) list.push(value)
        else inputs[link.input] = [value]
      } else inputs[link.input] = value
    }
    const out: WorkflowDocument['nodes'][string] = { type: node.type }
    if (node.version !== undefined) out.version = node.version
    if (Object.keys(node.params).length > 0) out.params = { ...node.params }
    if (Object.keys(inputs).length > 0) out.inputs = inputs
    if (node.bypass) out.bypass = true
    out.ui = { ...node.ui, x: Math.round(node.position.x), y: Math.round(node.position.y) }
    nodes[node.id] = out
  }
  return { ...graph.meta, nodes }
}

const ID = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/

/** A fresh node id from the type (`sd.txt2img` -> `txt2img`, `txt2img_2`, ...). */
export function freshNodeId(type: string, taken: ReadonlySet<string>): string {
  const tail = type.split('.').pop() ?? 'node'
  let base = tail.replace(/[^A-Za-z0-9_.-]/g, '_')
  if (!ID.test(base)) base = `n_${base}`.slice(0, 100)
  if (!taken.has(base)) return base
  for (let i = 2; ; i++) {
    const id = `${base}_${i}`
    if (!taken.has(id)) return id
  }
}

/** The nodes `ids` and the links among them, as a workflow document (what Copy puts out). */
export function fragmentOf(
  graph: Graph,
  ids: ReadonlySet<string>,
  isMulti: IsMulti,
): WorkflowDocument {
  return graphToDocument(
    {
      meta: { format: WORKFLOW_FORMAT, name: 'clipboard' },
      nodes: graph.nodes.filter((n) => ids.has(n.id)),
      links: graph.links.filter((l) => ids.has(l.source) && ids.has(l.target)),
    },
    isMulti,
  )
}

/** A copied document read back from text, or undefined when the text is not one. */
export function parseFragment(text: string): WorkflowDocument | undefined {
  try {
    const value = JSON.parse(text) as unknown
    if (typeof value !== 'object' || value === null || !('nodes' in value)) return undefined
    const nodes = (value as { nodes: unknown }).nodes
    if (typeof nodes !== 'object' || nodes === null || Array.isArray(nodes)) return undefined
    return value as WorkflowDocument
  } catch {
    return undefined
  }
}

/**
 * The nodes and links of a copied document made ready to add beside `taken` ids: each node gets
 * a fresh id where its own is taken (links follow), and the group moves so its top-left corner
 * is at `at`.
 */
export function pastedGraph(
  doc: WorkflowDocument,
  taken: ReadonlySet<string>,
  at: { x: number; y: number },
): { nodes: GraphNode[]; links: GraphLink[] } {
  const g = documentToGraph(doc)
  const used = new Set(taken)
  const rename = new Map<string, string>()
  for (const n of g.nodes) {
    const id = used.has(n.id) || !ID.test(n.id) ? freshNodeId(n.type, used) : n.id
    used.add(id)
    rename.set(n.id, id)
  }
  const left = Math.min(...g.nodes.map((n) => n.position.x))
  const top = Math.min(...g.nodes.map((n) => n.position.y))
  const nodes = g.nodes.map((n) => ({
    ...n,
    id: rename.get(n.id) ?? n.id,
    position: { x: n.position.x - left + at.x, y: n.position.y - top + at.y },
  }))
  const links = g.links
    .filter((l) => rename.has(l.source) && rename.has(l.target))
    .map((l) => ({
      ...l,
      source: rename.get(l.source) ?? l.source,
      target: rename.get(l.target) ?? l.target,
    }))
  return { nodes, links }
}
