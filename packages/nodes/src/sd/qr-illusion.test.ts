import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backendsFromUrls, createPool } from '@sdflow/a1111'
import { startEmulator } from '@sdflow/a1111-emulator'
import { createEngine, pixelBudget } from '@sdflow/engine'
import type { ImageRef } from '@sdflow/protocol'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createNodeRegistry, type NodeServices } from '../index.js'
import type { AttemptRecord } from './qr-attempt.js'
import { type Backend, backend, run, workflow } from './sd.test-support.js'

let b: Backend
beforeAll(async () => {
  b = await backend()
})
afterAll(() => b.close())

const out = (node: string, output = 'image') => ({ node, output })
const TEXT = 'https://example.com/illusion'
const qr = { type: 'image.qr-code', params: { text: TEXT, size: 512 } }
const gen = { prompt: 'a harbour town at dusk', steps: 4, width: 512, height: 512 }

const tuned = (params: Record<string, unknown>) =>
  workflow(
    {
      qr,
      tune: {
        type: 'sd.qr-illusion',
        params: { ...gen, expected: TEXT, seeds: [3], ...params },
        inputs: { control: out('qr') },
      },
    },
    { image: out('tune'), score: out('tune', 'score'), ok: out('tune', 'ok') },
  )

const fixed = (weight: number) =>
  workflow(
    {
      qr,
      cn: {
        type: 'sd.controlnet-unit',
        params: { model: 'control_v1p_sd15_qrcode_monster', weight },
        inputs: { image: out('qr') },
      },
      gen: {
        type: 'sd.txt2img',
        params: { ...gen, seed: 3 },
        inputs: { controlnet: [out('cn', 'unit')] },
      },
      verify: {
        type: 'image.qr-verify',
        params: { expected: TEXT, min_score: 0.5 },
        inputs: { image: out('gen') },
      },
    },
    { ok: out('verify', 'ok') },
  )

