import type { ImageRef } from '@sdflow/protocol'
import type { NodeRecord } from './run-store.js'

/** One image a run produced, as the history and gallery show it. */
export interface RunImage extends ImageRef {
  /** The node and output it came out of. */
  node: string
  output: string
  /** The file image.save wrote it to (relative to the output folder), when it wrote one. */
  file?: string
  /** The seed and prompt of the generation that made it, when a backend node made it. */
  seed?: number
  prompt?: string
}

const isImageRef = (v: unknown): v is ImageRef =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as ImageRef).hash === 'string' &&
  typeof (v as ImageRef).width === 'number' &&
  typeof (v as ImageRef).height === 'number'

interface DocShape {
  nodes?: Record<string, { inputs?: Record<string, unknown> }>
  outputs?: Record<string, { node?: unknown }>
}

/** Node ids whose outputs no other node reads, and those of declared outputs. */
function shownNodes(doc: unknown, nodes: NodeRecord[]): Set<string> {
  const d = (typeof doc === 'object' && doc !== null ? doc : {}) as DocShape
  if (!d.nodes) return new Set(nodes.map((n) => n.id))
  const read = new Set<string>()
  for (const node of Object.values(d.nodes)) {
    for (const link of Object.values(node.inputs ?? {})) {
      for (const l of Array.isArray(link) ? link : [link]) {
        const from = (l as { node?: unknown } | null)?.node
        if (typeof from === 'string') read.add(from)
      }
    }
  }
  const shown = new Set(Object.keys(d.nodes).filter((id) => !read.has(id)))
  for (const out of Object.values(d.outputs ?? {}))
    if (typeof out.node === 'string') shown.add(out.node)
  return shown
}

interface Made {
  seed?: number
  prompt?: string
}

/** What each generated image was made with, by hash: meta.seeds and the request's prompts. */
function generations(nodes: NodeRecord[]): Map<string, Made> {
  const out = new Map<string, Made>()
  for (const n of nodes) {
    const meta = n.meta
    if (!meta || !Array.isArray(meta.seeds)) continue
    const seeds = meta.seeds as unknown[]
    const info = infoOf(meta.info)
    const prompts = Array.isArray(info.all_prompts) ? (info.all_prompts as unknown[]) : []
    const images = Object.values(n.outputs ?? {}).flatMap((v) =>
      Array.isArray(v) ? v.filter(isImageRef) : [],
    )
    images.forEach((image, i) => {
      if (out.has(image.hash)) return
      const seed = seeds[i]
      const prompt = prompts[i] ?? info.prompt
      out.set(image.hash, {
        ...(typeof seed === 'number' ? { seed } : {}),
        ...(typeof prompt === 'string' ? { prompt } : {}),
      })
    })
  }
  return out
}

/**
 * The images a run shows its user: those of nodes nothing else reads (a Save, a last
 * generation) and of declared outputs, once each, with the seed and prompt that made them.
 */
export function runImages(doc: unknown, nodes: NodeRecord[]): RunImage[] {
  const shown = shownNodes(doc, nodes)
  const made = generations(nodes)
  const seen = new Set<string>()
  const out: RunImage[] = []
  for (const n of nodes) {
    if (!shown.has(n.id)) continue
    for (const [output, value] of Object.entries(n.outputs ?? {})) {
      if (!Array.isArray(value)) continue
      const images = value.filter(isImageRef)
      images.forEach((image, i) => {
        if (seen.has(image.hash)) return
        seen.add(image.hash)
        const file = n.files.length === images.length ? n.files[i] : undefined
        out.push({
          hash: image.hash,
          width: image.width,
          height: image.height,
          mime: image.mime,
          node: n.id,
          output,
          ...(file !== undefined ? { file } : {}),
          ...made.get(image.hash),
        })
      })
    }
  }
  return out
}

/** A generation's `info`: the backend's JSON text (stored as it came), or an object (older runs). */
function infoOf(info: unknown): { prompt?: unknown; all_prompts?: unknown } {
  if (typeof info !== 'string') return (info ?? {}) as { prompt?: unknown; all_prompts?: unknown }
  try {
    const parsed: unknown = JSON.parse(info)
    return parsed && typeof parsed === 'object' ? parsed : {}
  } catch {
    return {}
  }
}
