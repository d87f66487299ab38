import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { imagesLine, kindLine } from './cost.js'

/** GPU seconds per step-unit (one sampling step of one 512x512 image), by backend kind. */
export type StepHistory = Record<string, { seconds: number; units: number }>

/** What an estimate reads of a backend, as the pool (or GET /api/backends) lists it. */
export interface PricedBackend {
  id: string
  kind: string
  pricePerSecond?: number
  pricePerImage?: number
  /** What it runs (txt2img, img2img, inpaint...); absent: everything. */
  capabilities?: { operations: readonly string[] }
}

export interface KindEstimate {
  kind: string
  /** Expected GPU seconds, when this kind has history. */
  seconds?: number
  /** Expected price, when every backend of this kind has one and (per second) history. */
  cost?: number
  costPerImage?: number
  history: boolean
  /** Generation nodes this kind cannot run (`tune (img2img)`), left out of its figures. */
  cannotRun?: string[]
}

export interface RunEstimate {
  images: number
  /** `images` is a budget, not a count: a search node (sd.qr-illusion) may stop sooner. */
  upTo: boolean
  /** One per backend kind in the pool: what the run would take if it all ran there. */
  kinds: KindEstimate[]
}

interface DocNode {
  type?: string
  params?: Record<string, unknown>
  inputs?: Record<string, unknown>
}

/** What a generation node sends: images made and step-units (sampling steps of 512x512 images). */
interface Work {
  images: number
  units: number
  /** Images on its image output, which a node downstream may redraw one by one. */
  out: number
  /** A search (sd.qr-illusion): `images` is its budget. */
  search: boolean
  /** The backend operation its requests need. */
  operation?: 'txt2img' | 'img2img' | 'inpaint'
}

/** Node types that send one img2img request per image on their `image` input. */
const redrawers = new Set(['sd.img2img', 'sd.inpaint'])
const num = (v: unknown, fallback: number) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback

/** Step-units of one image at these params (A1111's defaults where params say nothing). */
function unitsPerImage(params: Record<string, unknown>, hires: boolean): number {
  const pixels = (num(params.width, 512) * num(params.height, 512)) / (512 * 512)
  return num(params.steps, 50) * (hires && params.enable_hr ? 2 : 1) * pixels
}

function nodesOf(doc: unknown): Record<string, DocNode> {
  const nodes = (doc as { nodes?: unknown })?.nodes
  return nodes && typeof nodes === 'object' ? (nodes as Record<string, DocNode>) : {}
}

function sourcesOf(link: unknown): string[] {
  const links = Array.isArray(link) ? link : [link]
  return links.flatMap((l) => {
    const node = (l as { node?: unknown } | null)?.node
    return typeof node === 'string' ? [node] : []
  })
}

/** Sources before the nodes they feed; iterative, so a 10,000-node chain needs no deep stack. */
function upstreamFirst(nodes: Record<string, DocNode>): string[] {
  const order: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  for (const root of Object.keys(nodes)) {
    const stack = [root]
    while (stack.length > 0) {
      const id = stack[stack.length - 1] as string
      const seen = state.get(id)
      if (seen === undefined) {
        state.set(id, 'open')
        const inputs = nodes[id]?.inputs ?? {}
        for (const name of Object.keys(inputs)) {
          for (const s of sourcesOf(inputs[name])) if (nodes[s] && !state.has(s)) stack.push(s)
        }
        continue
      }
      stack.pop()
      if (seen === 'open') {
        state.set(id, 'done')
        order.push(id)
      }
    }
  }
  return order
}

/**
 * The generation work of every node, following links: an img2img fed a batch of 4 sends 4
 * requests, and sd.qr-illusion counts its whole candidate budget (max_attempts).
 */
