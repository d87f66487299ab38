import type { CacheEntry, NodeCache } from './cache.js'
import type { NodeResult } from './run-types.js'

/**
 * Nodes running now, by cache key, per cache (one per engine): an identical node (same key)
 * started meanwhile, in this run or another, waits for that one instead of generating again.
 */
const flights = new WeakMap<NodeCache, Map<string, Promise<CacheEntry | undefined>>>()

export function flightsOf(cache: NodeCache): Map<string, Promise<CacheEntry | undefined>> {
  let found = flights.get(cache)
  if (!found) {
    found = new Map()
    flights.set(cache, found)
  }
  return found
}

/** The flight's result, or undefined as soon as `signal` aborts. */
export function landing(
  flight: Promise<CacheEntry | undefined>,
  signal: AbortSignal,
): Promise<CacheEntry | undefined> {
  if (signal.aborted) return Promise.resolve(undefined)
  return Promise.race([flight, abortOf(signal)])
}

/**
 * Settles with undefined when `signal` aborts: one abort listener per run's signal, not one
 * added and removed per waiting node (most nodes of a big graph of repeated values wait).
 */
const aborts = new WeakMap<AbortSignal, Promise<undefined>>()

function abortOf(signal: AbortSignal): Promise<undefined> {
  let found = aborts.get(signal)
  if (!found) {
    found = new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve(undefined), { once: true })
    })
    aborts.set(signal, found)
  }
  return found
}

/** What a finished node leaves for the identical nodes waiting on it. */
export function entryOf(result: NodeResult): CacheEntry | undefined {
  if ((result.status !== 'done' && result.status !== 'cached') || !result.outputs) return undefined
  const entry: CacheEntry = { outputs: result.outputs, files: result.files }
  if (result.meta) entry.meta = result.meta
  if (result.backend) entry.backend = result.backend
  return entry
}
