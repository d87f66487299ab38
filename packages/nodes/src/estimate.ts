import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { money } from './cost.js'

/** GPU seconds per step-unit (one sampling step of one 512x512 image), by backend kind. */
export type StepHistory = Record<string, { seconds: number; units: number }>

/** What an estimate reads of a backend, as the pool (or GET /api/backends) lists it. */
export interface PricedBackend {
  id: string
  kind: string
  pricePerSecond?: number
  pricePerImage?: number
}

export interface KindEstimate {
  kind: string
  /** Expected GPU seconds, when this kind has history. */
  seconds?: number
  /** Expected price, when every backend of this kind has one and (per second) history. */
  cost?: number
  costPerImage?: number
  history: boolean
}

export interface RunEstimate {
  images: number
  /** One per backend kind in the pool: what the run would take if it all ran there. */
  kinds: KindEstimate[]
}

const generators = new Set(['sd.txt2img', 'sd.img2img', 'sd.inpaint'])
const num = (v: unknown, fallback: number) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback

/** Images and step-units a generation node asks for (A1111's defaults where params say nothing). */
function workOf(params: Record<string, unknown>): { images: number; units: number } {
  const images = num(params.batch_size, 1) * num(params.n_iter, 1)
  const pixels = (num(params.width, 512) * num(params.height, 512)) / (512 * 512)
  const steps = num(params.steps, 50) * (params.enable_hr ? 2 : 1)
  return { images, units: images * steps * pixels }
}

function generationNodes(doc: unknown): { id: string; params: Record<string, unknown> }[] {
  const nodes = (doc as { nodes?: Record<string, { type?: string; params?: unknown }> })?.nodes
  if (!nodes || typeof nodes !== 'object') return []
  return Object.entries(nodes).flatMap(([id, node]) =>
    node && generators.has(node.type ?? '')
      ? [{ id, params: (node.params ?? {}) as Record<string, unknown> }]
      : [],
  )
}

/**
 * Images to generate and the GPU time and price per backend kind, from the workflow's batch
 * sizes, steps and sizes and the seconds per step seen on each kind before.
 */
export function estimateRun(
  doc: unknown,
  backends: readonly PricedBackend[],
  history: StepHistory,
): RunEstimate {
  let images = 0
  let units = 0
  for (const node of generationNodes(doc)) {
    const work = workOf(node.params)
    images += work.images
    units += work.units
  }
  const kinds = [...new Set(backends.map((b) => b.kind))].map((kind): KindEstimate => {
    const seen = history[kind]
    const seconds = seen && seen.units > 0 ? (seen.seconds / seen.units) * units : undefined
    const out: KindEstimate = { kind, history: seconds !== undefined }
    if (seconds !== undefined) out.seconds = seconds
    const ofKind = backends.filter((b) => b.kind === kind)
    const prices = ofKind.map((b) =>
      b.pricePerImage !== undefined
        ? b.pricePerImage * images
        : b.pricePerSecond !== undefined && seconds !== undefined
          ? b.pricePerSecond * seconds
          : undefined,
    )
    if (prices.every((p) => p !== undefined) && prices.length > 0) {
      out.cost = Math.max(...prices)
      if (images > 0) out.costPerImage = out.cost / images
    }
    return out
  })
  return { images, kinds }
}

/** `images to generate: 4` then one line per kind: `runpod: 12.0 s GPU, est. $0.0012 ($0.00031/image)`. */
export function estimateLines(e: RunEstimate): string[] {
  const lines = [`images to generate: ${e.images}`]
  for (const k of e.kinds) {
    const parts: string[] = [
      k.seconds !== undefined ? `${k.seconds.toFixed(1)} s GPU` : 'no history yet',
    ]
    if (k.cost !== undefined) {
      const each = k.costPerImage !== undefined ? ` (${money(k.costPerImage)}/image)` : ''
      parts.push(`est. ${money(k.cost)}${each}`)
    }
    lines.push(`${k.kind}: ${parts.join(', ')}`)
  }
  return lines
}

/** Add what a finished run's generation nodes took (meta.gpuMs) to the history of their kind. */
export function learnStepTimes(
  history: StepHistory,
  doc: unknown,
  nodes: Readonly<
    Record<string, { status: string; backend?: string; meta?: Record<string, unknown> }>
  >,
  kindOf: (backend: string) => string | undefined,
): StepHistory {
  const next: StepHistory = structuredClone(history)
  for (const { id, params } of generationNodes(doc)) {
    const node = nodes[id]
    const gpuMs = node?.meta?.gpuMs
    const kind = node?.backend ? kindOf(node.backend) : undefined
    if (node?.status !== 'done' || typeof gpuMs !== 'number' || gpuMs <= 0 || !kind) continue
    const seen = next[kind] ?? { seconds: 0, units: 0 }
    seen.seconds += gpuMs / 1000
    seen.units += workOf(params).units
    next[kind] = seen
  }
  return next
}

const FILE = 'step-times.json'

export async function readStepHistory(dataDir: string): Promise<StepHistory> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dataDir, FILE), 'utf8'))
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as StepHistory)
      : {}
  } catch {
    return {}
  }
}

/** Written under a temporary name, then renamed: a crash never leaves half a file. */
export async function writeStepHistory(dataDir: string, history: StepHistory): Promise<void> {
  const path = join(dataDir, FILE)
  const temp = `${path}.${process.pid}.tmp`
  await mkdir(dataDir, { recursive: true })
  await writeFile(temp, `${JSON.stringify(history)}\n`)
  await rename(temp, path)
}

let writing: Promise<void> = Promise.resolve()

/**
 * Learn from a run that ended and persist it (best effort: an estimate is never worth failing a
 * run). Calls are chained, so two runs ending together in one server both count.
 */
export function rememberStepTimes(
  dataDir: string,
  doc: unknown,
  nodes: Parameters<typeof learnStepTimes>[2],
  backends: readonly { id: string; kind: string }[],
): Promise<void> {
  const kindOf = (id: string) => backends.find((b) => b.id === id)?.kind
  writing = writing
    .then(async () => {
      const history = await readStepHistory(dataDir)
      await writeStepHistory(dataDir, learnStepTimes(history, doc, nodes, kindOf))
    })
    .catch(() => undefined)
  return writing
}
