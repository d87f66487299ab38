import { type BackendState, capacityOf } from './backend-state.js'
import { checkpointLoaded, missingNeeds, type Needs } from './catalog.js'

const hasNames = (needs: Needs | undefined): needs is Needs =>
  needs !== undefined &&
  Object.entries(needs).some(
    ([key, v]) => key !== 'operation' && (Array.isArray(v) ? v.length > 0 : !!v),
  )

const offers = (b: BackendState, needs: Needs | undefined) =>
  !needs?.operation || b.client.capabilities.operations.includes(needs.operation)

/**
 * Whether this backend could serve the job now that its catalog is known (ignoring health and
 * load): it offers the operation and, when it has a catalog, every name. Names sent to a
 * backend without a catalog go unchecked (validation warns about them).
 */
export function canServe(b: BackendState, needs: Needs | undefined): boolean {
  if (!offers(b, needs)) return false
  if (!hasNames(needs) || !b.client.capabilities.catalog) return true
  return b.catalog !== undefined && missingNeeds(b.catalog, needs).length === 0
}

/** Whether this backend will never serve the job: wrong operation, names it lacks, refused key. */
export function neverServes(b: BackendState, needs: Needs | undefined): boolean {
  if (b.refused || !offers(b, needs)) return true
  return b.catalog !== undefined && !canServe(b, needs)
}

/**
 * The best backend free right now: healthy, a slot free (a running slot or a place in its queue
 * ahead), has what the job needs. Prefers one not in `avoid` (it failed this job), then one with
 * the wanted checkpoint loaded, then the least loaded (an idle one before queueing behind a
 * running job), then config order.
 */
export function pickBackend(
  backends: readonly BackendState[],
  needs: Needs | undefined,
  avoid: ReadonlySet<string>,
): BackendState | undefined {
  const free = backends.filter(
    (b) => b.health === 'up' && !b.refused && b.busy < capacityOf(b) && canServe(b, needs),
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
  const operation = needs?.operation
  if (!hasNames(needs)) return operation ? `${operation} and a free slot` : 'a free slot'
  const parts: string[] = operation ? [operation] : []
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
  if (!offers(b, needs)) {
    return `${id} cannot run ${needs?.operation} (it runs ${b.client.capabilities.operations.join(', ')})`
  }
  if (b.refused) return `${id} refused the key: ${b.refused.message}`
  if (b.health !== 'up') {
    const reason = b.lastError ? `: ${b.lastError.message}` : ''
    return `${id} is ${b.health === 'down' ? 'down' : 'not probed yet'}${reason}`
  }
  if (hasNames(needs) && b.client.capabilities.catalog) {
    if (!b.catalog) return `${id} has not loaded its catalog yet`
    const missing = missingNeeds(b.catalog, needs)
    if (missing.length > 0) return `${id} lacks ${missing.join(', ')}`
  }
  const ahead = b.queueAhead > 0 ? ` and ${b.queueAhead} queued ahead` : ''
  return `${id} is busy (${b.busy}/${capacityOf(b)}: ${b.config.slots} slots${ahead})`
}