describe('sd.qr-illusion', () => {
  it('finds a scanning picture within its budget where a fixed low weight does not', async () => {
    const low = await run(b.engine, fixed(0.5))
    expect(low.result.outputs.ok).toBe(false)

    const { result, events } = await run(
      b.engine,
      tuned({ weights: [0.5, 0.7, 0.9, 1.1, 1.3], guidance_ends: [1], max_attempts: 5 }),
    )
    expect(result.status).toBe('finished')
    expect(result.outputs.ok).toBe(true)
    expect(result.outputs.score).toBeGreaterThanOrEqual(0.5)
    const node = result.nodes.tune
    const report = JSON.parse(String(node?.outputs?.report)) as AttemptRecord[]
    expect(report.length).toBeLessThanOrEqual(5)
    expect(report.every((a) => a.seed === 3 && a.backend === 'emu')).toBe(true)
    const best = node?.meta?.best as AttemptRecord
    expect(best.ok).toBe(true)
    // the most artistic that scans: no scanning attempt is weaker than the one returned
    const weaker = report.filter((a) => a.ok && a.strength < best.strength)
    expect(weaker).toEqual([])
    expect(best.weight).toBeGreaterThan(0.5)
    // each attempt streamed as progress, counted against max_attempts
    const progress = events.flatMap((e) =>
      e.type === 'node.progress' && e.nodeId === 'tune' ? [e] : [],
    )
    expect(progress.map((p) => [p.step, p.total])).toEqual(report.map((_, i) => [i + 1, 5]))
    expect(progress[0]?.message).toMatch(/^attempt 1: weight [\d.]+, .* score \d\.\d\d/)
    // provenance and cost: the best seed and infotext, the GPU time of all attempts
    expect(node?.meta).toMatchObject({ seeds: [3], scan: { ok: true, expected: TEXT } })
    expect(String((node?.meta?.infotexts as string[] | undefined)?.[0])).toContain('ControlNet 0')
    expect(node?.meta?.gpuMs).toBe(report.reduce((n, a) => n + a.gpuMs, 0))
    const image = (node?.outputs?.image as ImageRef[] | undefined)?.[0]
    expect(image).toMatchObject({ width: 512, height: 512 })
  })

  it('returns the best attempt, not ok, when the budget runs out without a scan', async () => {
    const { result } = await run(
      b.engine,
      tuned({ weights: [0.2, 0.3, 0.4], guidance_ends: [1], max_attempts: 2 }),
    )
    expect(result.status).toBe('finished')
    expect(result.outputs).toMatchObject({ ok: false, score: 0 })
    const report = JSON.parse(String(result.nodes.tune?.outputs?.report)) as AttemptRecord[]
    expect(report).toHaveLength(2)
    expect(report.map((a) => a.weight)).toEqual([0.3, 0.4])
  })

  it('verifies its candidates within the pixel budget the CPU nodes share', async () => {
    const hold = await pixelBudget.acquire(new AbortController().signal, pixelBudget.limit)
    const running = run(b.engine, tuned({ weights: [1.3], guidance_ends: [1], max_attempts: 1 }))
    try {
      // the candidate is generated, then its scan queues behind the budget held here
      await vi.waitFor(() => expect(pixelBudget.waiting).toBeGreaterThan(0), { timeout: 60_000 })
    } finally {
      hold()
    }
    const { result } = await running
    expect(result.status).toBe('finished')
    expect(JSON.parse(String(result.nodes.tune?.outputs?.report))).toHaveLength(1)
  })

  it('stops starting rounds once max_gpu_seconds is spent', async () => {
    const { result } = await run(
      b.engine,
      tuned({ weights: [0.2, 0.3, 0.4, 0.5], guidance_ends: [1], max_gpu_seconds: 0.001 }),
    )
    const report = JSON.parse(String(result.nodes.tune?.outputs?.report)) as AttemptRecord[]
    expect(report).toHaveLength(1)
    expect(result.outputs.ok).toBe(false)
  })

  it('is served from cache with fixed seeds, never with seed -1', async () => {
    const doc = tuned({ weights: [1.2], guidance_ends: [1], max_attempts: 1 })
    await run(b.engine, doc)
    expect((await run(b.engine, doc)).result.nodes.tune?.status).toBe('cached')
    const random = tuned({ weights: [1.2], guidance_ends: [1], max_attempts: 1, seeds: [-1] })
    await run(b.engine, random)
    expect((await run(b.engine, random)).result.nodes.tune?.status).toBe('done')
  })

  it('spreads the candidates of a round over the healthy backends', async () => {
    const emulators = await Promise.all([
      startEmulator({ stepMs: 5 }),
      startEmulator({ stepMs: 5 }),
    ])
    const pool = createPool({ backends: backendsFromUrls(emulators.map((e) => e.url)) })
    await pool.start()
    try {
      const dir = mkdtempSync(join(tmpdir(), 'sdflow-qr-'))
      const engine = createEngine<NodeServices>({
        registry: createNodeRegistry(),
        services: { backends: pool },
        dataDir: join(dir, 'data'),
        roots: { input: dir, output: join(dir, 'out') },
      })
      const { result } = await run(
        engine,
        tuned({ weights: [0.9, 1.1, 1.3, 1.5], seeds: [1, 2], max_attempts: 4 }),
      )
      const report = JSON.parse(String(result.nodes.tune?.outputs?.report)) as AttemptRecord[]
      const first = report.filter((a) => a.round === 1)
      expect(first).toHaveLength(2)
      expect(new Set(first.map((a) => a.backend))).toEqual(new Set(['b1', 'b2']))
      expect(new Set(first.map((a) => a.seed))).toEqual(new Set([1, 2]))
    } finally {
      await pool.close()
      await Promise.all(emulators.map((e) => e.close()))
    }
  })
})

describe('QR refine chain', () => {
  it('keeps the code scannable through txt2img, a weaker img2img refine and an upscale', async () => {
    const unit = (weight: number) => ({
      type: 'sd.controlnet-unit',
      params: { model: 'control_v1p_sd15_qrcode_monster', weight, guidance_end: 0.9 },
      inputs: { image: out('qr') },
    })
    const doc = workflow(
      {
        qr: { type: 'image.qr-code', params: { text: TEXT, size: 512, light: '#808080' } },
        strong: unit(1.5),
        weak: unit(0.9),
        gen: {
          type: 'sd.txt2img',
          params: { ...gen, seed: 11 },
          inputs: { controlnet: [out('strong', 'unit')] },
        },
        refine: {
          type: 'sd.img2img',
          params: { prompt: gen.prompt, steps: 4, seed: 11, denoising_strength: 0.5 },
          inputs: { image: out('gen'), controlnet: [out('weak', 'unit')] },
        },
        up: {
          type: 'sd.upscale',
          params: { upscaler_1: 'R-ESRGAN 4x+', upscaling_resize: 2 },
          inputs: { image: out('refine') },
        },
        verify: {
          type: 'image.qr-verify',
          params: { expected: TEXT, min_score: 0.5 },
          inputs: { image: out('up') },
        },
      },
      { ok: out('verify', 'ok'), score: out('verify', 'score'), image: out('up') },
    )
    const { result } = await run(b.engine, doc)
    expect(result.status).toBe('finished')
    expect((result.outputs.image as ImageRef[])[0]).toMatchObject({ width: 1024, height: 1024 })
    expect(result.outputs.ok).toBe(true)
    expect(result.outputs.score).toBeGreaterThanOrEqual(0.5)
  })
})
