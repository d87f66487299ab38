import { describe, expect, it } from 'vitest'
import { type GenResponse, get, post, sleep, useEmulator } from './test-support/http.js'

const emu = useEmulator({ stepMs: 15 })

interface Progress {
  progress: number
  eta_relative: number
  current_image: string | null
  textinfo: string | null
  state: {
    job: string
    job_count: number
    job_no: number
    sampling_step: number
    sampling_steps: number
    interrupted: boolean
    skipped: boolean
    job_timestamp: string
  }
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const start = Date.now()
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out')
    await sleep(5)
  }
}

const running = async () =>
  (await get<Progress>(emu(), '/sdapi/v1/progress')).body.state.job_count > 0

describe('queue, progress and interrupt', () => {
  it('serializes generations in arrival order', async () => {
    const order: number[] = []
    const jobs = [0, 1, 2].map(async (i) => {
      await sleep(i * 10)
      const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', { prompt: `p${i}`, steps: 4 })
      order.push(i)
      return r
    })
    const results = await Promise.all(jobs)
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    expect(order).toEqual([0, 1, 2])
  })

  it('reports idle progress as zero with stale counters', async () => {
    const r = await get<Progress>(emu(), '/sdapi/v1/progress')
    expect(r.body.progress).toBe(0)
    expect(r.body.eta_relative).toBe(0)
    expect(r.body.current_image).toBeNull()
    expect(r.body.state.job).toBe('')
    expect(r.body.state.job_count).toBe(0)
    expect(r.body.state.job_no).toBeGreaterThan(0)
  })

  it('advances progress, step counters and live preview during a run', async () => {
    const job = post<GenResponse>(emu(), '/sdapi/v1/txt2img', { steps: 30, n_iter: 2 })
    await waitFor(running)
    const seen: Progress[] = []
    for (let i = 0; i < 20; i++) {
      const r = await get<Progress>(emu(), '/sdapi/v1/progress')
      if (r.body.state.job_count > 0) seen.push(r.body)
      await sleep(40)
    }
    await job
    expect(seen.length).toBeGreaterThan(3)
    const first = seen[0]
    const last = seen[seen.length - 1]
    expect(first?.state.job_count).toBe(2)
    expect(first?.state.sampling_steps).toBe(30)
    expect(first?.state.job_timestamp).toMatch(/^\d{14}$/)
    expect(last?.progress ?? 0).toBeGreaterThan(first?.progress ?? 1)
    expect(seen.some((p) => p.state.job === 'Batch 2 out of 2')).toBe(true)
    for (const p of seen) {
      const expected =
        0.01 +
        p.state.job_no / p.state.job_count +
        p.state.sampling_step / p.state.sampling_steps / p.state.job_count
      expect(p.progress).toBeCloseTo(Math.min(expected, 1), 5)
      // A1111 derives eta from progress before capping it at 1: past 1 (the 0.01 head start on
      // the last step) its eta_relative is negative, and so is ours
      if (expected <= 1) expect(p.eta_relative).toBeGreaterThanOrEqual(0)
      else expect(p.eta_relative).toBeLessThan(0)
    }
    expect(seen.some((p) => p.current_image !== null)).toBe(true)
  })

  it('counts the hires second pass as its own job with its own steps', async () => {
    const hires = post(emu(), '/sdapi/v1/txt2img', {
      steps: 10,
      enable_hr: true,
      hr_second_pass_steps: 7,
      denoising_strength: 0.4,
      width: 64,
      height: 64,
    })
    const steps = new Set<string>()
    await waitFor(running)
    while (await running()) {
      const p = (await get<Progress>(emu(), '/sdapi/v1/progress')).body.state
      if (p.job_count > 0) steps.add(`${p.job_count}:${p.sampling_steps}`)
      await sleep(10)
    }
    await hires
    expect(steps).toContain('2:10')
    expect(steps).toContain('2:7')
  })

  it('interrupt returns partial images with 200 and leaves queued requests alone', async () => {
    const first = post<GenResponse>(emu(), '/sdapi/v1/txt2img', { steps: 200, n_iter: 3, seed: 1 })
    await waitFor(running)
    const second = post<GenResponse>(emu(), '/sdapi/v1/txt2img', { steps: 5, seed: 2 })
    await sleep(60)
    const stop = await post(emu(), '/sdapi/v1/interrupt')
    expect(stop.status).toBe(200)
    expect(stop.body).toEqual({})
    const [a, b] = await Promise.all([first, second])
    expect(a.status).toBe(200)
    expect(a.body.images).toHaveLength(1)
    expect(b.status).toBe(200)
    expect(b.body.images).toHaveLength(1)
    const after = await get<Progress>(emu(), '/sdapi/v1/progress')
    expect(after.body.state.interrupted).toBe(false)
  })

  it('skip ends the current batch only', async () => {
    const job = post<GenResponse>(emu(), '/sdapi/v1/txt2img', { steps: 40, n_iter: 2, seed: 3 })
    await waitFor(running)
    await sleep(40)
    const skip = await post(emu(), '/sdapi/v1/skip')
    expect(skip.status).toBe(200)
    expect(skip.body).toBeNull()
    const r = await job
    expect(r.status).toBe(200)
    expect(r.body.images).toHaveLength(2)
  })

  it('reports queue position for force_task_id on /internal/progress', async () => {
    const first = post(emu(), '/sdapi/v1/txt2img', { steps: 20, force_task_id: 'task(a)' })
    await waitFor(running)
    const second = post(emu(), '/sdapi/v1/txt2img', { steps: 2, force_task_id: 'task(b)' })
    await waitFor(
      async () => (await get<{ size: number }>(emu(), '/internal/pending-tasks')).body.size === 1,
    )
    const pending = await get(emu(), '/internal/pending-tasks')
    expect(pending.body).toEqual({ size: 1, tasks: ['task(b)'] })
    const queued = await post(emu(), '/internal/progress', { id_task: 'task(b)' })
    expect(queued.body).toMatchObject({ active: false, queued: true, textinfo: 'In queue: 1/1' })
    const active = await post<{ active: boolean; progress: number }>(emu(), '/internal/progress', {
      id_task: 'task(a)',
    })
    expect(active.body.active).toBe(true)
    const unknown = await post(emu(), '/internal/progress', { id_task: 'task(zzz)' })
    expect(unknown.body).toMatchObject({ active: false, queued: false, textinfo: 'Waiting...' })
    await Promise.all([first, second])
    const done = await post(emu(), '/internal/progress', { id_task: 'task(a)' })
    expect(done.body).toMatchObject({ active: false, completed: true })
  })
})
