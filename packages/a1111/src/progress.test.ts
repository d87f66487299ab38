import { describe, expect, it } from 'vitest'
import { expectedSteps, fromInternalProgress, fromSdapiProgress } from './progress.js'
import { idleProgress } from './raw-server.test-support.js'

describe('progress arithmetic', () => {
  it('turns /sdapi/v1/progress state into a fraction of the whole job', () => {
    const sample = fromSdapiProgress({
      ...idleProgress,
      progress: 0.76,
      eta_relative: 3,
      state: {
        ...idleProgress.state,
        job_count: 2,
        job_no: 1,
        sampling_step: 5,
        sampling_steps: 10,
      },
    })
    expect(sample.fraction).toBeCloseTo(0.75)
    expect(sample.running).toBe(true)
    expect(sample.eta).toBe(3)
    expect(fromSdapiProgress(idleProgress).running).toBe(false)
  })

  it('reads /internal/progress', () => {
    const queued = fromInternalProgress({
      active: false,
      queued: true,
      completed: false,
      progress: null,
      eta: null,
      live_preview: null,
      id_live_preview: -1,
      textinfo: 'In queue: 1/2',
    })
    expect(queued).toMatchObject({ running: false, queued: true, fraction: 0 })
  })

  it('counts the sampling steps A1111 will run', () => {
    expect(expectedSteps('txt2img', {})).toBe(50)
    expect(expectedSteps('txt2img', { steps: 20, n_iter: 2, enable_hr: true })).toBe(80)
    expect(expectedSteps('txt2img', { steps: 20, enable_hr: true, hr_second_pass_steps: 5 })).toBe(
      25,
    )
    expect(expectedSteps('img2img', { steps: 20, denoising_strength: 0.5 })).toBe(11)
    expect(expectedSteps('img2img', { steps: 20, denoising_strength: 1 })).toBe(20)
  })
})
