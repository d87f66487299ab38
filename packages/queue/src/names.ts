import type { NodeTask } from '@sdflow/engine'

/** Redis key prefix of every sdflow queue key (BullMQ's own keys live under it too). */
export const PREFIX = 'sdflow'
/** The one queue of node jobs. */
export const QUEUE_NAME = 'nodes'
/** Channel on which the coordinator names jobs whose runs were cancelled. */
export const CANCEL_CHANNEL = `${PREFIX}:cancel`
/** Channel on which the coordinator names jobs whose A1111 iteration a caller skips. */
export const SKIP_CHANNEL = `${PREFIX}:skip`
/** Key of one worker's heartbeat (JSON WorkerInfo, expiring). */
export const workerKey = (name: string) => `${PREFIX}:workers:${name}`
export const WORKER_KEYS = `${PREFIX}:workers:*`
/** A1111 options one of a worker's backends answered (JSON), for the coordinator's face. */
export const optionsKey = (name: string) => `${PREFIX}:options:${name}`

/**
 * A node's job id: the same for every dispatch of that node in that run, so adding it again
 * (a coordinator restarted mid-run, Redis that forgot it) finds the job instead of doubling it.
 */
export function jobIdOf(task: Pick<NodeTask, 'runId' | 'nodeId'>): string {
  return `${task.runId}/${task.nodeId}`
}
