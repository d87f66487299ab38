import {
  issue,
  pointer,
  type RunEventBody,
  type RunSummary,
  type WorkflowDocument,
} from '@sdflow/protocol'
import type { ArtifactStore } from './artifact-store.js'
import type { NodeCache } from './cache.js'
import type { Limiter } from './limiter.js'
import type { Dispatch } from './node-task.js'
import type { Plan } from './plan.js'
import { runBypassed } from './run-bypassed.js'
import { runNode, toIssue } from './run-node.js'
import type { NodeResult, RunOptions, RunStatus } from './run-types.js'
import type { CheckedNode, CheckedWorkflow } from './validate.js'

export interface ExecuteContext<S> {
  runId: string
  workflow: CheckedWorkflow<S>
  plan: Plan
  cache: NodeCache
  artifacts: ArtifactStore
  limiters: Record<string, Limiter>
  /** Where node work goes: a function call by default, a queue job in scale-out. */
  dispatch: Dispatch
  signal: AbortSignal
  emit(body: RunEventBody): void
  reuse?: RunOptions['reuse']
  commit?: RunOptions['commit']
  readCache?: boolean
  run: { workflow: WorkflowDocument; inputs: Record<string, unknown> }
}

export interface Execution {
  status: Exclude<RunStatus, 'invalid'>
  nodes: Map<string, NodeResult>
  summary: RunSummary
}

/**
 * Run the planned nodes: each starts as soon as its inputs are ready, bounded by its resource's
 * limiter. A failure skips the failed node's descendants; independent branches still finish.
 */
export function execute<S>(ctx: ExecuteContext<S>): Promise<Execution> {
  const { plan, workflow, signal } = ctx
  const started = performance.now()
  const results = new Map<string, NodeResult>()
  const waiting = new Map(plan.waitsFor)
  const running = new Set<string>()
  let settled = 0

  return new Promise((resolveRun) => {
    const finish = () => {
      const nodes = new Map(plan.order.map((id) => [id, results.get(id) ?? pending()]))
      const count = (s: NodeResult['status']) =>
        [...nodes.values()].filter((r) => r.status === s).length
      const summary: RunSummary = {
        planned: plan.order.length,
        ran: count('done'),
        cached: count('cached'),
        failed: count('failed'),
        skipped: count('skipped'),
        notPlanned: plan.notPlanned.length,
        durationMs: Math.round(performance.now() - started),
      }
      const status = signal.aborted ? 'cancelled' : summary.failed > 0 ? 'failed' : 'finished'
      resolveRun({ status, nodes, summary })
    }

    const settle = (id: string, result: NodeResult) => {
      running.delete(id)
      results.set(id, result)
      settled++
      if ((result.status === 'done' || result.status === 'cached') && !signal.aborted) {
        for (const next of plan.dependents.get(id) ?? []) {
          const left = (waiting.get(next) ?? 0) - 1
          waiting.set(next, left)
          if (left === 0 && !results.has(next)) start(next)
        }
      } else if (result.status === 'failed') {
        skipDescendants(id)
      }
      if (settled === plan.order.length) finish()
    }

    const skipDescendants = (failed: string) => {
      const stack = [...(plan.dependents.get(failed) ?? [])]
      while (stack.length > 0) {
        const id = stack.pop() as string
        if (results.has(id)) continue
        const reason = issue(
          'SDF_RUN_UPSTREAM_FAILED',
          pointer('nodes', id),
          `skipped because "${failed}" failed`,
          { details: { failed } },
        )
        ctx.emit({ type: 'node.skipped', nodeId: id, issue: reason })
        settle(id, { status: 'skipped', files: [], issue: reason })
        stack.push(...(plan.dependents.get(id) ?? []))
      }
    }

    // nodes in flight see the aborted signal and settle themselves; the rest never start
    const cancelRest = () => {
      for (const id of plan.order) {
        if (!results.has(id) && !running.has(id)) settle(id, { status: 'cancelled', files: [] })
      }
    }

    // nodes that finish without I/O would otherwise chain in microtasks and starve the event
    // loop (HTTP, WebSocket, timers) until the whole run is over: the nodes made ready begin
    // together in the next turn of the loop, one setImmediate for all of them (one a node
    // cost more than the rest of a cached node's run)
    let due: CheckedNode<S>[] = []
    const beginDue = () => {
      const batch = due
      due = []
      for (const node of batch) begin(node)
    }
    const start = (id: string) => {
      const node = workflow.nodes.get(id)
      if (!node) throw new Error(`planned node ${id} is not in the workflow`)
      if (signal.aborted) return settle(id, { status: 'cancelled', files: [] })
      running.add(id)
      if (due.push(node) === 1) setImmediate(beginDue)
    }
    const begin = (node: CheckedNode<S>) => {
      const id = node.id
      if (signal.aborted) return settle(id, { status: 'cancelled', files: [] })
      const work = node.passThrough
        ? runBypassed(ctx, node, results)
        : runNode(ctx, node, gatherInputs(node, results), results)
      work.then(
        (result) => settle(id, result),
        (error: unknown) => settle(id, { status: 'failed', files: [], issue: toIssue(error, id) }),
      )
    }

    if (plan.order.length === 0) return finish()
    signal.addEventListener('abort', cancelRest, { once: true })
    for (const id of plan.order) if (plan.waitsFor.get(id) === 0) start(id)
  })
}

function pending(): NodeResult {
  return { status: 'cancelled', files: [] }
}

function gatherInputs<S>(node: CheckedNode<S>, results: Map<string, NodeResult>) {
  const values: Record<string, unknown> = {}
  const declared = node.node.spec.inputs
  for (const name in declared) {
    const links = node.links[name] ?? []
    const found = links.map((link) => results.get(link.node)?.outputs?.[link.output])
    values[name] = declared[name]?.multi ? found : found[0]
  }
  return values
}
