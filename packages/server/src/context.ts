import type { FastifyInstance } from 'fastify'
import type { trackBackendJobs } from './backend-jobs.js'
import type { EventHub } from './event-hub.js'
import type { BodyRoute, EventStreamOptions } from './options.js'
import type { PathScrubber } from './path-view.js'
import type { RunManager } from './run-manager.js'
import type { RunStore } from './run-store.js'
import type { Runtime } from './runtime.js'
import type { WorkflowFiles } from './workflow-files.js'

/** What the routes share; `app.sdflow`. */
export interface SdflowContext {
  runtime: Runtime
  store: RunStore
  hub: EventHub
  /** The node each backend is working on, from node.progress events. */
  backendJobs: ReturnType<typeof trackBackendJobs>
  runs: RunManager
  workflows: WorkflowFiles
  /** Serialized answers and events pass through it: paths relative to their roots. */
  scrubPaths: PathScrubber
  dataDir: string
  bodyLimit(route: BodyRoute): number
  events: Required<EventStreamOptions>
}

declare module 'fastify' {
  interface FastifyInstance {
    sdflow: SdflowContext
  }
}

export type App = FastifyInstance
