import runpodSdk from 'runpod-sdk'
import { afterEach, describe, expect, it } from 'vitest'
import { startRunpodEmulator } from './server.js'
import type { RunningRunpodEmulator } from './types.js'

const KEY = 'rp-test-key-0123456789'
const running: RunningRunpodEmulator[] = []

afterEach(async () => {
  for (const e of running.splice(0)) await e.close()
})

async function open(options: Parameters<typeof startRunpodEmulator>[0] = {}) {
  const emulator = await startRunpodEmulator({ apiKey: KEY, stepMs: 2, ...options })
  running.push(emulator)
  const baseUrl = emulator.url.slice(0, -`/${emulator.endpointId}`.length)
  const endpoint = runpodSdk(KEY, { baseUrl }).endpoint(emulator.endpointId)
  if (!endpoint) throw new Error('no endpoint')
  return { emulator, endpoint, baseUrl }
}

const txt2img = { prompt: 'a lighthouse', steps: 4, width: 64, height: 64, seed: 7 }

describe('the RunPod emulator, driven by the official runpod-sdk', () => {
  it('runs a job (run, then status until COMPLETED) with the A1111 answer as output', async () => {
    const { endpoint } = await open()
    const submitted = await endpoint.run({ input: txt2img })
    expect(submitted.status).toBe('IN_QUEUE')
    let answer = await endpoint.status(submitted.id)
    while (!['COMPLETED', 'FAILED'].includes(answer.status)) {
      await new Promise((r) => setTimeout(r, 20))
      answer = await endpoint.status(submitted.id)
    }
    expect(answer.status).toBe('COMPLETED')
    if (!('output' in answer)) throw new Error('no output')
    expect(answer.output.images).toHaveLength(1)
    expect(JSON.parse(answer.output.info).all_seeds).toEqual([7])
    expect(answer.executionTime).toBeGreaterThan(0)
    expect(answer.delayTime).toBeGreaterThanOrEqual(0)
  })

  it('runSync waits for the result (polling /status-sync)', async () => {
    const { endpoint, emulator } = await open({ coldStartMs: 30 })
    const answer = await endpoint.runSync({ input: txt2img }, 20_000)
    expect(answer.status).toBe('COMPLETED')
    expect(answer.output.images).toHaveLength(1)
    expect(emulator.stats().coldStarts).toBe(1)
  })

  it('cancels a queued job, reports health and purges the queue', async () => {
    const { endpoint, emulator } = await open({ coldStartMs: 60_000, workers: 1 })
    const first = await endpoint.run({ input: txt2img })
    const second = await endpoint.run({ input: txt2img })
    const third = await endpoint.run({ input: txt2img })
    const health = await endpoint.health()
    expect(health.jobs.inQueue).toBe(3)
    expect(health.workers.initializing).toBe(1)
    const cancelled = await endpoint.cancel(first.id)
    expect(cancelled.status).toBe('CANCELLED')
    expect((await endpoint.status(first.id)).status).toBe('CANCELLED')
    const purged = await endpoint.purgeQueue()
    expect(purged.removed).toBe(2)
    expect((await endpoint.status(second.id)).status).toBe('CANCELLED')
    expect((await endpoint.status(third.id)).status).toBe('CANCELLED')
    expect(emulator.stats().cancelled).toEqual([first.id])
  })

  it('refuses a wrong key with 401 and an unknown job id with 404', async () => {
    const { emulator, baseUrl } = await open()
    const wrong = runpodSdk('not-the-key', { baseUrl }).endpoint(emulator.endpointId)
    await expect(wrong?.health()).rejects.toThrow(/401/)
    const right = runpodSdk(KEY, { baseUrl }).endpoint(emulator.endpointId)
    await expect(right?.status('no-such-job')).rejects.toThrow(/404/)
  })

  it('proxies A1111 routes for the a1111-proxy worker and applies its payload checks', async () => {
    const { endpoint } = await open({ worker: 'a1111-proxy' })
    const models = await endpoint.runSync(
      { input: { api: { method: 'GET', endpoint: '/sdapi/v1/sd-models' }, payload: {} } },
      20_000,
    )
    expect(models.status).toBe('COMPLETED')
    expect(models.output.length).toBeGreaterThan(0)
    const refused = await endpoint.runSync(
      { input: { api: { method: 'POST', endpoint: '/sdapi/v1/progress' }, payload: {} } },
      20_000,
    )
    expect(refused.status).toBe('FAILED')
    expect(refused).toMatchObject({ error: 'endpoint does not meet the constraints.' })
    const strict = await endpoint.runSync(
      {
        input: {
          api: { method: 'POST', endpoint: '/sdapi/v1/img2img' },
          payload: { prompt: 'x', init_images: [], mask: 'abc', eta: 0.5, styles: null },
        },
      },
      20_000,
    )
    expect(strict.status).toBe('FAILED')
    const error = (strict as unknown as { error: string }).error
    expect(error).toContain('Unexpected input. mask is not a valid input option.')
    expect(error).toContain("eta should be int type, not <class 'float'>.")
    expect(error).toContain("styles should be list type, not <class 'NoneType'>.")
    const generated = await endpoint.runSync(
      {
        input: {
          api: { method: 'POST', endpoint: 'sdapi/v1/txt2img' },
          payload: { ...txt2img, sampler_name: 'DPM++ 2M Karras' },
        },
      },
      20_000,
    )
    expect(generated.status).toBe('COMPLETED')
    const info = JSON.parse(generated.output.info)
    expect([info.sampler_name, generated.output.parameters.scheduler]).toEqual([
      'DPM++ 2M',
      'karras',
    ])
  })

  it('worker-a1111 passes an A1111 422 body through as COMPLETED, a 500 as FAILED', async () => {
    const { endpoint, emulator } = await open()
    const invalid = await endpoint.runSync({ input: { ...txt2img, steps: 'many' } }, 20_000)
    expect(invalid.status).toBe('COMPLETED')
    expect(Array.isArray(invalid.output.detail)).toBe(true)
    emulator.injectFault({ kind: 'oom' })
    const oom = await endpoint.runSync({ input: txt2img }, 20_000)
    expect(oom).toMatchObject({ status: 'FAILED', error: 'OutOfMemoryError' })
  })
})
