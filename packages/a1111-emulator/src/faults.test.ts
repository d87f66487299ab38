import { describe, expect, it } from 'vitest'
import { startEmulator } from './index.js'
import { call, type GenResponse, get, post, useEmulator } from './test-support/http.js'

const emu = useEmulator()
const TXT2IMG = '/sdapi/v1/txt2img'

describe('fault injection and stats', () => {
  it('oom answers 500 OutOfMemoryError once, then the server keeps serving', async () => {
    emu().injectFault({ route: TXT2IMG, kind: 'oom' })
    const r = await post<{ error: string; errors: string }>(emu(), TXT2IMG, { steps: 1 })
    expect(r.status).toBe(500)
    expect(r.body.error).toBe('OutOfMemoryError')
    expect(r.body.errors).toMatch(/^CUDA out of memory/)
    expect((await post(emu(), TXT2IMG, { steps: 1 })).status).toBe(200)
  })

  it('error500, unavailable503 and html answer as configured for count requests', async () => {
    emu().injectFault({ route: TXT2IMG, kind: 'error500', count: 2 })
    expect((await post(emu(), TXT2IMG, { steps: 1 })).status).toBe(500)
    expect((await post(emu(), TXT2IMG, { steps: 1 })).status).toBe(500)
    expect((await post(emu(), TXT2IMG, { steps: 1 })).status).toBe(200)
    emu().injectFault({ route: '*', kind: 'unavailable503' })
    expect((await get(emu(), '/sdapi/v1/sd-models')).status).toBe(503)
    emu().injectFault({ route: '/sdapi/v1/sd-models', kind: 'html' })
    const html = await get(emu(), '/sdapi/v1/sd-models')
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toMatch(/text\/html/)
    expect(String(html.body)).toMatch(/^<!DOCTYPE html>/)
  })

  it('bad-base64 answers 200 with images that are not base64', async () => {
    emu().injectFault({ route: TXT2IMG, kind: 'bad-base64' })
    const r = await post<GenResponse>(emu(), TXT2IMG, { steps: 1 })
    expect(r.status).toBe(200)
    expect(r.body.images).toHaveLength(1)
    expect(r.body.images[0]).not.toMatch(/^[A-Za-z0-9+/]+=*$/)
  })

  it('drop destroys the connection', async () => {
    emu().injectFault({ route: TXT2IMG, kind: 'drop' })
    await expect(post(emu(), TXT2IMG, { steps: 1 })).rejects.toThrow()
  })

  it('slow delays the request by delayMs', async () => {
    emu().injectFault({ route: '/sdapi/v1/samplers', kind: 'slow', delayMs: 150 })
    const start = Date.now()
    expect((await get(emu(), '/sdapi/v1/samplers')).status).toBe(200)
    expect(Date.now() - start).toBeGreaterThanOrEqual(140)
  })

  it('hang never answers until the emulator closes', async () => {
    const own = await startEmulator({ stepMs: 1 })
    own.injectFault({ route: TXT2IMG, kind: 'hang' })
    const pending = post(own, TXT2IMG, { steps: 1 }).then(
      () => 'answered',
      () => 'failed',
    )
    const early = await Promise.race([
      pending,
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 150)),
    ])
    expect(early).toBe('waiting')
    await own.close()
    expect(await pending).toBe('failed')
  })

  it('freeze stops progress half way until the client leaves, which is counted as abandoned', async () => {
    const own = await startEmulator({ stepMs: 10 })
    try {
      own.injectFault({ route: TXT2IMG, kind: 'freeze' })
      const client = new AbortController()
      const pending = fetch(`${own.url}${TXT2IMG}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ steps: 10 }),
        signal: client.signal,
      }).catch(() => 'left')
      const step = async () =>
        (await get<{ state: { sampling_step: number } }>(own, '/sdapi/v1/progress')).body.state
          .sampling_step
      await new Promise((resolve) => setTimeout(resolve, 250))
      const stuck = await step()
      expect(stuck).toBe(4)
      await new Promise((resolve) => setTimeout(resolve, 150))
      expect(await step()).toBe(stuck)
      client.abort()
      expect(await pending).toBe('left')
      // the lock is free again: the next job runs
      expect((await post(own, TXT2IMG, { steps: 2 })).status).toBe(200)
      expect(own.stats().abandoned[TXT2IMG]).toBe(1)
    } finally {
      await own.close()
    }
  })

  it('close ends requests waiting for the lock and mid-generation', async () => {
    const own = await startEmulator({ stepMs: 50 })
    const a = post(own, TXT2IMG, { steps: 100 }).catch(() => 'failed')
    const b = post(own, TXT2IMG, { steps: 100 }).catch(() => 'failed')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const start = Date.now()
    await own.close()
    expect(await Promise.all([a, b])).toEqual(['failed', 'failed'])
    expect(Date.now() - start).toBeLessThan(1000)
  })

  it('manages faults over HTTP and clears them', async () => {
    const add = await post(emu(), '/emulator/faults', [
      { route: TXT2IMG, kind: 'oom', count: 3 },
      { route: '/sdapi/v1/img2img', kind: 'hang' },
    ])
    expect(add.status).toBe(200)
    const bad = await post(emu(), '/emulator/faults', { route: TXT2IMG, kind: 'meteor' })
    expect(bad.status).toBe(400)
    expect((await call(emu(), 'DELETE', '/emulator/faults')).status).toBe(200)
    expect((await post(emu(), TXT2IMG, { steps: 1 })).status).toBe(200)
  })

  it('counts requests and completed generations per route', async () => {
    const own = await startEmulator({ stepMs: 1, faults: [{ route: TXT2IMG, kind: 'oom' }] })
    try {
      await post(own, TXT2IMG, { steps: 1 })
      await post(own, TXT2IMG, { steps: 1 })
      await post(own, '/sdapi/v1/extra-single-image', { image: 'x' })
      await get(own, '/sdapi/v1/progress')
      const stats = await get(own, '/emulator/stats')
      expect(stats.body).toEqual({
        requests: {
          [TXT2IMG]: 2,
          '/sdapi/v1/extra-single-image': 1,
          '/sdapi/v1/progress': 1,
        },
        generations: 1,
        completed: { [TXT2IMG]: 1 },
        abandoned: {},
        // the failed extras call held the lock too (it failed while holding it, as A1111's does)
        busy: [
          expect.objectContaining({ job: 'scripts_txt2img' }),
          expect.objectContaining({ job: 'extras', taskId: null }),
        ],
      })
      expect(own.stats()).toEqual(stats.body)
    } finally {
      await own.close()
    }
  })
})

describe('server modes', () => {
  it('apiOnly hides /internal routes', async () => {
    const own = await startEmulator({ apiOnly: true })
    try {
      const r = await get(own, '/internal/ping')
      expect(r.status).toBe(404)
      expect(r.body).toEqual({ detail: 'Not Found' })
      expect((await get(emu(), '/internal/ping')).body).toEqual({})
    } finally {
      await own.close()
    }
  })

  it('basic auth guards /sdapi but not /controlnet or loras', async () => {
    const own = await startEmulator({ auth: { username: 'u', password: 'p' } })
    try {
      const none = await get(own, '/sdapi/v1/sd-models')
      expect(none.status).toBe(401)
      expect(none.body).toMatchObject({ error: 'HTTPException', detail: 'Not authenticated' })
      const wrong = await call(own, 'GET', '/sdapi/v1/sd-models', undefined, {
        authorization: `Basic ${Buffer.from('u:x').toString('base64')}`,
      })
      expect(wrong.body).toMatchObject({ detail: 'Incorrect username or password' })
      const ok = await call(own, 'GET', '/sdapi/v1/sd-models', undefined, {
        authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
      })
      expect(ok.status).toBe(200)
      expect((await get(own, '/sdapi/v1/loras')).status).toBe(200)
      expect((await get(own, '/controlnet/version')).status).toBe(200)
    } finally {
      await own.close()
    }
  })
})
