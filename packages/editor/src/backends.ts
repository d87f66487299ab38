import type { BackendInfo } from './catalog.js'

/** What the backends view reads of one GET /api/backends item (more than the forms need). */
export interface BackendStatus extends BackendInfo {
  kind?: string
  worker?: string
  downs?: number
  workers?: { idle: number; running: number; initializing: number }
  lastError?: { code: string; message?: string }
  jobs?: unknown[]
}

/** One live `sdflow worker` of a coordinator (GET /api/workers). */
export interface WorkerStatus {
  name: string
  backends: { id: string; kind?: string; health?: string }[]
  slots: number
  jobs: string[]
  heartbeatAt: string
}

const LISTS: [key: string, label: string][] = [
  ['checkpoints', 'checkpoints'],
  ['samplers', 'samplers'],
  ['upscalers', 'upscalers'],
  ['controlnetModels', 'ControlNet models'],
]

/** `4 checkpoints, 20 samplers, ...`, or `no catalog` (a backend that takes any name). */
export function catalogSize(b: BackendInfo): string {
  const c = b.catalog
  if (!c) return 'no catalog'
  const parts = LISTS.flatMap(([key, label]) => {
    const list = c[key]
    return Array.isArray(list) ? [`${list.length} ${label}`] : []
  })
  return parts.length > 0 ? parts.join(', ') : 'no catalog'
}

/** A URL as shown: scheme, host and path; user, password, query and fragment never. */
export function shownUrl(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`
  } catch {
    return undefined
  }
}

/** `3 s ago`, `2 min ago`: how old a heartbeat is. */
export function ago(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (!Number.isFinite(seconds)) return 'unknown'
  return seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`
}
