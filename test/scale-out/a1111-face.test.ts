// The A1111 face of a coordinator (`sdflow serve --redis`) whose backends live on a worker.
import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../packages/server/src/server.test-support.js'
import {
  type Coordinator,
  killAll,
  type RedisServer,
  startCoordinator,
  startRedis,
  startWorkerProcess,
  tempDir,
} from './cluster.test-support.js'

const TOKEN = 'face-over-workers-token'
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }

let redis: RedisServer
let coordinator: Coordinator
let emulator: RunningEmulator
let dir: Awaited<ReturnType<typeof tempDir>>

beforeAll(async () => {
  dir = await tempDir()
  redis = await startRedis()
  emulator = await startEmulator({ stepMs: 10 })
  coordinator = await startCoordinator([
    '--redis',
    redis.url,
    '--token',
    TOKEN,
    '--data',
    join(dir.path, 'data'),
    '--out',
    join(dir.path, 'out'),
  ])
  await startWorkerProcess([
    '--redis',
    redis.url,
    '--server',
    coordinator.url,
    '--token',
    TOKEN,
    '--name',
    'w1',
    '--backend',
    emulator.url,
  ])
  // the coordinator knows the worker's backends (and their catalogs) from its heartbeat
  await waitFor(async () => {
    const r = await fetch(`${coordinator.url}/sdapi/v1/samplers`, { headers: auth })
    return r.ok && ((await r.json()) as unknown[]).length > 0
  }, "the worker's catalog on the coordinator")
}, 240_000)

