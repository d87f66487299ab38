import type { NodeOutputs, RunEventBody } from '@sdflow/protocol'
import type { ExecuteContext } from './execute.js'
import type { NodeResult, ResultsByPosition } from './run-types.js'
import type { CheckedNode } from './validate.js'

/**
 * A bypassed node does not execute: each output takes the value its pass-through link carries
 * (validation chose the links). Committed and announced like a finished node, marked bypassed.
 */
export async function runBypassed<S>(
  ctx: ExecuteContext<S>,
  node: CheckedNode<S>,
  results: ResultsByPosition,
): Promise<NodeResult> {
  const outputs: NodeOutputs = {}
  for (const [name, link] of Object.entries(node.passThrough ?? {})) {
    const source = ctx.workflow.nodes.get(link.node)
    outputs[name] = source && results[source.index]?.outputs?.[link.output]
  }
  const meta = { bypassed: true }
  const result: NodeResult = { status: 'done', outputs, files: [], durationMs: 0, meta }
  await ctx.commit?.(node.id, result)
  const finished: RunEventBody = {
    type: 'node.finished',
    nodeId: node.id,
    outputs,
    files: [],
    durationMs: 0,
    meta,
  }
  ctx.emit(finished)
  return result
}
