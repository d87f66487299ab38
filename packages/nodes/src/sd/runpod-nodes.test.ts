import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPool, parseConfig } from '@sdflow/a1111'
import {
  type RunningRunpodEmulator,
  startEmulator,
  startRunpodEmulator,
} from '@sdflow/a1111-emulator'
import { createEngine } from '@sdflow/engine'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeRegistry, type NodeServices } from '../index.js'
import { run, workflow } from './sd.test-support.js'

const KEY = 'rp-node-key-7'
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function endpoint(worker: 'a1111' | 'a1111-proxy', workers = 2) {
  const e = await startRunpodEmulator({ worker, apiKey: KEY, stepMs: 2, workers })
  cleanup.push(() => e.close())
  return e
}

const rp = (e: RunningRunpodEmulator, worker: string, id = 'rp') => ({
  id,
  type: 'runpod',
  worker,
  url: e.url,
  apiKey: KEY,
})

async function engineOn(backends: unknown[]) {
  const pool = createPool({
    backends: parseConfig({ backends }, 'test', {}).backends,
    probeIntervalMs: 60_000,
  })
  cleanup.push(() => pool.close())
  await pool.start()
  const dir = mkdtempSync(join(tmpdir(), 'sdflow-rpn-'))
  return createEngine<NodeServices>({
    registry: createNodeRegistry(),
    services: { backends: pool },
    dataDir: join(dir, 'data'),
    roots: { input: dir, output: join(dir, 'out') },
  })
}

const gen = (extra: Record<string, unknown> = {}) => ({
  type: 'sd.txt2img',
  params: { prompt: 'a harbour', steps: 4, width: 64, height: 64, seed: 5, ...extra },
})
const redraw = { node: 'gen', output: 'image' }

