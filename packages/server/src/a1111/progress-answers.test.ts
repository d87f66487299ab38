import { describe, expect, it } from 'vitest'
import type { CallerJob } from './caller-jobs.js'
import { sdapiProgress } from './progress-answers.js'

const job = (over: Partial<CallerJob>): CallerJob => ({
  runId: 'r',
  caller: 'c',
  taskId: 't',
  job: 'scripts_txt2img',
  iterations: 1,
  queuedAt: 0,
  phase: 'running',
  timestamp: '20261202000000',
  step: 0,
  total: 0,
  fraction: 0,
  previewSeq: 0,
  interrupted: false,
  ...over,
})

describe('sdapiProgress', () => {
  it('counts steps within the running iteration of n_iter, as A1111 state does', () => {
    const first = sdapiProgress(
      job({ iterations: 2, step: 30, total: 80, fraction: 0.375 }),
      null,
      1,
    )
    expect(first.state).toMatchObject({
      job: 'Batch 1 out of 2',
      job_count: 2,
      job_no: 0,
      sampling_step: 29,
      sampling_steps: 40,
    })
    const second = sdapiProgress(
      job({ iterations: 2, step: 41, total: 80, fraction: 0.51 }),
      null,
      1,
    )
    expect(second.state).toMatchObject({ job_no: 1, sampling_step: 0, sampling_steps: 40 })
  })

  it('keeps the job name and one job for a single iteration', () => {
    const answer = sdapiProgress(job({ step: 5, total: 20, fraction: 0.25 }), null, 1)
    expect(answer.state).toMatchObject({
      job: 'scripts_txt2img',
      job_count: 1,
      job_no: 0,
      sampling_step: 4,
      sampling_steps: 20,
    })
  })
})
