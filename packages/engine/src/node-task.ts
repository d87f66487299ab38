import type { ImageRef, Issue, NodeOutputs, WorkflowDocument } from '@sdflow/protocol'
import type { UpstreamNode } from './define-node.js'

/**
 * One node's work as plain JSON, what lies between deciding (reuse, cache, limiter, commit,
 * announce: run-node.ts) and doing (perform-task.ts). In one process it is handed over by a
 * function call; with a queue it is a job's data, so nothing in it may be a function, a
 * handle or a secret: backends are named by id, images by hash.
 */
export interface NodeTask {
  runId: string
  nodeId: string
  type: string
  version: number
  /** Checked and defaulted by the coordinator's validation. */
  params: Record<string, unknown>
  /** Values gathered from upstream outputs (images as ImageRef). */
  inputs: Record<string, unknown>
}

/** What a node reports while it works: one union, so it crosses a process boundary unchanged. */
export type TaskEvent =
  | {
      type: 'progress'
      step: number
      total: number
      eta?: number
      /** A live preview, already in the artifact store. */
      preview?: ImageRef
      message?: string
    }
  | { type: 'retrying'; attempt: number; delayMs: number; issue: Issue; backend?: string }
  /** The backend that does (or, after failover, now does) the work. */
  | { type: 'backend'; id: string }
  /** Facts about the work (seeds, infotexts, GPU time), merged into the node's meta. */
  | { type: 'annotate'; meta: Record<string, unknown> }

/** What a node's work gives back. */
export interface TaskOutput {
  outputs: NodeOutputs
  /** Files the node wrote. */
  files: string[]
  backend?: string
  meta?: Record<string, unknown>
}

/**
 * What the doing half gets besides the task. `run` and `upstream` exist only where the run
 * lives (the coordinator): a node that needs them (image.save) is never sent to a worker.
 */
export interface TaskScope {
  signal: AbortSignal
  emit(event: TaskEvent): void
  run?: { workflow: WorkflowDocument; inputs: Record<string, unknown> }
  upstream?: () => UpstreamNode[]
}

/** Hands a task to whatever does it: a function call in one process, a queue job with Redis. */
export type Dispatch = (task: NodeTask, scope: TaskScope) => Promise<TaskOutput>
