import { existsSync } from 'node:fs'
import {
  type Issue,
  issue,
  type NodeOutputs,
  pointer,
  type RunEventBody,
  SdflowError,
} from '@sdflow/protocol'
import type { ArtifactStore } from './artifact-store.js'
import { type CacheEntry, cacheKey } from './cache.js'
import type { NodeContext, UpstreamNode } from './define-node.js'
import type { ExecuteContext } from './execute.js'
import type { NodeResult } from './run-types.js'
import type { CheckedNode, CheckedWorkflow } from './validate.js'

/**
 * One node: served from an earlier attempt or the cache when it can be, otherwise run under
 * its resource's limiter, its result checked, cached, committed, then announced.
 */
export async function runNode<S>(
  ctx: ExecuteContext<S>,
  node: CheckedNode<S>,
  inputs: Record<string, unknown>,
  results: Map<string, NodeResult>,
): Promise<NodeResult> {
  const { definition, spec } = node.node
  const nodeId = node.id
  // nodes that finish without I/O would otherwise chain in microtasks and starve the event
  // loop (HTTP, WebSocket, timers) until the whole run is over
  await new Promise<void>((resolve) => setImmediate(resolve))
  const reused = ctx.reuse?.get(nodeId)
  if (reused && stillThere(ctx.artifacts, reused.outputs, reused.files))
    return cached(ctx, nodeId, reused)
  const cacheable = !definition.nondeterministic?.(node.params as never)
  const key = cacheable ? cacheKey(spec.type, spec.version, node.params, inputs) : undefined
  const hit = key ? ctx.cache.get(key) : undefined
  if (hit && stillThere(ctx.artifacts, hit.outputs, hit.files)) return cached(ctx, nodeId, hit)

  const limiter = ctx.limiters[spec.resource]
  let release = () => {}
  try {
    if (limiter) release = await limiter.acquire(ctx.signal)
  } catch (error) {
    if (ctx.signal.aborted) return { status: 'cancelled', files: [] }
    throw error
  }
  const files: string[] = []
  let backend: string | undefined
  let meta: Record<string, unknown> | undefined
  const began = performance.now()
  try {
    ctx.emit({ type: 'node.started', nodeId, nodeType: spec.type })
    const context: NodeContext<Record<string, unknown>, Record<string, unknown>, S> = {
      runId: ctx.runId,
      nodeId,
      params: node.params,
      inputs,
      signal: ctx.signal,
      artifacts: ctx.artifacts,
      roots: ctx.roots,
      services: ctx.services,
      log: ctx.log,
      progress: (update) => {
        const body: RunEventBody = {
          type: 'node.progress',
          nodeId,
          step: update.step,
          total: update.total,
          fraction: update.total > 0 ? Math.min(1, update.step / update.total) : 0,
        }
        if (update.eta !== undefined) body.eta = update.eta
        if (update.preview) body.preview = update.preview.hash
        if (update.message) body.message = update.message
        if (backend) body.backend = backend
        ctx.emit(body)
      },
      retrying: (notice) => ctx.emit({ type: 'node.retrying', nodeId, ...notice }),
      useBackend: (id) => {
        backend = id
      },
      wrote: (path) => void files.push(path),
      annotate: (more) => {
        meta = { ...meta, ...more }
      },
      run: ctx.run,
      upstream: () => upstreamOf(node, ctx.workflow, results),
    }
    // params were defaulted and checked by ajv, inputs by validate: this is the boundary
    const outputs = await definition.execute(context as NodeContext<never, never, S>)
    ctx.signal.throwIfAborted()
    checkOutputs(node, outputs)
    const durationMs = Math.round(performance.now() - began)
    const result: NodeResult = { status: 'done', outputs, files, durationMs }
    if (backend) result.backend = backend
    if (meta) result.meta = meta
    if (key)
      ctx.cache.set(key, { outputs, files, ...(meta && { meta }), ...(backend && { backend }) })
    await ctx.commit?.(nodeId, result)
    const finished: RunEventBody = { type: 'node.finished', nodeId, outputs, files, durationMs }
    if (backend) finished.backend = backend
    if (meta) finished.meta = meta
    ctx.emit(finished)
    return result
  } catch (error) {
    if (ctx.signal.aborted) return { status: 'cancelled', files }
    const failure = toIssue(error, nodeId)
    ctx.emit({ type: 'node.failed', nodeId, issue: failure })
    const result: NodeResult = { status: 'failed', files, issue: failure }
    if (backend) result.backend = backend
    if (meta) result.meta = meta
    return result
  } finally {
    release()
  }
}

function cached<S>(ctx: ExecuteContext<S>, nodeId: string, entry: CacheEntry): NodeResult {
  const event: RunEventBody = {
    type: 'node.cached',
    nodeId,
    outputs: entry.outputs,
    files: entry.files,
  }
  if (entry.meta) event.meta = entry.meta
  ctx.emit(event)
  const result: NodeResult = { status: 'cached', outputs: entry.outputs, files: entry.files }
  if (entry.meta) result.meta = entry.meta
  if (entry.backend) result.backend = entry.backend
  return result
}

/** The finished nodes `node` depends on, breadth first (nearest first). */
function upstreamOf<S>(
  node: CheckedNode<S>,
  workflow: CheckedWorkflow<S>,
  results: Map<string, NodeResult>,
): UpstreamNode[] {
  const found: UpstreamNode[] = []
  const seen = new Set<string>([node.id])
  let frontier = [node]
  for (let distance = 1; frontier.length > 0; distance++) {
    const next: CheckedNode<S>[] = []
    for (const current of frontier) {
      for (const links of Object.values(current.links)) {
        for (const link of links) {
          if (seen.has(link.node)) continue
          seen.add(link.node)
          const source = workflow.nodes.get(link.node)
          const result = results.get(link.node)
          if (!source || !result?.outputs) continue
          const entry: UpstreamNode = {
            nodeId: link.node,
            type: source.node.spec.type,
            outputs: result.outputs,
            distance,
          }
          if (result.backend) entry.backend = result.backend
          if (result.meta) entry.meta = result.meta
          found.push(entry)
          next.push(source)
        }
      }
    }
    frontier = next
  }
  return found
}

function checkOutputs<S>(node: CheckedNode<S>, outputs: NodeOutputs): void {
  for (const name of Object.keys(node.node.definition.outputs)) {
    if (outputs[name] === undefined) {
      throw new SdflowError(
        issue(
          'SDF_INTERNAL_ERROR',
          pointer('nodes', node.id),
          `${node.node.spec.type} returned no "${name}"`,
        ),
      )
    }
  }
}

/** A cache entry is only good while the images and files it names still exist. */
function stillThere(artifacts: ArtifactStore, outputs: NodeOutputs, files: string[]): boolean {
  if (!files.every((f) => existsSync(f))) return false
  const stack: unknown[] = Object.values(outputs)
  while (stack.length > 0) {
    const value = stack.pop()
    if (Array.isArray(value)) stack.push(...value)
    else if (value && typeof value === 'object') {
      if ('hash' in value && typeof value.hash === 'string' && 'mime' in value) {
        if (!artifacts.has(value.hash)) return false
      } else stack.push(...Object.values(value))
    }
  }
  return true
}

export function toIssue(error: unknown, nodeId: string): Issue {
  if (error instanceof SdflowError) {
    return error.issue.pointer ? error.issue : { ...error.issue, pointer: pointer('nodes', nodeId) }
  }
  const message = error instanceof Error ? error.message : String(error)
  return issue('SDF_NODE_FAILED', pointer('nodes', nodeId), `node "${nodeId}" failed: ${message}`)
}
