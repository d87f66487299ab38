import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createArtifactStore, type RetryNotice } from '@sdflow/engine'
import { SdflowError } from '@sdflow/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import {
  a1111Harness,
  type Harness,
  type HarnessOptions,
  runpodHarness,
} from './conformance.test-support.js'
import { type BackendPool, createPool } from './pool.js'

const artifacts = createArtifactStore({ root: mkdtempSync(join(tmpdir(), 'sdflow-conf-')) })
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const request = { prompt: 'a lighthouse', steps: 6, width: 64, height: 64, seed: 11 }

async function poolOn(
  open: (o: HarnessOptions) => Promise<Harness>,
  options: Partial<HarnessOptions> = {},
): Promise<{ harness: Harness; pool: BackendPool }> {
  const harness = await open({ stepMs: 5, ...options })
  cleanup.push(() => harness.close())
  const pool = createPool({
    backends: [harness.config],
    retryBackoff: { baseMs: 10, maxMs: 20 },
    downBackoff: { baseMs: 60_000, maxMs: 60_000 },
    probeIntervalMs: 60_000,
    queueTimeoutMs: 60_000,
  })
  cleanup.push(() => pool.close())
  await pool.start()
  return { harness, pool }
}

const failure = async (promise: Promise<unknown>): Promise<SdflowError> => {
  try {
    await promise
  } catch (error) {
    if (error instanceof SdflowError) return error
    throw error
  }
  throw new Error('expected a failure')
}

describe.each([
  ['a1111', a1111Harness],
  ['runpod worker a1111', runpodHarness('a1111')],
  ['runpod worker a1111-proxy', runpodHarness('a1111-proxy')],
])('backend conformance: %s', (_kind, open) => {
  it('generates through the pool, images stored once by hash', async () => {
    const { pool } = await poolOn(open)
    const result = await pool.run({ needs: { operation: 'txt2img' } }, (backend, signal) =>
      backend.txt2img(request, { artifacts, signal }),
    )
    expect(result.images).toHaveLength(1)
    expect(result.seeds).toEqual([11])
    expect(await artifacts.has(result.images[0]?.hash ?? '')).toBe(true)
  })

  it('maps out of memory onto SDF_BACKEND_OUT_OF_MEMORY and retries', async () => {
    const { harness, pool } = await poolOn(open)
    harness.oomNext()
    const retries: RetryNotice[] = []
    const result = await pool.run({ onRetry: (n) => retries.push(n) }, (backend, signal) =>
      backend.txt2img(request, { artifacts, signal }),
    )
    expect(result.images).toHaveLength(1)
    expect(retries.map((r) => r.issue.code)).toEqual(['SDF_BACKEND_OUT_OF_MEMORY'])
  })

  it('stops the job on the backend when it is cancelled in flight', async () => {
    const { harness, pool } = await poolOn(open, { stepMs: 200 })
    const controller = new AbortController()
    let started!: () => void
    const running = new Promise<void>((resolve) => {
      started = resolve
    })
    const job = pool.run({ signal: controller.signal }, (backend, signal) =>
      backend.txt2img(
        { ...request, steps: 40 },
        { artifacts, signal, onProgress: () => started() },
      ),
    )
    await running
    controller.abort(new DOMException('cancelled', 'AbortError'))
    await expect(job).rejects.toThrow(/cancelled/)
    expect(harness.stops()).toBe(1)
  })

  it('fails fast with SDF_BACKEND_KEY_REFUSED on a wrong key, without the key in the message', async () => {
    const { pool } = await poolOn(open, { wrongKey: true })
    const error = await failure(
      pool.run({}, (backend, signal) => backend.txt2img(request, { artifacts, signal })),
    )
    expect(error.code).toBe('SDF_BACKEND_KEY_REFUSED')
    expect(error.message).toMatch(/check the key/)
    expect(JSON.stringify(error.issue)).not.toMatch(/wrong-(pass|key)-2|right-(pass|key)-1/)
    expect(JSON.stringify(pool.list())).not.toMatch(/wrong-(pass|key)-2|right-(pass|key)-1/)
  })

  it('refuses a request the backend rejects as SDF_BACKEND_REJECTED naming the field, once', async () => {
    const { pool } = await poolOn(open)
    const retries: RetryNotice[] = []
    const error = await failure(
      pool.run({ onRetry: (n) => retries.push(n) }, (backend, signal) =>
        backend.txt2img({ ...request, script_name: 'no such script' }, { artifacts, signal }),
      ),
    )
    expect(error.code).toBe('SDF_BACKEND_REJECTED')
    expect(error.issue.details?.field).toBe('script_name')
    expect(retries).toEqual([])
  })
})
