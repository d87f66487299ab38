import type { NodeTask, TaskEvent, TaskOutput } from '@sdflow/engine'
import { type Issue, issue, SdflowError } from '@sdflow/protocol'

/** A job's data: the task and nothing else a worker would need to trust (no URL, no secret). */
export interface JobData {
  task: NodeTask
  /** Epoch ms after which a worker that cannot serve the job fails it instead of passing it on. */
  deadline: number
}
export type JobProgress = TaskEvent
export type JobResult = TaskOutput

const MARK = 'sdflow-issue:'

/** A failed job carries its Issue in BullMQ's failedReason (a string). */
export function encodeIssue(found: Issue): string {
  return MARK + JSON.stringify(found)
}

export function decodeFailure(reason: string | undefined, nodeId: string): SdflowError {
  if (reason?.startsWith(MARK)) {
    try {
      return new SdflowError(JSON.parse(reason.slice(MARK.length)) as Issue)
    } catch {
      // fall through: a reason we did not write
    }
  }
  return new SdflowError(
    issue('SDF_NODE_FAILED', `/nodes/${nodeId}`, `node "${nodeId}" failed on a worker: ${reason}`),
  )
}
