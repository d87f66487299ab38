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

/**
 * The work of one generation job: the steps it samples (`expectedSteps`, which the progress
 * reports use too) x batch size x pixels, in 512x512 units; none for a job without steps.
 */
export function jobWork(call: {
  totalSteps?: number
  request: Record<string, unknown>
}): number | undefined {
  if (!call.totalSteps) return undefined
  const { batch_size, width, height } = call.request
  const pixels = (count(width, 512) * count(height, 512)) / (512 * 512)
  return call.totalSteps * count(batch_size, 1) * pixels
}
