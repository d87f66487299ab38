import type { RunEvent } from '@sdflow/protocol'
import type { EventHub } from './event-hub.js'

export interface BackendJob {
  runId: string
  nodeId: string
  step?: number
  total?: number
}

/**
 * Which node each backend is working on, from the event stream: `node.progress` names the
 * backend; the node's end (finished, failed, cancelled run) clears it.
 */
export function trackBackendJobs(hub: EventHub) {
  const jobs = new Map<string, BackendJob[]>()
  const drop = (match: (job: BackendJob) => boolean) => {
    for (const [backend, list] of jobs) {
      const left = list.filter((job) => !match(job))
      if (left.length > 0) jobs.set(backend, left)
      else jobs.delete(backend)
    }
  }
  const onEvent = (event: RunEvent) => {
    if (event.type === 'node.progress' && event.backend) {
      drop((job) => job.runId === event.runId && job.nodeId === event.nodeId)
      const list = jobs.get(event.backend) ?? []
      list.push({ runId: event.runId, nodeId: event.nodeId, step: event.step, total: event.total })
      jobs.set(event.backend, list)
    } else if (
      event.type === 'node.finished' ||
      event.type === 'node.failed' ||
      event.type === 'node.retrying'
    ) {
      drop((job) => job.runId === event.runId && job.nodeId === event.nodeId)
    } else if (
      event.type === 'run.finished' ||
      event.type === 'run.failed' ||
      event.type === 'run.cancelled'
    ) {
      drop((job) => job.runId === event.runId)
    }
  }
  const unsubscribe = hub.subscribe(onEvent)
  return { of: (backend: string) => jobs.get(backend) ?? [], close: unsubscribe }
}
