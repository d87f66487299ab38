import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type RunningEmulator,
  type RunningRunpodEmulator,
  type RunpodEmulatorOptions,
  startEmulator,
  startRunpodEmulator,
} from '@sdflow/a1111-emulator'
import { createArtifactStore, type ProgressUpdate, type RetryNotice } from '@sdflow/engine'
import { SdflowError } from '@sdflow/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import type { Backend } from '../backend.js'
import { parseConfig } from '../config.js'
import { createPool, type PoolOptions } from '../pool.js'
import { json, startRaw } from '../raw-server.test-support.js'

const artifacts = createArtifactStore({ root: mkdtempSync(join(tmpdir(), 'sdflow-rp-')) })
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const KEY = 'rp-secret-key-42'
const request = { prompt: 'a lighthouse', steps: 4, width: 64, height: 64, seed: 3 }

async function endpoint(options: RunpodEmulatorOptions = {}): Promise<RunningRunpodEmulator> {
  const e = await startRunpodEmulator({ apiKey: KEY, stepMs: 2, ...options })
  cleanup.push(() => e.close())
  return e
}

async function a1111(): Promise<RunningEmulator> {
  const e = await startEmulator({ stepMs: 2 })
  cleanup.push(() => e.close())
  return e
}

async function poolOf(backends: unknown[], extra: Partial<PoolOptions> = {}) {
  const pool = createPool({
    backends: parseConfig({ backends }, 'test', {}).backends,
    retryBackoff: { baseMs: 10, maxMs: 20 },
    downBackoff: { baseMs: 60_000, maxMs: 60_000 },
    probeIntervalMs: 60_000,
    ...extra,
  })
  cleanup.push(() => pool.close())
  await pool.start()
  return pool
}

const rp = (e: RunningRunpodEmulator, worker = 'a1111', id = 'rp') => ({
  id,
  type: 'runpod',
  worker,
  url: e.url,
  apiKey: KEY,
})

const generate = (backend: Backend, signal: AbortSignal) =>
  backend.txt2img(request, { artifacts, signal })

async function failure(promise: Promise<unknown>): Promise<SdflowError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof SdflowError) return error
    throw error
  }
  throw new Error('expected a failure')
}

