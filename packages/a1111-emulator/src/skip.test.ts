import { describe, expect, it } from 'vitest'
import { type GenResponse, get, post, sleep, useEmulator } from './test-support/http.js'

const emu = useEmulator({ stepMs: 15 })

interface Progress {
  state: { job_count: number; job_no: number; sampling_step: number }
}

async function until(predicate: (p: Progress) => boolean): Promise<void> {
  const start = Date.now()
  for (;;) {
    const p = (await get<Progress>(emu(), '/sdapi/v1/progress')).body
    if (predicate(p)) return
    if (Date.now() - start > 10_000) throw new Error('timed out waiting for progress')
    await sleep(5)
  }
}

const request = { prompt: 'a lighthouse', steps: 30, n_iter: 2, seed: 11, width: 64, height: 64 }
const inFirstIteration = (p: Progress) =>
  p.state.job_count > 0 && p.state.job_no === 0 && p.state.sampling_step >= 2

describe('skip and interrupt as A1111 has them (state.skipped, state.interrupted)', () => {
  it('skip ends the current iteration early and the job goes on: both images come back', async () => {
    const full = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', request)
    expect(full.body.images).toHaveLength(2)
    const job = post<GenResponse>(emu(), '/sdapi/v1/txt2img', request)
    await until(inFirstIteration)
    expect((await post(emu(), '/sdapi/v1/skip')).status).toBe(200)
    const skipped = await job
    expect(skipped.status).toBe(200)
    expect(skipped.body.images).toHaveLength(2)
    // the first image stopped sampling early; the second ran all its steps
    expect(skipped.body.images[0]).not.toBe(full.body.images[0])
    expect(skipped.body.images[1]).toBe(full.body.images[1])
  })

  it('interrupt stops the job: only the image in progress comes back', async () => {
    const job = post<GenResponse>(emu(), '/sdapi/v1/txt2img', request)
    await until(inFirstIteration)
    expect((await post(emu(), '/sdapi/v1/interrupt')).status).toBe(200)
    const stopped = await job
    expect(stopped.status).toBe(200)
    expect(stopped.body.images).toHaveLength(1)
  })
})
