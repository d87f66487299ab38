import type { CallerJob } from './caller-jobs.js'

/** GET /sdapi/v1/progress for one caller: its running job, else idle zeros (§1.3). */
export function sdapiProgress(job: CallerJob | undefined, preview: string | null, now: number) {
  if (!job) {
    return {
      progress: 0,
      eta_relative: 0,
      state: {
        skipped: false,
        interrupted: false,
        stopping_generation: false,
        job: '',
        job_count: 0,
        job_timestamp: '0',
        job_no: 0,
        sampling_step: 0,
        sampling_steps: 0,
      },
      current_image: null,
      textinfo: null,
    }
  }
  const progress = Math.min(1, 0.01 + job.fraction)
  const elapsed = (now - job.queuedAt) / 1000
  const eta = job.eta ?? (progress > 0 ? elapsed / progress - elapsed : 0)
  const it = iterationOf(job)
  return {
    progress,
    eta_relative: eta,
    state: {
      skipped: false,
      interrupted: job.interrupted,
      stopping_generation: false,
      job: job.iterations > 1 ? `Batch ${it.no + 1} out of ${job.iterations}` : job.job,
      job_count: job.iterations,
      job_timestamp: job.timestamp,
      job_no: it.no,
      sampling_step: Math.max(0, it.step - 1),
      sampling_steps: it.steps,
    },
    current_image: preview,
    textinfo: null,
  }
}

/**
 * Where the job is as A1111 counts it: the node's steps run over all `n_iter` iterations, A1111's
 * state counts the steps of the running one (`job_no` of `job_count`).
 */
function iterationOf(job: CallerJob): { no: number; step: number; steps: number } {
  if (job.iterations <= 1 || job.total % job.iterations !== 0) {
    return { no: 0, step: job.step, steps: job.total }
  }
  const steps = job.total / job.iterations
  const no = Math.min(job.iterations - 1, Math.floor(Math.max(0, job.step - 1) / steps))
  return { no, step: job.step - no * steps, steps }
}

/** POST /internal/progress for one caller's task (§1.2); an unknown task is "Waiting...". */
export function internalProgress(
  job: CallerJob | undefined,
  preview: string | null,
  idLivePreview: number,
  now: number,
) {
  if (!job) {
    return {
      active: false,
      queued: false,
      completed: false,
      progress: null,
      eta: null,
      live_preview: null,
      id_live_preview: -1,
      textinfo: 'Waiting...',
    }
  }
  if (job.phase === 'done') {
    return {
      active: false,
      queued: false,
      completed: true,
      progress: 1,
      eta: null,
      live_preview: null,
      id_live_preview: job.previewSeq,
      textinfo: null,
    }
  }
  const queued = job.phase === 'queued'
  const elapsed = (now - job.queuedAt) / 1000
  const progress = queued ? 0 : job.fraction
  const fresh = preview !== null && job.previewSeq > idLivePreview
  return {
    active: !queued,
    queued,
    completed: false,
    progress,
    eta: queued ? null : (job.eta ?? (progress > 0 ? elapsed / progress - elapsed : null)),
    live_preview: fresh ? `data:image/png;base64,${preview}` : null,
    id_live_preview: job.previewSeq,
    textinfo: queued ? 'In queue: 1/1' : `Sampling step ${job.step}/${job.total}`,
  }
}
