import { type KindFigures, kindLine } from '@sdflow/nodes/cost'

/** What the run panel reads of POST /api/validate's `estimate` (RunEstimate). */
export interface RunEstimate {
  images: number
  /** `images` is a budget: a search node (sd.qr-illusion) may stop sooner. */
  upTo?: boolean
  kinds: (KindFigures & { history: boolean })[]
}

export function isEstimate(value: unknown): value is RunEstimate {
  const v = value as Partial<RunEstimate> | undefined
  return typeof v?.images === 'number' && Array.isArray(v.kinds)
}

/** `runpod: 12.0 s GPU, est. $0.0012 ($0.00031/image)`, or `a1111: no history yet`, per kind. */
export function kindLines(e: RunEstimate): string[] {
  return e.kinds.map(kindLine)
}