describe('runpod transport', () => {
  it('reports RunPod workers from /health and the billed times of a job', async () => {
    const e = await endpoint({ workers: 3 })
    const pool = await poolOf([rp(e)])
    const [status] = pool.list()
    expect(status).toMatchObject({
      kind: 'runpod',
      worker: 'a1111',
      health: 'up',
      slots: 4,
      workers: { idle: 0, running: 0, initializing: 0 },
      capabilities: { operations: ['txt2img'], catalog: false },
    })
    const result = await pool.run({}, generate)
    expect(result.timing?.gpuMs).toBeGreaterThan(0)
    expect(result.timing?.queueMs).toBeGreaterThanOrEqual(0)
  })

  it('says the job is queued while a worker starts cold', async () => {
    const e = await endpoint({ coldStartMs: 400 })
    const pool = await poolOf([rp(e)])
    const updates: ProgressUpdate[] = []
    await pool.run({}, (backend, signal) =>
      backend.txt2img(request, { artifacts, signal, onProgress: (u) => updates.push(u) }),
    )
    expect(updates[0]?.message).toMatch(/^queued on RunPod for \d+ s/)
    expect(e.stats().coldStarts).toBe(1)
  })

  it('waits out a slow cold start, reporting it as queue time, not GPU time', async () => {
    const e = await endpoint()
    e.injectFault({ kind: 'slow-cold-start', delayMs: 700 })
    const pool = await poolOf([rp(e)])
    const updates: ProgressUpdate[] = []
    const result = await pool.run({}, (backend, signal) =>
      backend.txt2img(request, { artifacts, signal, onProgress: (u) => updates.push(u) }),
    )
    expect(result.images).toHaveLength(1)
    expect(updates[0]?.message).toMatch(/^queued on RunPod for \d+ s/)
    expect(result.timing?.queueMs).toBeGreaterThanOrEqual(600)
    expect(e.stats().coldStarts).toBe(1)
  })

  it('refuses, without a retry, an A1111 422 body that worker-a1111 hands back COMPLETED', async () => {
    // a request the client's schema lets through but A1111's pydantic model refuses cannot be
    // built from sdflow's side, so a bare endpoint answers as RunPod does for one
    const detail = [{ loc: ['body', 'steps'], msg: 'value is not a valid integer', type: 'x' }]
    const raw = await startRaw((req, res) => {
      const path = (req.url ?? '').split('?')[0]
      if (path === '/v2/e/health') return json(res, 200, { workers: { idle: 1 }, jobs: {} })
      if (path === '/v2/e/run') return json(res, 200, { id: 'j1', status: 'IN_QUEUE' })
      if (path === '/v2/e/status/j1') {
        return json(res, 200, {
          id: 'j1',
          status: 'COMPLETED',
          output: { detail },
          executionTime: 9,
        })
      }
      json(res, 404, { error: 'not found' })
    })
    cleanup.push(() => raw.close())
    const pool = await poolOf([
      { id: 'rp', type: 'runpod', worker: 'a1111', url: `${raw.url}/v2/e`, apiKey: KEY },
    ])
    const retries: RetryNotice[] = []
    const error = await failure(pool.run({ onRetry: (n) => retries.push(n) }, generate))
    expect(error.code).toBe('SDF_BACKEND_REJECTED')
    expect(error.issue.details?.field).toBe('steps')
    expect(error.message).toMatch(/value is not a valid integer/)
    expect(retries).toEqual([])
    expect(raw.seen.filter((r) => r === 'POST /v2/e/run')).toHaveLength(1)
  })

  it.each([
    ['failed', 'SDF_BACKEND_ERROR', /the job failed on RunPod: RuntimeError/],
    ['timeout', 'SDF_BACKEND_TIMEOUT', /TIMED_OUT/],
  ] as const)('maps a %s job onto %s and retries it', async (kind, code, message) => {
    const e = await endpoint()
    e.injectFault({ kind })
    const pool = await poolOf([rp(e)])
    const retries: RetryNotice[] = []
    const result = await pool.run({ onRetry: (n) => retries.push(n) }, generate)
    expect(result.images).toHaveLength(1)
    expect(retries.map((r) => r.issue.code)).toEqual([code])
    expect(retries[0]?.issue.message).toMatch(message)
  })

  it('resubmits once a job RunPod no longer knows, and backs off on 429', async () => {
    const e = await endpoint()
    const pool = await poolOf([rp(e)])
    e.injectFault({ kind: 'expired' })
    e.injectFault({ kind: 'rate-limit', count: 2 })
    const retries: RetryNotice[] = []
    const result = await pool.run({ onRetry: (n) => retries.push(n) }, generate)
    expect(result.images).toHaveLength(1)
    expect(retries).toEqual([])
    expect(e.stats().requests['POST /run']).toBe(4)
  })

  it('cancels the RunPod job (POST /cancel/{id}) when the job outlives requestMs', async () => {
    const e = await endpoint({ coldStartMs: 60_000 })
    const pool = await poolOf([{ ...rp(e), timeouts: { requestMs: 300 } }], { maxAttempts: 1 })
    const error = await failure(pool.run({}, generate))
    expect(error.code).toBe('SDF_BACKEND_TIMEOUT')
    expect(e.stats().cancelled).toHaveLength(1)
    expect(e.stats().jobs).toEqual({ CANCELLED: 1 })
  })

  it('a1111-proxy: loads its catalog through proxied GETs and runs img2img, not inpaint', async () => {
    const e = await endpoint({ worker: 'a1111-proxy' })
    const pool = await poolOf([rp(e, 'a1111-proxy')])
    const [status] = pool.list()
    expect(status?.catalog?.samplers).toContain('DPM++ 2M')
    expect(status?.catalog?.controlnetModules).toEqual([])
    const made = await pool.run({ needs: { operation: 'txt2img' } }, generate)
    const redrawn = await pool.run({ needs: { operation: 'img2img' } }, (backend, signal) =>
      backend.img2img(
        { prompt: 'x', steps: 4, init_images: made.images, denoising_strength: 0.5 },
        { artifacts, signal },
      ),
    )
    expect(redrawn.images).toHaveLength(1)
    const inpaint = await failure(pool.run({ needs: { operation: 'inpaint' } }, generate))
    expect(inpaint.code).toBe('SDF_BACKEND_NONE_AVAILABLE')
    expect(inpaint.message).toMatch(/rp cannot run inpaint \(it runs txt2img, img2img\)/)
  })

  it('a mixed pool spreads txt2img over both kinds and sends img2img only where it runs', async () => {
    const e = await endpoint({ workers: 2 })
    const box = await a1111()
    const pool = await poolOf([rp(e, 'a1111', 'rp'), { id: 'box', url: box.url, slots: 1 }])
    const used: string[] = []
    const runs = Array.from({ length: 4 }, () =>
      pool.run({ needs: { operation: 'txt2img' }, onBackend: (id) => used.push(id) }, generate),
    )
    const made = await Promise.all(runs)
    expect(new Set(used)).toEqual(new Set(['rp', 'box']))
    const redrawnOn: string[] = []
    await Promise.all(
      [0, 1].map(() =>
        pool.run(
          { needs: { operation: 'img2img' }, onBackend: (id) => redrawnOn.push(id) },
          (backend, signal) =>
            backend.img2img(
              { prompt: 'x', steps: 4, init_images: made[0]?.images ?? [] },
              { artifacts, signal },
            ),
        ),
      ),
    )
    expect(redrawnOn).toEqual(['box', 'box'])
    const rejected = await failure(
      poolOf([rp(e)]).then((p) => p.run({ needs: { operation: 'extras' } }, generate)),
    )
    expect(rejected.message).toMatch(/rp cannot run extras \(it runs txt2img\)/)
  })
})
