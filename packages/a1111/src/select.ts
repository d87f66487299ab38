import type { BackendState } from './backend-state.js'
import { checkpointLoaded, missingNeeds, type Needs } from './catalog.js'

const hasNeeds = (needs: Needs | undefined): needs is Needs =>
  needs !== undefined && Object.values(needs).some((v) => (Array.isArray(v) ? v.length > 0 : !!v))

/** Whether this backend could ever serve the job (ignoring health and load). */
export function canServe(b: BackendState, needs: Needs | undefined): boolean {
  if (!hasNeeds(needs)) return true
  return b.catalog !== undefined && missingNeeds(b.catalog, needs).length === 0
}

/**
 * The best backend free right now: healthy, a slot free, has what the job needs. Prefers one not
 * in `avoid` (it failed this job), then one with the wanted checkpoint loaded, then the least
 * loaded, then config order.
 */
export function pickBackend(
  backends: readonly BackendState[],
  needs: Needs | undefined,
  avoid: ReadonlySet<string>,
): BackendState | undefined {
  const free = backends.filter(
    (b) => b.health === 'up' && b.busy < b.config.slots && canServe(b, needs),
  )
  const score = (b: BackendState): number[] => [
    avoid.has(b.config.id) ? 1 : 0,
    needs?.checkpoint && checkpointLoaded(b.loadedCheckpoint, needs.checkpoint) ? 0 : 1,
    b.busy / b.config.slots,
  ]
  let best: BackendState | undefined
  let bestScore: number[] = []
  for (const b of free) {
    const s = score(b)
    if (!best || lessThan(s, bestScore)) {
      best = b
      bestScore = s
    }
  }
  return best
}

function lessThan(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    if (x !== y) return x < y
  }
  return false
}

/** What the job needs, as a phrase for messages: `checkpoint "x", upscaler "y"`. */
export function describeNeeds(needs: Needs | undefined): string {
  if (!hasNeeds(needs)) return 'a free slot'
  const parts: string[] = []
  if (needs.checkpoint) parts.push(`checkpoint "${needs.checkpoint}"`)
  for (const u of needs.upscalers ?? []) parts.push(`upscaler "${u}"`)
  for (const m of needs.controlnetModels ?? []) parts.push(`ControlNet model "${m}"`)
  for (const m of needs.controlnetModules ?? []) parts.push(`ControlNet module "${m}"`)
  if (needs.sampler) parts.push(`sampler "${needs.sampler}"`)
  if (needs.scheduler) parts.push(`scheduler "${needs.scheduler}"`)
  return parts.join(', ')
}

/** Why each backend cannot take the job now, for the NONE_AVAILABLE message. */
export function whyNot(b: BackendState, needs: Needs | undefined): string {
  const id = b.config.id
  if (b.health !== 'up') {
    const reason = b.lastError ? `: ${b.lastError.message}` : ''
    return `${id} is ${b.health === 'down' ? 'down' : 'not probed yet'}${reason}`
  }
  if (hasNeeds(needs)) {
    if (!b.catalog) return `${id} has not loaded its catalog yet`
    const missing = missingNeeds(b.catalog, needs)
    if (missing.length > 0) return `${id} lacks ${missing.join(', ')}`
  }
  return `${id} is busy (${b.busy}/${b.config.slots} slots)`
}
