import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import { createArtifactStore, type RetryNotice } from '@sdflow/engine'
import { SdflowError } from '@sdflow/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import type { Backend } from './backend.js'
import { backendsFromUrls } from './config.js'
import { type BackendPool, createPool, type Job, type PoolOptions } from './pool.js'

const artifacts = createArtifactStore({ root: mkdtempSync(join(tmpdir(), 'sdflow-pool-')) })
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function emulators(n: number, options: { apiOnly?: boolean } = {}) {
  const out: RunningEmulator[] = []
  for (let i = 0; i < n; i++) {
    const e = await startEmulator({ stepMs: 10, ...options })
    cleanup.push(() => e.close())
    out.push(e)
  }
  return out
}

async function pool(
  urls: string[],
  extra: Partial<PoolOptions> = {},
  timeouts: { frozenMs?: number; requestMs?: number } = {},
) {
  const p = createPool({
    backends: backendsFromUrls(urls, { timeouts }),
    retryBackoff: { baseMs: 10, maxMs: 20 },
    downBackoff: { baseMs: 10_000, maxMs: 10_000 },
    probeIntervalMs: 60_000,
    ...extra,
  })
  cleanup.push(() => p.close())
  await p.start()
  return p
}

const txt2img = (client: Backend, signal: AbortSignal) =>
  client.txt2img({ prompt: 'x', steps: 4, width: 64, height: 64 }, { artifacts, signal })

async function runJob(p: BackendPool, job: Partial<Job> = {}) {
  const retries: RetryNotice[] = []
  const used: string[] = []
  const result = await p.run(
    { ...job, onRetry: (n) => retries.push(n), onBackend: (id) => used.push(id) },
    txt2img,
  )
  return { result, retries, used }
}

