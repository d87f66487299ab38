import { describe, expect, it } from 'vitest'
import { createJobPace, workOf } from './job-pace.js'

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

  it('counts the work of a request in 512x512 steps; a request without steps has none', () => {
    expect(workOf({ steps: 20 })).toBe(20)
    expect(workOf({ steps: 20, width: 1024, height: 512, batch_size: 2, n_iter: 3 })).toBe(240)
    expect(workOf({ steps: 10, enable_hr: true })).toBe(20)
    expect(workOf({})).toBeUndefined()
  })
})