afterAll(async () => {
  await killAll()
  await emulator?.close()
  await redis?.close()
  await dir?.remove()
})

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
type Json = any
async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${coordinator.url}${path}`, {
    method,
    headers: auth,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : null) as Json,
    headers: res.headers,
  }
}
const png = async (w: number, h: number, grey: number) =>
  (
    await sharp({
      create: { width: w, height: h, channels: 3, background: { r: grey, g: grey, b: grey } },
    })
      .png()
      .toBuffer()
  ).toString('base64')
const sizeOf = async (b64: string) => {
  const m = await sharp(Buffer.from(b64, 'base64')).metadata()
  return [m.width, m.height]
}

describe('the A1111 face in coordinator mode, backends on a worker (redis-server)', () => {
  it('answers txt2img through the worker, recorded as a run', async () => {
    const r = await call('POST', '/sdapi/v1/txt2img', {
      prompt: 'a harbour',
      steps: 3,
      width: 64,
      height: 64,
      seed: 9,
    })
    expect(r.status).toBe(200)
    expect(r.body.images).toHaveLength(1)
    expect(JSON.parse(r.body.info).all_seeds).toEqual([9])
    const run = await call('GET', `/api/runs/${r.headers.get('x-sdflow-run')}`)
    expect(run.body.status).toBe('finished')
    expect(emulator.stats().requests['/sdapi/v1/txt2img']).toBeGreaterThan(0)
  })

  it('answers img2img with a mask, extras and controlnet/detect through the worker', async () => {
    const init = await png(64, 64, 200)
    const mask = await png(64, 64, 255)
    const inpaint = await call('POST', '/sdapi/v1/img2img', {
      prompt: 'x',
      steps: 2,
      init_images: [init],
      mask,
      width: 64,
      height: 64,
    })
    expect(inpaint.status).toBe(200)
    expect(await sizeOf(inpaint.body.images[0])).toEqual([64, 64])
    const up = await call('POST', '/sdapi/v1/extra-single-image', {
      image: init,
      upscaler_1: 'Lanczos',
      upscaling_resize: 2,
    })
    expect(up.status).toBe(200)
    expect(await sizeOf(up.body.image)).toEqual([128, 128])
    const detect = await call('POST', '/controlnet/detect', {
      controlnet_module: 'canny',
      controlnet_input_images: [init],
      controlnet_processor_res: 64,
    })
    expect(detect.status).toBe(200)
    expect(detect.body.images).toHaveLength(1)
    expect(emulator.stats().requests['/controlnet/detect']).toBe(1)
  })

  it("answers the catalogs from the worker's catalog, in A1111's shapes", async () => {
    const samplers = (await call('GET', '/sdapi/v1/samplers')).body
    expect(samplers).toContainEqual(expect.objectContaining({ name: 'Euler a', aliases: [] }))
    const models = (await call('GET', '/sdapi/v1/sd-models')).body
    expect(models[0]).toMatchObject({ title: expect.any(String), model_name: expect.any(String) })
    expect((await call('GET', '/sdapi/v1/upscalers')).body).toContainEqual(
      expect.objectContaining({ name: 'Lanczos' }),
    )
    expect((await call('GET', '/sdapi/v1/schedulers')).body.length).toBeGreaterThan(0)
    expect((await call('GET', '/controlnet/model_list')).body.model_list.length).toBeGreaterThan(0)
    expect((await call('GET', '/controlnet/module_list')).body.module_list).toContain('canny')
    expect((await call('GET', '/controlnet/version')).body).toEqual({ version: 3 })
  })

  it("reports the caller's job in /progress while it runs on the worker", async () => {
    const job = call('POST', '/sdapi/v1/txt2img', {
      prompt: 'slow',
      steps: 150,
      width: 64,
      height: 64,
      force_task_id: 'task(over-workers)',
    })
    const seen = await waitFor(async () => {
      const p = (await call('GET', '/sdapi/v1/progress')).body
      return p.state.sampling_steps === 150 && p.progress > 0.05 ? p : undefined
    }, 'progress from the worker')
    expect(seen.state.job).toBe('scripts_txt2img')
    const internal = await call('POST', '/internal/progress', { id_task: 'task(over-workers)' })
    expect(internal.body).toMatchObject({ active: true })
    expect((await job).status).toBe(200)
  })

  it("interrupt cancels the caller's call on the worker, which interrupts the backend", async () => {
    const job = call('POST', '/sdapi/v1/txt2img', {
      prompt: 'stop',
      steps: 400,
      width: 64,
      height: 64,
    })
    await waitFor(async () => {
      const p = (await call('GET', '/sdapi/v1/progress')).body
      return p.state.sampling_steps === 400 && p.progress > 0.05
    }, 'the job to run on the worker')
    expect((await call('POST', '/sdapi/v1/interrupt', {})).body).toEqual({})
    const answer = await job
    expect(answer.status).toBeGreaterThanOrEqual(400)
    expect(answer.body.error).toBeTruthy()
    await waitFor(
      async () =>
        ((await fetch(`${emulator.url}/sdapi/v1/progress`).then((r) => r.json())) as Json).state
          .job_count === 0,
      'the backend to stop',
    )
  })

  it("GET /options answers the options a worker's backend shared; POST sets them for the caller only", async () => {
    const own = (await fetch(`${emulator.url}/sdapi/v1/options`).then((r) => r.json())) as Json
    const shared = await waitFor(async () => {
      const answer = await call('GET', '/sdapi/v1/options')
      return answer.status === 200 ? answer.body : undefined
    }, "the worker's backend options on the coordinator")
    expect(Object.keys(shared).sort()).toEqual(Object.keys(own).sort())
    expect(shared.sd_model_checkpoint).toBe(own.sd_model_checkpoint)
    expect((await call('POST', '/sdapi/v1/options', { jpeg_quality: 70 })).status).toBe(200)
    expect((await call('GET', '/sdapi/v1/options')).body.jpeg_quality).toBe(70)
    const unknown = await call('POST', '/sdapi/v1/options', { not_an_option: 1 })
    expect(unknown.status).toBe(500)
    expect(unknown.body.error).toBe('KeyError')
    // the backend's own options are untouched
    const after = (await fetch(`${emulator.url}/sdapi/v1/options`).then((r) => r.json())) as Json
    expect(after.jpeg_quality).toBe(own.jpeg_quality)
  })

  it("skip reaches the worker, which skips the backend's current iteration: the job goes on", async () => {
    const skips = () => emulator.stats().requests?.['/sdapi/v1/skip'] ?? 0
    const before = skips()
    const job = call('POST', '/sdapi/v1/txt2img', {
      prompt: 'two',
      steps: 200,
      n_iter: 2,
      width: 64,
      height: 64,
    })
    await waitFor(async () => {
      const p = (await call('GET', '/sdapi/v1/progress')).body
      return p.state.sampling_steps > 0 && p.progress > 0.05 && p.progress < 0.4
    }, 'the first iteration on the worker')
    expect((await call('POST', '/sdapi/v1/skip', {})).status).toBe(200)
    const answer = await job
    expect(answer.status).toBe(200)
    expect(answer.body.images).toHaveLength(2)
    expect(skips() - before).toBe(1)
  })
})
