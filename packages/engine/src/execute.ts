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
import type { NodeResult, ResultsByPosition, RunOptions, RunStatus } from './run-types.js'
import type { CheckedNode, CheckedWorkflow } from './validate.js'

export interface ExecuteContext<S> {
  runId: string
  workflow: CheckedWorkflow<S>
  plan: Plan<S>
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
  /** Each planned node's result, in plan order. */
  nodes: [string, NodeResult][]
  /** The settled nodes' results by position. */
  results: ResultsByPosition
  summary: RunSummary
}

/**
 * Run the planned nodes: each starts as soon as its inputs are ready, bounded by its resource's
 * limiter. A failure skips the failed node's descendants; independent branches still finish.
 */
export function execute<S>(ctx: ExecuteContext<S>): Promise<Execution> {
  const { plan, signal } = ctx
  const started = performance.now()
  // by node position, as plan gives its counts: a 10,000-node run was mostly map operations
  const results: ResultsByPosition = new Array(ctx.workflow.list.length)
  const runningAt = new Uint8Array(ctx.workflow.list.length)
  const waiting = plan.waitsFor.slice()
  let settled = 0

  return new Promise((resolveRun) => {
    const finish = () => {
      const nodes: [string, NodeResult][] = []
      const summary: RunSummary = {
        planned: plan.order.length,
        ran: 0,
        cached: 0,
        failed: 0,
        skipped: 0,
        notPlanned: plan.notPlanned.length,
        durationMs: Math.round(performance.now() - started),
      }
      for (const node of plan.nodes) {
        const result = results[node.index] ?? pending()
        nodes.push([node.id, result])
        if (result.status === 'done') summary.ran++
        else if (result.status === 'cached') summary.cached++
        else if (result.status === 'failed') summary.failed++
        else if (result.status === 'skipped') summary.skipped++
      }
      const status = signal.aborted ? 'cancelled' : summary.failed > 0 ? 'failed' : 'finished'
      resolveRun({ status, nodes, results, summary })
    }

    const settle = (node: CheckedNode<S>, result: NodeResult) => {
      runningAt[node.index] = 0
      results[node.index] = result
      settled++
      if ((result.status === 'done' || result.status === 'cached') && !signal.aborted) {
        for (const next of plan.dependents[node.index] ?? []) {
          const left = (waiting[next] ?? 0) - 1
          waiting[next] = left
          if (left === 0 && !results[next]) start(ctx.workflow.list[next] as CheckedNode<S>)
        }
      } else if (result.status === 'failed') {
        skipDescendants(node)
      }
      if (settled === plan.order.length) finish()
    }

    const skipDescendants = (failed: CheckedNode<S>) => {
      const stack = [...(plan.dependents[failed.index] ?? [])]
      while (stack.length > 0) {
        const at = stack.pop() as number
        if (results[at]) continue
        const node = ctx.workflow.list[at] as CheckedNode<S>
        const reason = issue(
          'SDF_RUN_UPSTREAM_FAILED',
          pointer('nodes', node.id),
          `skipped because "${failed.id}" failed`,
          { details: { failed: failed.id } },
        )
        ctx.emit({ type: 'node.skipped', nodeId: node.id, issue: reason })
        settle(node, { status: 'skipped', files: [], issue: reason })
        stack.push(...(plan.dependents[at] ?? []))
      }
    }

    // nodes in flight see the aborted signal and settle themselves; the rest never start
    const cancelRest = () => {
      for (const node of plan.nodes) {
        if (!results[node.index] && !runningAt[node.index]) {
          settle(node, { status: 'cancelled', files: [] })
        }
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
    const start = (node: CheckedNode<S>) => {
      if (signal.aborted) return settle(node, { status: 'cancelled', files: [] })
      runningAt[node.index] = 1
      if (due.push(node) === 1) setImmediate(beginDue)
    }
    const begin = (node: CheckedNode<S>) => {
      if (signal.aborted) return settle(node, { status: 'cancelled', files: [] })
      const work = node.passThrough
        ? runBypassed(ctx, node, results)
        : runNode(ctx, node, gatherInputs(node, results), results)
      work.then(
        (result) => settle(node, result),
        (error: unknown) =>
          settle(node, { status: 'failed', files: [], issue: toIssue(error, node.id) }),
      )
    }

    if (plan.order.length === 0) return finish()
    signal.addEventListener('abort', cancelRest, { once: true })
    for (const node of plan.nodes) if (plan.waitsFor[node.index] === 0) start(node)
  })
}

function pending(): NodeResult {
  return { status: 'cancelled', files: [] }
}

/** The values a node's inputs receive; `from` lists the source of each link, in link order. */
function gatherInputs<S>(node: CheckedNode<S>, results: ResultsByPosition) {
  const received: Record<string, unknown[]> = {}
  let source = 0
  for (const name in node.links) {
    const links = node.links[name] ?? []
    const found: unknown[] = []
    for (const link of links) {
      const from = node.from[source++]
      found.push(from && results[from.index]?.outputs?.[link.output])
    }
    received[name] = found
  }
  const values: Record<string, unknown> = {}
  const declared = node.node.spec.inputs
  for (const name in declared) {
    const found = received[name] ?? []
    values[name] = declared[name]?.multi ? found : found[0]
  }
  return values
}
