import { type Catalog as BackendCatalog, catalogMatch } from '@sdflow/a1111/catalog'

/** One backend's catalog: lists of names by key (samplers, checkpoints, ...). */
export type Catalog = Record<string, unknown>

export interface BackendInfo {
  id: string
  url?: string
  kind?: string
  health?: string
  busy?: number
  slots?: number
  catalog?: Catalog
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []

/** Names of one catalog key over every backend (for `backends`: the backend ids). */
export function catalogNames(backends: readonly BackendInfo[], key: string): string[] {
  if (key === 'backends') return backends.map((b) => b.id)
  const names = new Set<string>()
  for (const b of backends) for (const n of strings(b.catalog?.[key])) names.add(n)
  return [...names]
}

const LISTS = [
  'checkpoints',
  'checkpointAliases',
  'samplers',
  'schedulers',
  'schedulerAliases',
  'upscalers',
  'latentUpscaleModes',
  'controlnetModels',
  'controlnetModules',
] as const

/** A catalog as GET /api/backends sends it, with every list present (empty when absent). */
function complete(c: Catalog): BackendCatalog {
  const out: Record<string, unknown> = { ...c }
  for (const key of LISTS) out[key] = strings(c[key])
  const isMap = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isMap(c.controlnetModuleLabels)) out.controlnetModuleLabels = {}
  if (!isMap(c.schedulerNames)) delete out.schedulerNames
  return out as unknown as BackendCatalog
}

/**
 * How the backends read a name given for a catalog key, by the rule the server validates with:
 * known when some backend takes it, and the listed entry it means when one does
 * (`control_v1p_sd15_qrcode_monster` -> `control_v1p_sd15_qrcode_monster [a6e58995]`).
 */
export function matchCatalog(
  backends: readonly BackendInfo[],
  key: string,
  name: string,
): { known: boolean; entry?: string } {
  if (key === 'backends') return { known: backends.some((b) => b.id === name) }
  let known = false
  for (const b of backends) {
    if (!b.catalog) continue
    const match = catalogMatch(complete(b.catalog), key, name)
    if (match.entry !== undefined) return match
    known ||= match.known
  }
  return { known }
}
