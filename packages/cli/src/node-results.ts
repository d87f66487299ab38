import type { RunEvent } from '@sdflow/protocol'

export interface ObservedNode {
  status: string
  outputs?: Record<string, unknown>
  files: string[]
  backend?: string
  meta?: Record<string, unknown>
}

/** Node results rebuilt from a run's events, for a run that happened elsewhere (a server). */
export function collectNodeResults() {
  const nodes: Record<string, ObservedNode> = {}
  return {
    nodes,
    onEvent(event: RunEvent) {
      if (event.type === 'node.finished' || event.type === 'node.cached') {
        const node: ObservedNode = {
          status: event.type === 'node.finished' ? 'done' : 'cached',
          outputs: event.outputs,
          files: event.files,
        }
        if (event.meta) node.meta = event.meta
        if (event.type === 'node.finished' && event.backend) node.backend = event.backend
        nodes[event.nodeId] = node
      } else if (event.type === 'node.failed') {
        nodes[event.nodeId] = { status: 'failed', files: [] }
      }
    },
  }
}
