import type { FastifyServerOptions } from 'fastify'
import type { Runtime, RuntimeOptions } from './runtime.js'

/** Default TCP port of `startServer` (A1111 uses 7860). */
export const DEFAULT_PORT = 7870
export const DEFAULT_HOST = '127.0.0.1'
/** Default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024
/** Default limit of an artifact upload: 256 MiB (a 64-megapixel PNG of noise fits). */
export const DEFAULT_ARTIFACT_LIMIT = 256 * 1024 * 1024

/** Routes whose body limit can be set on their own (images will come here later). */
export type BodyRoute =
  | 'PUT /api/workflows/:name'
  | 'POST /api/runs'
  | 'PUT /api/artifacts/:hash'
  | 'POST /api/uploads'

/** Default body limit of POST /api/uploads: 32 MiB (the pixel limit applies as well). */
export const DEFAULT_UPLOAD_LIMIT = 32 * 1024 * 1024

export interface RetentionOptions {
  /** Stored runs kept; the oldest ended ones are pruned first (default 1000). */
  maxRuns?: number
  /** Stored events kept over all runs (default 1 000 000); whole ended runs are pruned. */
  maxEvents?: number
}

export interface EventStreamOptions {
  /** Largest frame a client may send, in bytes (default 64 KiB); bigger closes it with 1009. */
  maxPayload?: number
  /** Bytes queued on a socket before the client counts as slow and is closed with 4008 (default 4 MiB). */
  maxBufferedBytes?: number
  /** Live events held back while a client's replay is under way (default 10 000); past it: 4008. */
  maxQueuedEvents?: number
  /** Stored events read per replay page (default 500). */
  replayPageSize?: number
}

export interface ServerOptions {
  /** Address to bind (default 127.0.0.1). Anything but loopback requires `token`. */
  host?: string
  /** Port to bind (default 7870; 0 picks a free one). */
  port?: number
  /** Token required on every /api route (reads included, not /api/health) and WebSocket upgrades. */
  token?: string
  /** Further host names accepted in `Host` (the bound host, localhost, 127.0.0.1, ::1 always are). */
  allowedHosts?: readonly string[]
  /** Further origins (`http://host:port`) allowed to call mutating routes and open the event stream. */
  allowedOrigins?: readonly string[]
  /** Run store, cache and artifacts (default `.sdflow`). */
  dataDir?: string
  /** The user's workflows: where saves go (default `<dataDir>/workflows`). */
  workflowsDir?: string
  /**
   * The shipped examples, listed and opened beside the user's, never written (default the
   * repository's `workflows/` folder when it exists; false: none).
   */
  examplesDir?: string | false
  /** A ready runtime (the caller closes it); otherwise one is made from `runtimeOptions`. */
  runtime?: Runtime
  /** For the runtime made here (default `{ backends: 'auto' }`, dataDir as above). */
  runtimeOptions?: RuntimeOptions
  /**
   * Runs executing at once (default: the healthy backends' slots plus the requests queued ahead
   * on them, at least 2); the rest wait in FIFO order.
   */
  concurrency?: number
  /** Resume runs a crash left queued or running (default true). */
  resume?: boolean
  retention?: RetentionOptions
  /** Body limit of every route (default 1 MiB). */
  bodyLimit?: number
  /** Body limit of single routes, overriding `bodyLimit`. */
  routeBodyLimits?: Partial<Record<BodyRoute, number>>
  events?: EventStreamOptions
  /** Pino logger options (false: no logs). buildApp default: off; startServer default: on. */
  logger?: FastifyServerOptions['logger']
  /** How long close() waits for running runs before interrupting them (default 5 s). */
  shutdownGraceMs?: number
}
