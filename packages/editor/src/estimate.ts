import { money } from '@sdflow/nodes/cost'

/** What the run panel reads of POST /api/validate's `estimate` (RunEstimate). */
export interface RunEstimate {
  images: number
  /** `images` is a budget: a search node (sd.qr-illusion) may stop sooner. */
  upTo?: boolean
  kinds: {
    kind: string
    seconds?: number
    cost?: number
    costPerImage?: number
    history: boolean
    /** Generation nodes this kind cannot run, left out of its figures. */
    cannotRun?: string[]
  }[]
}

export function isEstimate(value: unknown): value is RunEstimate {
  const v = value as Partial<RunEstimate> | undefined
  return typeof v?.images === 'number' && Array.isArray(v.kinds)
}

/** `runpod: 12.0 s GPU, est. $0.0012 ($0.00031/image)`, or `a1111: no history yet`, per kind. */
export function kindLines(e: RunEstimate): string[] {
  return e.kinds.map((k) => {
    const parts = [k.seconds !== undefined ? `${k.seconds.toFixed(1)} s GPU` : 'no history yet']
    if (k.cost !== undefined) {
      const each = k.costPerImage !== undefined ? ` (${money(k.costPerImage)}/image)` : ''
      parts.push(`est. ${money(k.cost)}${each}`)
    }
    if (k.cannotRun) parts.push(`cannot run ${k.cannotRun.join(', ')}`)
    return `${k.kind}: ${parts.join(', ')}`
  })
}
