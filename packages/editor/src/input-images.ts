import { artifactUrl } from './api.js'
import type { Graph } from './document.js'
import type { RunView } from './run-state.js'
import type { PainterTarget } from './ui/mask-painter.js'

const hashOf = (params: Record<string, unknown>) =>
  typeof params.artifact === 'string' ? params.artifact : undefined

/** Uploaded images feeding inputs: node id -> input -> hash of the Load image behind it. */
export function inputImagesOf(graph: Graph): Map<string, Record<string, string>> {
  const loads = new Map<string, string>()
  for (const n of graph.nodes) {
    const hash = n.type === 'image.load' ? hashOf(n.params) : undefined
    if (hash) loads.set(n.id, hash)
  }
  const out = new Map<string, Record<string, string>>()
  for (const link of graph.links) {
    const hash = loads.get(link.source)
    if (!hash) continue
    const given = out.get(link.target) ?? {}
    given[link.input] = hash
    out.set(link.target, given)
  }
  return out
}

/** Load image nodes whose mask output is linked. */
export function maskLoadsOf(graph: Graph): Set<string> {
  const loads = new Set(graph.nodes.filter((n) => n.type === 'image.load').map((n) => n.id))
  return new Set(
    graph.links.filter((l) => l.output === 'mask' && loads.has(l.source)).map((l) => l.source),
  )
}

/** The Load image node feeding `input` through `output`, whose upload a new one replaces. */
export function uploadedSource(
  graph: Graph,
  nodeId: string,
  input: string,
  output: string,
): string | undefined {
  const link = graph.links.find((l) => l.target === nodeId && l.input === input)
  const source = link && graph.nodes.find((n) => n.id === link.source)
  return source?.type === 'image.load' && link?.output === output ? source.id : undefined
}

/**
 * What the mask painter opens on for a mask input: the image the node redraws (an upload, or
 * what the node feeding it made in the last run), the mask it has now, and a size to fall back on.
 */
export function painterTarget(
  graph: Graph,
  nodeId: string,
  input: string,
  run: RunView,
): PainterTarget {
  const node = graph.nodes.find((n) => n.id === nodeId)
  const feeding = (key: string) => {
    const link = graph.links.find((l) => l.target === nodeId && l.input === key)
    const source = link && graph.nodes.find((n) => n.id === link.source)
    if (!source) return undefined
    const hash = source.type === 'image.load' ? hashOf(source.params) : undefined
    return hash ?? run.nodes[source.id]?.images[0]?.hash
  }
  const init = feeding('image')
  const mask = feeding(input)
  const side = (key: string) => {
    const v = node?.params[key]
    return typeof v === 'number' && v > 0 ? v : 512
  }
  return {
    nodeId,
    input,
    ...(init ? { init: artifactUrl(init) } : {}),
    ...(mask ? { mask: artifactUrl(mask) } : {}),
    width: side('width'),
    height: side('height'),
  }
}
