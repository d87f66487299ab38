import { type BackendStatus, jobPlaces } from '@sdflow/a1111'

/** What the default needs from the pool (or the coordinator's view of the workers' backends). */
interface Listed {
  list(): readonly Pick<BackendStatus, 'health' | 'slots' | 'queueAhead'>[]
}

/** The floor of the default: one backend's slot and the request queued ahead of it. */
const MIN_RUNS = 2

/**
 * Runs executing at once unless the server is told (`--concurrency`): as many as the healthy
 * backends take jobs at once (`jobPlaces`), never fewer than 2. A run that holds one
 * generation at a time (a qr-illusion run) fills one of those places, so a fixed 2 left all but
 * two of four backends idle while runs waited in the server's queue.
 */
export function defaultConcurrency(pool: Listed | undefined): number {
  return Math.max(MIN_RUNS, jobPlaces(pool?.list() ?? []))
}
