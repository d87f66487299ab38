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
import type { UpstreamNode } from './define-node.js'
import type { ExecuteContext } from './execute.js'
import { entryOf, flightsOf, landing } from './in-flight.js'
import type { NodeTask, TaskEvent } from './node-task.js'
import type { NodeResult, ResultsByPosition } from './run-types.js'
import type { CheckedNode, CheckedWorkflow } from './validate.js'

/**
 * The deciding half of a node: served from an earlier attempt or the cache when it can be,
 * otherwise its task is dispatched under its resource's limiter, and the result checked,
 * cached, committed, then announced. The doing half is perform-task.ts, behind `ctx.dispatch`.
 */
export async function runNode<S>(
  ctx: ExecuteContext<S>,
  node: CheckedNode<S>,
  inputs: Record<string, unknown>,
  results: ResultsByPosition,
): Promise<NodeResult> {
  const { definition, spec } = node.node
  const nodeId = node.id
  const reused = ctx.reuse?.get(nodeId)
  if (reused && (await stillThere(ctx.artifacts, reused.outputs, reused.files)))
    return cached(ctx, nodeId, reused)
  const cacheable = !definition.nondeterministic?.(node.params as never)
  if (!cacheable) return attempt(ctx, node, inputs, results, undefined)
  const key = cacheKey(spec.type, spec.version, node.params, inputs)
  // a caller that asked for a fresh generation neither reads the cache nor joins a flight
  if (ctx.readCache === false) return attempt(ctx, node, inputs, results, key)
  // an identical node in flight (this run or another): wait for it rather than generate twice;
  // when it fails or is cancelled, one of those waiting takes its place
  const flights = flightsOf(ctx.cache)
  for (let flight = flights.get(key); flight; flight = flights.get(key)) {
    const entry = await landing(flight, ctx.signal)
    if (ctx.signal.aborted) return { status: 'cancelled', files: [] }
    if (entry && (await stillThere(ctx.artifacts, entry.outputs, entry.files))) {
      return cached(ctx, nodeId, entry)
    }
  }
  let land: (entry: CacheEntry | undefined) => void = () => {}
  const flight = new Promise<CacheEntry | undefined>((resolve) => {
    land = resolve
  })
  flights.set(key, flight)
  let result: NodeResult | undefined
  try {
    result = await attempt(ctx, node, inputs, results, key)
    return result
  } finally {
    land(result && entryOf(result))
    if (flights.get(key) === flight) flights.delete(key)
  }
}

/** The cache, else the node's own execution, under its resource's limiter. */
async function attempt<S>(
  ctx: ExecuteContext<S>,
  node: CheckedNode<S>,
  inputs: Record<string, unknown>,
  results: ResultsByPosition,
  key: string | undefined,
): Promise<NodeResult> {
  const { spec } = node.node
  const nodeId = node.id
  const hit = key && ctx.readCache !== false ? ctx.cache.get(key) : undefined
  if (hit && (await stillThere(ctx.artifacts, hit.outputs, hit.files))) {
    return cached(ctx, nodeId, hit)
  }

  const limiter = ctx.limiters[spec.resource]
  let release = () => {}
  try {
    if (limiter) release = await limiter.acquire(ctx.signal)
  } catch (error) {
    if (ctx.signal.aborted) return { status: 'cancelled', files: [] }
    throw error
  }
  let backend: string | undefined
  let meta: Record<string, unknown> | undefined
  const began = performance.now()
  try {
    ctx.emit({ type: 'node.started', nodeId, nodeType: spec.type })
    const task: NodeTask = {
      runId: ctx.runId,
      nodeId,
      type: spec.type,
      version: spec.version,
      params: node.params as Record<string, unknown>,
      inputs,
    }
    const done = await ctx.dispatch(task, {
      signal: ctx.signal,
      emit: (event) => {
        if (event.type === 'backend') backend = event.id
        else if (event.type === 'annotate') meta = { ...meta, ...event.meta }
        const body = announce(nodeId, event, backend)
        if (body) ctx.emit(body)
      },
      run: ctx.run,
      upstream: () => upstreamOf(node, ctx.workflow, results),
    })
    ctx.signal.throwIfAborted()
    const { outputs, files } = done
    backend = done.backend ?? backend
    meta = done.meta ?? meta
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
    if (ctx.signal.aborted) return { status: 'cancelled', files: [] }
    const failure = toIssue(error, nodeId)
    ctx.emit({ type: 'node.failed', nodeId, issue: failure })
    const result: NodeResult = { status: 'failed', files: [], issue: failure }
    if (backend) result.backend = backend
    if (meta) result.meta = meta
    return result
  } finally {
    release()
  }
}

/** A task's report as the run event it becomes (annotations only join the result). */
function announce(nodeId: string, event: TaskEvent, backend?: string): RunEventBody | undefined {
  switch (event.type) {
    case 'progress': {
      const body: RunEventBody = {
        type: 'node.progress',
        nodeId,
        step: event.step,
        total: event.total,
        fraction: event.total > 0 ? Math.min(1, event.step / event.total) : 0,
      }
      if (event.eta !== undefined) body.eta = event.eta
      if (event.preview) body.preview = event.preview.hash
      if (event.message) body.message = event.message
      if (backend) body.backend = backend
      return body
    }
    case 'retrying': {
      const { type: _, ...notice } = event
      return { type: 'node.retrying', nodeId, ...notice }
    }
    case 'backend':
    case 'annotate':
      return undefined
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
  results: ResultsByPosition,
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
          const result = source && results[source.index]
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

/**
 * A cache entry is only good while the images and files it names still exist and each image
 * still matches its hash (the store checks what it reads from disk and drops a damaged one).
 */
function stillThere(
  artifacts: ArtifactStore,
  outputs: NodeOutputs,
  files: string[],
): boolean | Promise<boolean> {
  if (!files.every((f) => existsSync(f))) return false
  const hashes: string[] = []
  const stack: unknown[] = Object.values(outputs)
  while (stack.length > 0) {
    const value = stack.pop()
    if (Array.isArray(value)) stack.push(...value)
    else if (value && typeof value === 'object') {
      if ('hash' in value && typeof value.hash === 'string' && 'mime' in value) {
        if (!artifacts.has(value.hash)) return false
        hashes.push(value.hash)
      } else stack.push(...Object.values(value))
    }
  }
  // a result without images (numbers, text) is answered without a promise: most nodes of a
  // big graph of small values
  return hashes.length === 0 ? true : readable(artifacts, hashes)
}

async function readable(artifacts: ArtifactStore, hashes: string[]): Promise<boolean> {
  for (const hash of hashes) {
    try {
      await artifacts.read(hash)
    } catch {
      return false
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
