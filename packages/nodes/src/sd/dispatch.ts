import { type Backend, type GenerationResult, type Needs, taskId } from '@sdflow/a1111'
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
  work: (backend: Backend, signal: AbortSignal, taskId: string) => Promise<T>,
): Promise<T> {
  const pool = ctx.services.backends
  if (!pool) {
    throw fail(
      'SDF_BACKEND_NONE_AVAILABLE',
      `node "${ctx.nodeId}" needs an A1111 backend and none is configured; pass --backend URL or write sdflow.config.json`,
      { pointer: pointer('nodes', ctx.nodeId) },
    )
  }
  const asked = performance.now()
  let firstAttempt: number | undefined
  let attempts = 0
  let busyMs = 0
  let waitedMs = 0
  try {
    return await pool.run(
      {
        needs,
        backend: ctx.params.backend || undefined,
        signal: ctx.signal,
        onRetry: (notice) => ctx.retrying(notice),
        onBackend: (id) => ctx.useBackend(id),
      },
      async (client, signal, attempt) => {
        const began = performance.now()
        firstAttempt ??= began
        attempts++
        let timing: { gpuMs: number; queueMs: number } | undefined
        try {
          const result = await work(client, signal, taskId(ctx.runId, ctx.nodeId, attempt))
          timing = timingOf(result)
          return result
        } finally {
          // a serverless backend bills its own execution time; its queue wait is not GPU time
          busyMs += timing ? timing.gpuMs : performance.now() - began
          waitedMs += timing?.queueMs ?? 0
        }
      },
    )
  } finally {
    tally(ctx, {
      gpuMs: busyMs,
      queueMs: (firstAttempt ?? performance.now()) - asked + waitedMs,
      attempts,
      requests: 1,
    })
  }
}

/** The times a backend reported for a result (GenerationResult.timing), if any. */
function timingOf(result: unknown): { gpuMs: number; queueMs: number } | undefined {
  if (typeof result !== 'object' || result === null || !('timing' in result)) return undefined
  const timing = (result as { timing?: { gpuMs: number; queueMs: number } }).timing
  return timing && typeof timing.gpuMs === 'number' ? timing : undefined
}

/** Backend time of a node, summed over its requests (img2img sends one per image). */
interface Tally {
  gpuMs: number
  queueMs: number
  /** Tries on a backend, retries included. */
  attempts: number
  /** Pieces of work asked for (retries = attempts - requests). */
  requests: number
}
const tallies = new WeakMap<object, Tally>()

function tally(ctx: Ctx, add: Tally): void {
  const sum = tallies.get(ctx) ?? { gpuMs: 0, queueMs: 0, attempts: 0, requests: 0 }
  sum.gpuMs += add.gpuMs
  sum.queueMs += add.queueMs
  sum.attempts += add.attempts
  sum.requests += add.requests
  tallies.set(ctx, sum)
  ctx.annotate({
    gpuMs: Math.round(sum.gpuMs),
    queueMs: Math.round(sum.queueMs),
    attempts: sum.attempts,
    requests: sum.requests,
  })
}

/**
 * What a generation tells about itself: every seed, the infotexts, the checkpoint, the first
 * answer's `info` text and any ControlNet detected maps (the A1111 face answers with both).
 */
export function generationMeta(results: readonly GenerationResult[]): Record<string, unknown> {
  const first = results[0]
  const meta: Record<string, unknown> = {
    seeds: results.flatMap((r) => r.seeds),
    infotexts: results.flatMap((r) => r.infotexts),
  }
  if (first) meta.info = first.infoText
  const maps = results.flatMap((r) => r.detectedMaps)
  if (maps.length > 0) meta.detectedMaps = maps
  const name = first?.info.sd_model_name
  if (typeof name === 'string') {
    const hash = first?.info.sd_model_hash
    meta.checkpoint = typeof hash === 'string' && hash ? `${name} [${hash}]` : name
  }
  return meta
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