describe('workflows on RunPod backends', () => {
  it('worker a1111: txt2img runs; its names are warnings, img2img fails validation', async () => {
    const engine = await engineOn([rp(await endpoint('a1111'), 'a1111')])
    const doc = workflow({ gen: gen({ checkpoint: 'deliberate_v6' }) }, { image: redraw })
    const checked = engine.validate(doc)
    expect(checked.issues.map((i) => [i.severity, i.pointer, i.message])).toEqual([
      [
        'warning',
        '/nodes/gen/params/checkpoint',
        'checkpoint "deliberate_v6" not checked on backend rp: it has no catalog',
      ],
    ])
    const { result } = await run(engine, doc)
    expect(result.status).toBe('finished')
    expect(result.nodes.gen?.backend).toBe('rp')
    expect(result.nodes.gen?.meta?.gpuMs).toBeGreaterThan(0)
    const img = workflow({
      gen: gen(),
      again: { type: 'sd.img2img', params: { prompt: 'x', steps: 4 }, inputs: { image: redraw } },
    })
    const issues = engine.validate(img).issues.filter((i) => i.severity !== 'warning')
    expect(issues.map((i) => [i.code, i.pointer, i.message])).toEqual([
      [
        'SDF_BACKEND_NONE_AVAILABLE',
        '/nodes/again',
        'no configured backend can run img2img: rp runs txt2img',
      ],
    ])
  })

  it('worker a1111-proxy: txt2img then img2img; inpaint fails validation', async () => {
    const engine = await engineOn([rp(await endpoint('a1111-proxy'), 'a1111-proxy')])
    const doc = workflow(
      {
        gen: gen({ sampler_name: 'DPM++ 2M', scheduler: 'Karras' }),
        again: {
          type: 'sd.img2img',
          params: { prompt: 'x', steps: 4, denoising_strength: 0.5 },
          inputs: { image: redraw },
        },
      },
      { image: { node: 'again', output: 'image' } },
    )
    expect(engine.validate(doc).issues).toEqual([])
    const { result } = await run(engine, doc)
    expect(result.issues).toEqual([])
    expect(result.status).toBe('finished')
    expect(result.nodes.again?.backend).toBe('rp')
    const inpaint = workflow({
      gen: gen(),
      mask: { type: 'image.mask-shape', params: { width: 64, height: 64 } },
      fix: {
        type: 'sd.inpaint',
        params: { prompt: 'x', steps: 4 },
        inputs: { image: redraw, mask: { node: 'mask', output: 'mask' } },
      },
    })
    const issues = engine
      .validate(inpaint)
      .issues.filter((i) => i.code === 'SDF_BACKEND_NONE_AVAILABLE')
    expect(issues.map((i) => i.pointer)).toEqual(['/nodes/fix'])
  })

  it('a mixed pool: txt2img spreads over both kinds, img2img only where it can run', async () => {
    const box = await startEmulator({ stepMs: 2 })
    cleanup.push(() => box.close())
    const engine = await engineOn([
      rp(await endpoint('a1111', 4), 'a1111'),
      { id: 'box', url: box.url },
    ])
    const nodes: Record<string, unknown> = {}
    for (let i = 0; i < 6; i++) nodes[`g${i}`] = gen({ seed: i })
    nodes.again = {
      type: 'sd.img2img',
      params: { prompt: 'x', steps: 4 },
      inputs: { image: { node: 'g0', output: 'image' } },
    }
    const outputs = Object.fromEntries(
      Object.keys(nodes).map((id) => [id, { node: id, output: 'image' }]),
    )
    const { result } = await run(engine, workflow(nodes, outputs))
    expect(result.status).toBe('finished')
    const used = Object.keys(nodes)
      .filter((id) => id !== 'again')
      .map((id) => result.nodes[id]?.backend)
    expect(new Set(used)).toEqual(new Set(['rp', 'box']))
    expect(result.nodes.again?.backend).toBe('box')
  })

  it('sd.qr-illusion with an init picture is img2img: it runs only where img2img can', async () => {
    const box = await startEmulator({ stepMs: 2 })
    cleanup.push(() => box.close())
    const endpointOnly = await endpoint('a1111', 4)
    const illusion = (init: boolean) =>
      workflow(
        {
          qr: { type: 'image.qr-code', params: { text: 'https://example.com/rp', size: 256 } },
          tune: {
            type: 'sd.qr-illusion',
            params: {
              prompt: 'a harbour',
              steps: 4,
              width: 256,
              height: 256,
              seeds: [1, 2, 3, 4],
              weights: [1.3],
              guidance_ends: [1],
              max_attempts: 4,
              parallel: 4,
              plain_score: 2,
              min_score: 1,
            },
            inputs: init
              ? { control: { node: 'qr', output: 'image' }, init: { node: 'qr', output: 'image' } }
              : { control: { node: 'qr', output: 'image' } },
          },
        },
        { report: { node: 'tune', output: 'report' } },
      )

    const alone = await engineOn([rp(endpointOnly, 'a1111')])
    const refused = alone.validate(illusion(true)).issues.filter((i) => i.severity === 'error')
    expect(refused.map((i) => [i.code, i.pointer, i.message])).toEqual([
      [
        'SDF_BACKEND_NONE_AVAILABLE',
        '/nodes/tune',
        'no configured backend can run img2img: rp runs txt2img',
      ],
    ])
    const plain = alone.validate(illusion(false)).issues.filter((i) => i.severity === 'error')
    expect(plain).toEqual([])

    const mixed = await engineOn([rp(endpointOnly, 'a1111'), { id: 'box', url: box.url }])
    const { result } = await run(mixed, illusion(true))
    expect(result.status).toBe('finished')
    const report = JSON.parse(String(result.outputs.report)) as { backend: string }[]
    expect(report.length).toBe(4)
    expect(new Set(report.map((a) => a.backend))).toEqual(new Set(['box']))
    expect(endpointOnly.stats().requests['POST /run'] ?? 0).toBe(0)
  })
})
