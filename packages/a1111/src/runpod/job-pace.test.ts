import { describe, expect, it } from 'vitest'
import { createJobPace, jobWork } from './job-pace.js'

describe('job pace', () => {
  it('expects nothing before a job was seen, then scales by work, recent jobs weighing most', () => {
    const pace = createJobPace()
    expect(pace.expectedMs(20)).toBeUndefined()
    pace.learn(20, 2000)
    expect(pace.expectedMs(40)).toBe(4000)
    pace.learn(20, 1000)
    expect(pace.expectedMs(20)).toBeCloseTo(2000 * 0.7 + 1000 * 0.3)
    pace.learn(undefined, 5000)
    pace.learn(20, undefined)
    expect(pace.expectedMs(20)).toBeCloseTo(1700)
    expect(pace.expectedMs(undefined)).toBeUndefined()
  })

  it('counts the work of a job in 512x512 steps: its sampled steps x batch x pixels', () => {
    expect(jobWork({ totalSteps: 20, request: {} })).toBe(20)
    const big = { width: 1024, height: 512, batch_size: 2, n_iter: 3 }
    expect(jobWork({ totalSteps: 60, request: big })).toBe(240)
    expect(jobWork({ request: { steps: 20 } })).toBeUndefined()
  })
})
