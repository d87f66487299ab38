import type { Issue } from './issue.js'

/** The value of every output of one node, by output name. */
export type NodeOutputs = Record<string, unknown>

export interface RunSummary {
  planned: number
  ran: number
  cached: number
  failed: number
  skipped: number
  /**
   * Nodes of the document left out of the plan (each announced by a `node.skipped` event with
   * SDF_RUN_NOT_PLANNED), so planned + notPlanned is every node. Absent in older records.
   */
  notPlanned?: number
  durationMs: number
}

interface Base {
  runId: string
  /** Per-run sequence number, from 1, without gaps. */
  seq: number
  /** ISO 8601 time the event was emitted. */
  time: string
}

interface NodeBase extends Base {
  nodeId: string
}

export type RunEvent =
  | (Base & { type: 'run.queued' })
  | (Base & { type: 'run.started'; workflow: string; nodes: string[] })
  | (NodeBase & {
      type: 'node.cached'
      outputs: NodeOutputs
      files: string[]
      meta?: Record<string, unknown>
    })
  | (NodeBase & { type: 'node.started'; nodeType: string; backend?: string })
  | (NodeBase & {
      type: 'node.progress'
      step: number
      total: number
      fraction: number
      /** Seconds left, when known. */
      eta?: number
      /** Artifact hash of a live preview image. */
      preview?: string
      message?: string
      /** The backend doing the work, once the pool has picked one. */
      backend?: string
    })
  | (NodeBase & {
      type: 'node.retrying'
      attempt: number
      delayMs: number
      issue: Issue
      backend?: string
    })
  | (NodeBase & {
      type: 'node.finished'
      outputs: NodeOutputs
      files: string[]
      durationMs: number
      backend?: string
      /** What the node recorded about its work: seeds, infotexts, checkpoint, GPU time. */
      meta?: Record<string, unknown>
    })
  | (NodeBase & { type: 'node.failed'; issue: Issue })
  | (NodeBase & { type: 'node.skipped'; issue: Issue })
  | (Base & {
      type: 'run.finished'
      outputs: NodeOutputs
      files: string[]
      summary: RunSummary
    })
  | (Base & { type: 'run.failed'; issues: Issue[]; files: string[]; summary: RunSummary })
  | (Base & { type: 'run.cancelled'; files: string[]; summary: RunSummary })

export type RunEventType = RunEvent['type']

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
/** An event before the engine stamps it with runId, seq and time. */
export type RunEventBody = DistributiveOmit<RunEvent, 'runId' | 'seq' | 'time'>

export const terminalEvents = ['run.finished', 'run.failed', 'run.cancelled'] as const
export function isTerminal(event: RunEvent): boolean {
  return (terminalEvents as readonly string[]).includes(event.type)
}
