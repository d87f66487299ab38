import type { BackendStatus } from '@sdflow/a1111'

/** What the default needs from the pool (or the coordinator's view of the workers' backends). */
interface Listed {
  list(): readonly Pick<BackendStatus, 'health' | 'slots' | 'queueAhead'>[]
}

/** The floor of the default: one backend's slot and the request queued ahead of it. */
const MIN_RUNS = 2

/**
 * Runs executing at once unless the server is told (`--concurrency`): as many as the healthy
 * backends take jobs at once, slots plus the requests queued ahead, never fewer than 2. A run
 * that holds one generation at a time (a qr-illusion run) fills one of those places, so a fixed
 * 2 left all but two of four backends idle while runs waited in the server's queue.
 */
export function defaultConcurrency(pool: Listed | undefined): number {
  const places = (pool?.list() ?? []).reduce(
    (n, b) => (b.health === 'down' ? n : n + b.slots + b.queueAhead),
    0,
  )
  return Math.max(MIN_RUNS, places)
}