function workOf(doc: unknown): Map<string, Work> {
  const nodes = nodesOf(doc)
  const work = new Map<string, Work>()
  for (const id of upstreamFirst(nodes)) {
    const node = nodes[id] as DocNode
    const params = node.params ?? {}
    const inputs = node.inputs ?? {}
    const upstream = (name: string) => sourcesOf(inputs[name]).map((s) => work.get(s)?.out ?? 1)
    const batch = num(params.batch_size, 1) * num(params.n_iter, 1)
    let w: Work = { images: 0, units: 0, out: 1, search: false }
    if (node.type === 'sd.txt2img') {
      const units = batch * unitsPerImage(params, true)
      w = { images: batch, units, out: batch, search: false, operation: 'txt2img' }
    } else if (node.type && redrawers.has(node.type)) {
      const fed = upstream('image').reduce((n, c) => n + c, 0)
      const images = Math.max(1, fed) * batch
      const units = images * unitsPerImage(params, false)
      const operation = node.type === 'sd.inpaint' ? 'inpaint' : 'img2img'
      w = { images, units, out: images, search: false, operation }
    } else if (node.type === 'sd.qr-illusion') {
      const images = num(params.max_attempts, 8)
      const plain = sourcesOf(inputs.init).length === 0
      const units = images * unitsPerImage(params, plain)
      w = { images, units, out: 1, search: true, operation: plain ? 'txt2img' : 'img2img' }
    } else {
      // image tools pass a batch through: a resize of 4 images is 4 images
      for (const name of Object.keys(inputs))
        for (const c of upstream(name)) w.out = Math.max(w.out, c)
    }
    work.set(id, w)
  }
  return work
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
  const work = [...workOf(doc)].filter(([, w]) => w.images > 0)
  let images = 0
  let upTo = false
  for (const [, w] of work) {
    images += w.images
    upTo ||= w.search
  }
  const kinds = [...new Set(backends.map((b) => b.kind))].map((kind): KindEstimate => {
    const ofKind = backends.filter((b) => b.kind === kind)
    const runs = (operation: string | undefined) =>
      operation === undefined ||
      ofKind.some((b) => !b.capabilities || b.capabilities.operations.includes(operation))
    // what this kind can run; the rest would go to another kind
    let units = 0
    let made = 0
    const cannotRun: string[] = []
    for (const [id, w] of work) {
      if (runs(w.operation)) {
        units += w.units
        made += w.images
      } else cannotRun.push(`${id} (${w.operation})`)
    }
    const seen = history[kind]
    const seconds = seen && seen.units > 0 ? (seen.seconds / seen.units) * units : undefined
    const out: KindEstimate = { kind, history: seconds !== undefined }
    if (seconds !== undefined) out.seconds = seconds
    if (cannotRun.length > 0) out.cannotRun = cannotRun
    const prices = ofKind.map((b) =>
      b.pricePerImage !== undefined
        ? b.pricePerImage * made
        : b.pricePerSecond !== undefined && seconds !== undefined
          ? b.pricePerSecond * seconds
          : undefined,
    )
    if (prices.every((p) => p !== undefined) && prices.length > 0) {
      out.cost = Math.max(...prices)
      if (made > 0) out.costPerImage = out.cost / made
    }
    return out
  })
  return { images, upTo, kinds }
}

/** `images to generate: 4` then one line per kind: `runpod: 12.0 s GPU, est. $0.0012 ($0.00031/image)`. */
export function estimateLines(e: RunEstimate): string[] {
  return [imagesLine(e), ...e.kinds.map(kindLine)]
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
  for (const [id, work] of workOf(doc)) {
    const node = nodes[id]
    const gpuMs = node?.meta?.gpuMs
    const kind = node?.backend ? kindOf(node.backend) : undefined
    if (work.images === 0 || node?.status !== 'done') continue
    if (typeof gpuMs !== 'number' || gpuMs <= 0 || !kind) continue
    // a search stops when a candidate scans: what it made, not its budget, took that time
    const made = node.meta?.requests
    const units =
      work.search && typeof made === 'number' && made > 0
        ? (work.units / work.images) * made
        : work.units
    const seen = next[kind] ?? { seconds: 0, units: 0 }
    seen.seconds += gpuMs / 1000
    seen.units += units
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
