/**
 * How fast one endpoint's jobs run, learned from RunPod's billed `executionTime`: where the end
 * of a running job should fall, so its status is polled close to it instead of one backoff
 * interval (up to a second) after it.
 */
export interface JobPace {
  /** Expected execution ms of a job doing `work`, once a job with work has been seen. */
  expectedMs(work: number | undefined): number | undefined
  learn(work: number | undefined, executionMs: number | undefined): void
}

export function createJobPace(): JobPace {
  let msPerWork: number | undefined
  return {
    expectedMs: (work) => (msPerWork !== undefined && work ? msPerWork * work : undefined),
    learn(work, executionMs) {
      if (!work || executionMs === undefined || executionMs <= 0) return
      const seen = executionMs / work
      // recent jobs weigh most: a worker that warmed up (or a GPU type that changed) shows soon
      msPerWork = msPerWork === undefined ? seen : msPerWork * 0.7 + seen * 0.3
    },
  }
}

const count = (v: unknown, fallback: number) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback

/** Sampling work of an A1111 generation request: steps x images x pixels, in 512x512 steps. */
export function workOf(request: Record<string, unknown>): number | undefined {
  if (typeof request.steps !== 'number') return undefined
  const images = count(request.batch_size, 1) * count(request.n_iter, 1)
  const pixels = (count(request.width, 512) * count(request.height, 512)) / (512 * 512)
  return count(request.steps, 20) * images * pixels * (request.enable_hr === true ? 2 : 1)
}
