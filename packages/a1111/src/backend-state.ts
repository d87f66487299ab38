import type { Issue } from '@sdflow/protocol'
import type { Catalog } from './catalog.js'
import type { A1111Client } from './client.js'
import type { BackendConfig } from './config.js'

export type Health = 'up' | 'down' | 'unknown'

/** What `pool.list()` reports per backend. */
export interface BackendStatus {
  id: string
  url: string
  health: Health
  busy: number
  slots: number
  /** Times the backend was marked down since the pool started. */
  downs: number
  catalog?: Catalog
  loadedCheckpoint?: string
  lastError?: Issue
  /** Configured price of one GPU-second, for cost estimates. */
  pricePerSecond?: number
}

/** The pool's mutable record of one backend (private to the pool). */
export interface BackendState {
  config: BackendConfig
  client: A1111Client
  health: Health
  busy: number
  catalog?: Catalog
  catalogAt: number
  loadedCheckpoint?: string
  lastError?: Issue
  /** Consecutive failed probes (for the backoff). */
  failures: number
  /** Times marked down since the pool started. */
  downs: number
  timer?: NodeJS.Timeout
  probing?: Promise<void>
  /** Aborts whatever is in flight on this backend when the pool closes. */
  inFlight: Set<AbortController>
  /**
   * Set when a node timed out or froze here: answering a probe is not enough to come back,
   * its progress must show it idle or moving. `signature` is the progress last seen.
   */
  hung?: { signature?: string }
}

export function statusOf(b: BackendState): BackendStatus {
  const out: BackendStatus = {
    id: b.config.id,
    url: b.config.url,
    health: b.health,
    busy: b.busy,
    slots: b.config.slots,
    downs: b.downs,
  }
  if (b.catalog) out.catalog = b.catalog
  if (b.loadedCheckpoint) out.loadedCheckpoint = b.loadedCheckpoint
  if (b.lastError) out.lastError = b.lastError
  if (b.config.pricePerSecond !== undefined) out.pricePerSecond = b.config.pricePerSecond
  return out
}
