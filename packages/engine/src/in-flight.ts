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
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
    void flight.then((entry) => {
      signal.removeEventListener('abort', onAbort)
      resolve(entry)
    })
  })
}

/** What a finished node leaves for the identical nodes waiting on it. */
export function entryOf(result: NodeResult): CacheEntry | undefined {
  if ((result.status !== 'done' && result.status !== 'cached') || !result.outputs) return undefined
  const entry: CacheEntry = { outputs: result.outputs, files: result.files }
  if (result.meta) entry.meta = result.meta
  if (result.backend) entry.backend = result.backend
  return entry
}
