import { type A1111Client, type Needs, taskId } from '@sdflow/a1111'
import type { NodeContext } from '@sdflow/engine'
import { fail, pointer } from '@sdflow/protocol'
import type { NodeServices } from './services.js'

type Ctx = NodeContext<{ backend: string }, unknown, NodeServices>

/**
 * Run one piece of a node's work on a backend the pool picks (or the pinned one), with the
 * node's signal, retry notices and backend reporting wired to the engine.
 */
export async function onBackend<T>(
  ctx: Ctx,
  needs: Needs,
  work: (client: A1111Client, signal: AbortSignal, taskId: string) => Promise<T>,
): Promise<T> {
  const pool = ctx.services.backends
  if (!pool) {
    throw fail(
      'SDF_BACKEND_NONE_AVAILABLE',
      `node "${ctx.nodeId}" needs an A1111 backend and none is configured; pass --backend URL or write sdflow.config.json`,
      { pointer: pointer('nodes', ctx.nodeId) },
    )
  }
  return pool.run(
    {
      needs,
      backend: ctx.params.backend || undefined,
      signal: ctx.signal,
      onRetry: (notice) => ctx.retrying(notice),
      onBackend: (id) => ctx.useBackend(id),
    },
    (client, signal, attempt) => work(client, signal, taskId(ctx.runId, ctx.nodeId, attempt)),
  )
}

/** Drop empty values so A1111's own defaults apply, then strip what is ours, not A1111's. */
export function needsOf(params: {
  checkpoint?: string
  sampler_name?: string
  scheduler?: string
}): Needs {
  const needs: Needs = {}
  if (params.checkpoint) needs.checkpoint = params.checkpoint
  if (params.sampler_name) needs.sampler = params.sampler_name
  if (params.scheduler) needs.scheduler = params.scheduler
  return needs
}
