import { abortError, sleep, untilAborted } from '../abortable.js'
import type { EmulatorContext } from '../context.js'
import { nextJob } from '../progress-state.js'

export interface PassResult {
  /** Index of the last pass that ran (0 = first pass, 1 = hires pass). */
  pass: number
  /** Fraction of that pass's steps that finished (1 unless interrupted/skipped). */
  fraction: number
}

export interface IterationPlan {
  nIter: number
  /** Sampling steps of each pass of one iteration (`[steps]` or `[steps, hiresSteps]`). */
  passes: number[]
  stepMs: number
  signal: AbortSignal
  /** Stop moving half way through the first pass until this aborts, then fail. */
  freeze?: AbortSignal | undefined
  /** Live preview of iteration `n`, pass `pass` at `fraction` done. */
  preview(n: number, pass: number, fraction: number): Promise<Buffer>
  /** Decodes iteration `n` once its passes are over (also when interrupted or skipped). */
  produce(n: number, result: PassResult): Promise<void>
}

/** One sampling pass: `stepMs` per step, `sampling_step` = index of the last finished step. */
async function samplePass(
  ctx: EmulatorContext,
  steps: number,
  stepMs: number,
  signal: AbortSignal,
  freeze?: AbortSignal,
) {
  const state = ctx.progress
  state.sampling_steps = steps
  state.sampling_step = 0
  for (let i = 0; i < steps; i++) {
    if (freeze && i >= Math.floor(steps / 2)) {
      // hung on the GPU: not even an interrupt gets through
      await untilAborted(AbortSignal.any([freeze, signal]))
      throw abortError()
    }
    if (state.interrupted || state.skipped) return i
    await sleep(stepMs, signal)
    state.sampling_step = i
  }
  return steps
}

/** The `process_images_inner` loop: iterations, passes, interrupt and skip (reference §4.3). */
export async function runIterations(ctx: EmulatorContext, plan: IterationPlan): Promise<void> {
  const state = ctx.progress
  state.job_count = plan.nIter * plan.passes.length
  for (let n = 0; n < plan.nIter; n++) {
    if (state.skipped) state.skipped = false
    if (state.interrupted || state.stopping_generation) break
    if (plan.nIter > 1) state.job = `Batch ${n + 1} out of ${plan.nIter}`
    let result: PassResult = { pass: 0, fraction: 0 }
    for (const [pass, steps] of plan.passes.entries()) {
      if (pass > 0 && (state.interrupted || state.skipped)) break
      state.renderPreview = () =>
        plan.preview(n, pass, steps > 0 ? (state.sampling_step + 1) / steps : 1)
      const freeze = n === 0 && pass === 0 ? plan.freeze : undefined
      const done = await samplePass(ctx, steps, plan.stepMs, plan.signal, freeze)
      state.renderPreview = null
      nextJob(state)
      result = { pass, fraction: steps > 0 ? done / steps : 1 }
      if (done < steps) break
    }
    await plan.produce(n, result)
  }
}
