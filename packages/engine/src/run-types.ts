import type { Issue, NodeOutputs, RunEvent, RunSummary } from '@sdflow/protocol'
import type { ValidationResult } from './validate.js'

export type NodeStatus =
  | 'pending'
  | 'running'
  | 'done'
  | 'cached'
  | 'failed'
  | 'skipped'
  | 'cancelled'

export interface NodeResult {
  status: NodeStatus
  outputs?: NodeOutputs
  files: string[]
  issue?: Issue
  backend?: string
  durationMs?: number
  meta?: Record<string, unknown>
}

/** Results by node position (`CheckedNode.index`); absent until the node settles. */
export type ResultsByPosition = (NodeResult | undefined)[]

export type RunStatus = 'finished' | 'failed' | 'cancelled' | 'invalid'

export interface RunResult {
  runId: string
  status: RunStatus
  /** Workflow outputs by their declared names. */
  outputs: NodeOutputs
  files: string[]
  nodes: Record<string, NodeResult>
  issues: Issue[]
  summary: RunSummary
}

export interface RunOptions<S = unknown> {
  runId?: string
  /** Values for the workflow's declared inputs. */
  inputs?: Record<string, unknown>
  signal?: AbortSignal
  onEvent?: (event: RunEvent) => void
  /** Sequence number of the first event (a server that already emitted run.queued passes 2). */
  firstSeq?: number
  /**
   * Results of nodes that finished in an earlier attempt of this run (resume after a crash):
   * they are announced as node.cached and never run again, whatever their cache policy.
   */
  reuse?: ReadonlyMap<string, ReusedNode>
  /**
   * Called with each node's result before node.finished is announced (and awaited), so a run
   * store can commit it first: an announced result is never lost.
   */
  commit?: (nodeId: string, result: NodeResult) => void | Promise<void>
  /**
   * false: every node runs, even one with a fixed seed the cache has (results are still
   * cached). An A1111 client expects a new generation per call (default true).
   */
  readCache?: boolean
  /**
   * What `engine.validate(doc, { inputs })` returned for this same document and inputs, when
   * the caller has just validated it (the CLI, to print warnings first): run uses it instead of
   * validating again, which on a big workflow costs about as much as running its cached nodes.
   */
  validated?: ValidationResult<S>
}

/** A node's result from an earlier attempt of the run, keyed by node id (any id: a Map). */
export interface ReusedNode {
  outputs: NodeOutputs
  files: string[]
  meta?: Record<string, unknown>
  backend?: string
}
