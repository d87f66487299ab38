import { dict, own } from '@sdflow/protocol'

/** What the cost estimate reads of a node's result (the engine's NodeResult fits). */
export interface CostedNode {
  status: string
  backend?: string
  files?: readonly string[]
  outputs?: Record<string, unknown>
  meta?: Record<string, unknown>
}

export interface RunCost {
  /** Backend time of the nodes that ran now (cached ones cost nothing). */
  gpuMs: number
  queueMs: number
  retries: number
  /** Images the run delivered: files written, else images made by backend nodes. */
  images: number
  /** Estimated price, when every backend that worked has a price. */
  cost?: number
  costPerImage?: number
  nodes: Record<string, { gpuMs: number; cost?: number }>
}

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0)

/**
 * GPU time, queue wait, retries and estimated price of a run, from each node's meta (`gpuMs`,
 * `queueMs`, `attempts`, `requests`, and `gpuByBackend` when a node used several backends) and
 * a price per GPU-second by backend id.
 */
export function runCost(
  nodes: Readonly<Record<string, CostedNode>>,
  pricePerSecond: Readonly<Record<string, number>>,
  pricePerImage: Readonly<Record<string, number>> = {},
): RunCost {
  let gpuMs = 0
  let queueMs = 0
  let retries = 0
  let files = 0
  let made = 0
  let cost: number | undefined = 0
  const perNode: RunCost['nodes'] = dict()
  for (const [id, node] of Object.entries(nodes)) {
    files += (node.files ?? []).filter((f) => f.toLowerCase().endsWith('.png')).length
    if (node.status !== 'done' || !node.meta) continue
    const ms = num(node.meta.gpuMs)
    if (ms <= 0 && !('gpuMs' in node.meta)) continue
    gpuMs += ms
    queueMs += num(node.meta.queueMs)
    retries += Math.max(0, num(node.meta.attempts) - (num(node.meta.requests) || 1))
    const image = node.outputs?.image
    made += Array.isArray(image) ? image.length : 0
    const byBackend = spread(node, ms)
    let nodeCost: number | undefined = 0
    const perImage = pricePerImage[node.backend ?? '']
    if (perImage !== undefined && Array.isArray(image)) {
      // hosted APIs bill per image: what the node delivered, whatever its GPU time
      perNode[id] = { gpuMs: ms, cost: image.length * perImage }
      cost = cost === undefined ? undefined : cost + image.length * perImage
      continue
    }
    for (const [backend, share] of Object.entries(byBackend)) {
      const price = own(pricePerSecond, backend)
      nodeCost =
        price === undefined || nodeCost === undefined
          ? undefined
          : nodeCost + (share / 1000) * price
    }
    perNode[id] = nodeCost === undefined ? { gpuMs: ms } : { gpuMs: ms, cost: nodeCost }
    cost = nodeCost === undefined || cost === undefined ? undefined : cost + nodeCost
  }
  const images = files || made
  const out: RunCost = { gpuMs, queueMs, retries, images, nodes: perNode }
  if (cost !== undefined && gpuMs > 0) {
    out.cost = cost
    if (images > 0) out.costPerImage = cost / images
  }
  return out
}

/** A node's GPU time by backend: its own split when it reports one, else all on its backend. */
function spread(node: CostedNode, ms: number): Record<string, number> {
  const split = node.meta?.gpuByBackend
  if (split && typeof split === 'object' && !Array.isArray(split)) {
    const entries = Object.entries(split).filter(([, v]) => typeof v === 'number')
    if (entries.length > 0) return Object.fromEntries(entries) as Record<string, number>
  }
  return ms > 0 ? { [node.backend ?? '']: ms } : {}
}

/** `GPU 12.4 s, queue 0.3 s, 1 retry, est. $0.0062 ($0.0031/image)`. */
export function costLine(c: RunCost): string {
  const parts = [`GPU ${(c.gpuMs / 1000).toFixed(1)} s`, `queue ${(c.queueMs / 1000).toFixed(1)} s`]
  parts.push(`${c.retries} ${c.retries === 1 ? 'retry' : 'retries'}`)
  if (c.cost !== undefined) parts.push(priceText(c.cost, c.costPerImage))
  return parts.join(', ')
}

/** `est. $0.0062 ($0.0031/image)`: a price as the run summary and the estimate print it. */
export function priceText(cost: number, perImage: number | undefined): string {
  return `est. ${money(cost)}${perImage !== undefined ? ` (${money(perImage)}/image)` : ''}`
}

/** What an estimate line shows of one backend kind (a KindEstimate of estimate.ts). */
export interface KindFigures {
  kind: string
  seconds?: number
  cost?: number
  costPerImage?: number
  cannotRun?: readonly string[]
}

/** `runpod: 12.0 s GPU, est. $0.0012 ($0.00031/image)`, or `a1111: no history yet`. */
export function kindLine(k: KindFigures): string {
  const parts = [k.seconds !== undefined ? `${k.seconds.toFixed(1)} s GPU` : 'no history yet']
  if (k.cost !== undefined) parts.push(priceText(k.cost, k.costPerImage))
  if (k.cannotRun) parts.push(`cannot run ${k.cannotRun.join(', ')}`)
  return `${k.kind}: ${parts.join(', ')}`
}

/** `images to generate: 4`, or `up to 12` when a search node may stop sooner. */
export function imagesLine(e: { images: number; upTo?: boolean }): string {
  return `images to generate: ${e.upTo ? 'up to ' : ''}${e.images}`
}

/**
 * Dollars with the digits that matter: `$0.00031`, `$0.0075`, `$1.23`; never `$0.0000` for a
 * cost too small for four decimals.
 */
export function money(dollars: number): string {
  if (dollars === 0) return '$0'
  const fixed = dollars.toFixed(Math.max(2, 1 - Math.floor(Math.log10(dollars))))
  // rounding can carry a cent amount up to a dollar (0.996 -> "1.00"): cents then, as for $1.23
  const rounded = Number(fixed)
  return `$${rounded >= 1 ? rounded.toFixed(2) : fixed.replace(/0+$/, '')}`
}

/** Price per image by backend id, from backends as the pool (or GET /api/backends) lists them. */
export function imagePricesOf(
  backends: readonly { id: string; pricePerImage?: number }[],
): Record<string, number> {
  const prices: Record<string, number> = {}
  for (const b of backends) if (b.pricePerImage !== undefined) prices[b.id] = b.pricePerImage
  return prices
}

/** Price per GPU-second by backend id, from backends as the pool (or GET /api/backends) lists them. */
export function pricesOf(
  backends: readonly { id: string; pricePerSecond?: number }[],
): Record<string, number> {
  const prices = dict<number>()
  for (const b of backends) if (b.pricePerSecond !== undefined) prices[b.id] = b.pricePerSecond
  return prices
}
