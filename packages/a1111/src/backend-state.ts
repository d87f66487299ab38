import type { Issue } from '@sdflow/protocol'
import type { Backend, BackendKind, Capabilities, Workers } from './backend.js'
import type { Catalog } from './catalog.js'
import type { BackendConfig } from './config.js'

export type Health = 'up' | 'down' | 'unknown'

/** What `pool.list()` reports per backend. Never a credential: no auth, headers or key. */
export interface BackendStatus {
  id: string
  kind: BackendKind
  /** The RunPod worker image (`a1111` or `a1111-proxy`) of a runpod backend. */
  worker?: string
  url: string
  health: Health
  busy: number
  slots: number
  /**
   * Requests the pool keeps waiting in the backend's own queue beside the running ones (A1111's
   * FIFO lock), so the GPU starts the next job the moment one ends: `busy` goes up to
   * `slots + queueAhead`. 0 for hosted endpoints, whose `slots` already count their queue.
   */
  queueAhead: number
  capabilities: Capabilities
  /** RunPod workers idle/running/initializing, from the last health probe. */
  workers?: Workers
  /** Times the backend was marked down since the pool started. */
  downs: number
  catalog?: Catalog
  loadedCheckpoint?: string
  lastError?: Issue
  /** Configured price of one GPU-second, for cost estimates. */
  pricePerSecond?: number
  /** Configured price of one image (how hosted APIs bill). */
  pricePerImage?: number
}

/**
 * Jobs these backends take at once, each running or waiting in its own queue: `slots +
 * queueAhead` of every backend not marked down (one still being probed counts).
 */
export function jobPlaces(
  backends: readonly Pick<BackendStatus, 'health' | 'slots' | 'queueAhead'>[],
): number {
  let places = 0
  for (const b of backends) if (b.health !== 'down') places += b.slots + b.queueAhead
  return places
}

/** The pool's mutable record of one backend (private to the pool). */
export interface BackendState {
  config: BackendConfig
  client: Backend
  health: Health
  busy: number
  /** Of `busy`, the jobs counted as running (at most `slots`); the rest wait in `waiting`. */
  running: number
  catalog?: Catalog
  catalogAt: number
  loadedCheckpoint?: string
  lastError?: Issue
  workers?: Workers
  /** Set when the backend refused our key: it takes no work until a probe is accepted. */
  refused?: Issue
  /** Consecutive failed probes (for the backoff). */
  failures: number
  /** Times marked down since the pool started. */
  downs: number
  timer?: NodeJS.Timeout
  probing?: Promise<void>
  /** Aborts whatever is in flight on this backend when the pool closes. */
  inFlight: Set<AbortController>
  /** See BackendStatus.queueAhead. */
  queueAhead: number
  /**
   * Jobs sent ahead, waiting behind the running ones, oldest first. Each is promoted (its
   * watchdog starts) when a running job here settles, or aborted when the backend hangs.
   */
  waiting: Lane[]
  /**
   * Set when a node timed out or froze here: answering a probe is not enough to come back,
   * its progress must show it idle or moving. `signature` is the progress last seen.
   */
  hung?: { signature?: string }
}

/** A job granted beyond `slots`: sent now, counted as running once a running job ends. */
export interface Lane {
  promoted: boolean
  /** Set by the attempt: start its watchdog (its request time starts when it runs). */
  onPromote?: () => void
  /** Set by the attempt: the backend hung on the job ahead, stop waiting behind it. */
  onAbandon?: (reason: unknown) => void
}

/** Jobs the backend takes at once: its running slots and the requests queued ahead of them. */
export const capacityOf = (b: BackendState): number => b.config.slots + b.queueAhead

export function statusOf(b: BackendState): BackendStatus {
  const out: BackendStatus = {
    id: b.config.id,
    kind: b.client.kind,
    url: b.config.url,
    health: b.health,
    busy: b.busy,
    slots: b.config.slots,
    queueAhead: b.queueAhead,
    capabilities: b.client.capabilities,
    downs: b.downs,
  }
  if (b.config.type === 'runpod') out.worker = b.config.worker
  if (b.workers) out.workers = b.workers
  if (b.catalog) out.catalog = b.catalog
  if (b.loadedCheckpoint) out.loadedCheckpoint = b.loadedCheckpoint
  if (b.lastError) out.lastError = b.lastError
  if (b.config.pricePerSecond !== undefined) out.pricePerSecond = b.config.pricePerSecond
  if (b.config.pricePerImage !== undefined) out.pricePerImage = b.config.pricePerImage
  return out
}
