/** One backend's catalog: lists of names by key (samplers, checkpoints, ...). */
export type Catalog = Record<string, unknown>

export interface BackendInfo {
  id: string
  url?: string
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