describe('backend pool', () => {
  it('probes health and unions the catalogs', async () => {
    const [a, b] = await emulators(2)
    const p = await pool([a!.url, b!.url])
    expect(p.list().map((s) => [s.id, s.health, s.busy, s.slots])).toEqual([
      ['b1', 'up', 0, 1],
      ['b2', 'up', 0, 1],
    ])
    expect(p.catalog().checkpoints).toContain('dreamshaper_8.safetensors [879db523c3]')
    expect(p.catalog().upscalers).toContain('Lanczos')
  })

  for (const [kind, code, down] of [
    ['oom', 'SDF_BACKEND_OUT_OF_MEMORY', false],
    ['unavailable503', 'SDF_BACKEND_UNAVAILABLE', true],
    ['drop', 'SDF_BACKEND_UNREACHABLE', true],
  ] as const) {
    it(`fails over to the second backend after ${kind}`, async () => {
      const [a, b] = await emulators(2)
      const p = await pool([a!.url, b!.url])
      a!.injectFault({ route: '/sdapi/v1/txt2img', kind })
      const { result, retries, used } = await runJob(p)
      expect(result.images).toHaveLength(1)
      expect(used).toEqual(['b1', 'b2'])
      expect(retries).toHaveLength(1)
      expect(retries[0]).toMatchObject({ attempt: 1, backend: 'b1', issue: { code } })
      expect(p.list()[0]?.health).toBe(down ? 'down' : 'up')
      expect(b!.stats().completed['/sdapi/v1/txt2img']).toBe(1)
    })
  }

  it('aborts a hung backend, interrupts it, marks it down and re-dispatches', async () => {
    const [a, b] = await emulators(2)
    const p = await pool([a!.url, b!.url], {}, { frozenMs: 500 })
    a!.injectFault({ route: '/sdapi/v1/txt2img', kind: 'hang' })
    const started = Date.now()
    const { result, retries, used } = await runJob(p)
    expect(result.images).toHaveLength(1)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(used).toEqual(['b1', 'b2'])
    expect(retries[0]?.issue.code).toBe('SDF_BACKEND_FROZEN')
    expect(a!.stats().requests['/sdapi/v1/interrupt']).toBeGreaterThanOrEqual(1)
    expect(p.list()[0]?.health).toBe('down')
  })

  it('never retries an input error', async () => {
    const [a, b] = await emulators(2)
    const p = await pool([a!.url, b!.url])
    const retries: RetryNotice[] = []
    const error = await p
      .run({ onRetry: (n) => retries.push(n) }, (client, signal) =>
        client.txt2img(
          { prompt: 'x', steps: 2, width: 64, height: 64, script_name: 'no such script' },
          { artifacts, signal },
        ),
      )
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SdflowError)
    expect((error as SdflowError).code).toBe('SDF_BACKEND_REJECTED')
    expect(retries).toEqual([])
    expect(b!.stats().requests['/sdapi/v1/txt2img'] ?? 0).toBe(0)
  })

  it('waits for a slot without polling and hands it over on release', async () => {
    const [a] = await emulators(1)
    const p = await pool([a!.url])
    let release!: () => void
    const held = new Promise<void>((r) => {
      release = r
    })
    // one running and one sent ahead into A1111's queue: the third waits
    const first = p.run({}, () => held)
    const ahead = p.run({}, () => held)
    let thirdStarted = 0
    const third = p.run({}, async () => {
      thirdStarted = Date.now()
    })
    expect(p.list()[0]).toMatchObject({ busy: 2, slots: 1, queueAhead: 1 })
    const requestsBefore = JSON.stringify(a!.stats().requests)
    await new Promise((r) => setTimeout(r, 400))
    expect(thirdStarted).toBe(0)
    expect(JSON.stringify(a!.stats().requests)).toBe(requestsBefore)
    const releasedAt = Date.now()
    release()
    await Promise.all([first, ahead, third])
    expect(thirdStarted - releasedAt).toBeLessThan(250)
  })

  it('sends a job only when a slot is free with queueAhead 0', async () => {
    const [a] = await emulators(1)
    const p = await pool([a!.url], { queueAhead: 0 })
    let release!: () => void
    const first = p.run({}, () => new Promise<void>((r) => (release = r)))
    let secondStarted = false
    const second = p.run({}, async () => {
      secondStarted = true
    })
    await new Promise((r) => setTimeout(r, 200))
    expect(secondStarted).toBe(false)
    expect(p.list()[0]).toMatchObject({ busy: 1, queueAhead: 0 })
    release()
    await Promise.all([first, second])
    expect(secondStarted).toBe(true)
  })

  it('fails a job that no backend can serve, and one that waits too long', async () => {
    const [a] = await emulators(1)
    const p = await pool([a!.url])
    await expect(
      p.run({ needs: { checkpoint: 'nope.safetensors' } }, async () => 1),
    ).rejects.toMatchObject({
      code: 'SDF_BACKEND_NONE_AVAILABLE',
      message: expect.stringContaining('checkpoint "nope.safetensors"'),
    })
    await expect(p.run({ backend: 'gpu9' }, async () => 1)).rejects.toMatchObject({
      code: 'SDF_BACKEND_NONE_AVAILABLE',
    })
    await expect(p.run({ backend: 'http://evil' }, async () => 1)).rejects.toThrow(/never by URL/)
    let release!: () => void
    const held = new Promise<void>((r) => {
      release = r
    })
    const first = p.run({}, () => held)
    const ahead = p.run({}, () => held)
    await expect(p.run({ queueTimeoutMs: 100 }, async () => 1)).rejects.toThrow(
      /busy \(2\/2: 1 slots and 1 queued ahead\)/,
    )
    release()
    await Promise.all([first, ahead])
  })

  it('prefers the backend whose loaded checkpoint matches', async () => {
    const [a, b] = await emulators(2)
    const p = await pool([a!.url, b!.url])
    const wanted = 'dreamshaper_8.safetensors [879db523c3]'
    await p.run({ backend: 'b2', needs: { checkpoint: wanted } }, async () => 1)
    const used: string[] = []
    await p.run({ needs: { checkpoint: wanted }, onBackend: (id) => used.push(id) }, async () => 1)
    expect(used).toEqual(['b2'])
  })

  it('marks a backend up again when it comes back', async () => {
    const [a] = await emulators(1)
    const port = a!.port
    const p = await pool([a!.url], { downBackoff: { baseMs: 50, maxMs: 100 } })
    expect(p.list()[0]?.health).toBe('up')
    await a!.close()
    await expect(runJob(p, { queueTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'SDF_BACKEND_NONE_AVAILABLE',
      message: expect.stringMatching(/b1 is down: .*connection failed/),
    })
    expect(p.list()[0]?.health).toBe('down')
    const again = await startEmulator({ stepMs: 10, port })
    cleanup.push(() => again.close())
    const deadline = Date.now() + 5_000
    while (p.list()[0]?.health !== 'up' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(p.list()[0]?.health).toBe('up')
    const { result } = await runJob(p)
    expect(result.images).toHaveLength(1)
  })
})
