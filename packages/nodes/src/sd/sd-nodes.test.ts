import { createEngine, createRegistry } from '@sdflow/engine'
import type { ImageRef } from '@sdflow/protocol'
import jsQR from 'jsqr'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sdNodes } from '../sd-nodes.js'
import { type Backend, backend, run, workflow } from './sd.test-support.js'

let b: Backend
beforeAll(async () => {
  b = await backend()
})
afterAll(() => b.close())

const out = (node: string, output = 'image') => ({ node, output })
const images = (
  result: { nodes: Record<string, { outputs?: Record<string, unknown> }> },
  id: string,
) => (result.nodes[id]?.outputs?.image ?? []) as ImageRef[]

async function decodes(ref: ImageRef): Promise<string | undefined> {
  const bytes = await b.engine.artifacts.read(ref)
  const { data, info } = await sharp(bytes)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return jsQR.default(
    new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
    info.width,
    info.height,
  )?.data
}

describe('sd.txt2img', () => {
  it('generates the batch with resolved seeds, streaming progress', async () => {
    const doc = workflow(
      {
        gen: {
          type: 'sd.txt2img',
          params: { prompt: 'a fox', steps: 40, width: 256, height: 192, batch_size: 2, seed: 40 },
        },
      },
      { image: out('gen') },
    )
    // 40 steps of 25 ms: a second of sampling, several progress polls whatever the load
    const slow = await backend({ stepMs: 25 })
    const { result, events } = await run(slow.engine, doc).finally(() => slow.close())
    expect(result.status).toBe('finished')
    const refs = images(result, 'gen')
    expect(refs.map((r) => [r.width, r.height])).toEqual([
      [256, 192],
      [256, 192],
    ])
    expect(result.nodes.gen?.outputs?.seeds).toBe(40)
    expect(result.nodes.gen?.backend).toBe('emu')
    const meta = result.nodes.gen?.meta ?? {}
    expect(meta.seeds).toEqual([40, 41])
    expect(meta.infotexts).toHaveLength(2)
    expect(String(meta.checkpoint)).toMatch(/\[[0-9a-f]{10}\]$/)
    expect(meta.gpuMs).toBeGreaterThan(0)
    expect(meta.attempts).toBe(1)
    const steps = events.flatMap((e) => (e.type === 'node.progress' ? [e.step] : []))
    expect(steps.length).toBeGreaterThan(0)
    expect(steps).toEqual([...steps].sort((x, y) => x - y))
  })

  it('never serves seed -1 from cache, always serves a fixed seed', async () => {
    const random = workflow(
      { gen: { type: 'sd.txt2img', params: { prompt: 'a', steps: 2, width: 64, height: 64 } } },
      { image: out('gen') },
    )
    const first = await run(b.engine, random)
    const second = await run(b.engine, random)
    expect(second.result.nodes.gen?.status).toBe('done')
    expect(second.result.nodes.gen?.outputs?.seeds).not.toBe(first.result.nodes.gen?.outputs?.seeds)
    const fixed = workflow(
      {
        gen: {
          type: 'sd.txt2img',
          params: { prompt: 'a', steps: 2, width: 64, height: 64, seed: 5 },
        },
      },
      { image: out('gen') },
    )
    await run(b.engine, fixed)
    expect((await run(b.engine, fixed)).result.nodes.gen?.status).toBe('cached')
  })

  it('runs hires fix at hr_scale', async () => {
    const doc = workflow(
      {
        gen: {
          type: 'sd.txt2img',
          params: {
            prompt: 'a',
            steps: 2,
            width: 128,
            height: 128,
            seed: 1,
            enable_hr: true,
            hr_scale: 2,
            hr_upscaler: 'Latent',
          },
        },
      },
      { image: out('gen') },
    )
    const { result } = await run(b.engine, doc)
    expect(images(result, 'gen')[0]).toMatchObject({ width: 256, height: 256 })
  })

  it('hides a QR code at a strong ControlNet weight, not at a weak one', async () => {
    const chain = (weight: number) =>
      workflow(
        {
          qr: { type: 'image.qr-code', params: { text: 'https://example.com/sdflow', size: 512 } },
          cn: {
            type: 'sd.controlnet-unit',
            params: { model: 'control_v1p_sd15_qrcode_monster', weight },
            inputs: { image: out('qr') },
          },
          gen: {
            type: 'sd.txt2img',
            params: { prompt: 'a harbour town at dusk', steps: 4, seed: 3 },
            inputs: { controlnet: [out('cn', 'unit')] },
          },
        },
        { image: out('gen') },
      )
    const strong = await run(b.engine, chain(1.4))
    expect(strong.result.status).toBe('finished')
    const [picture] = images(strong.result, 'gen')
    expect(picture && (await decodes(picture))).toBe('https://example.com/sdflow')
    const weak = await run(b.engine, chain(0.3))
    const [faded] = images(weak.result, 'gen')
    expect(faded && (await decodes(faded))).toBeUndefined()
  })

  it('refuses an unknown sampler before any GPU time, naming the closest', () => {
    const doc = workflow(
      { gen: { type: 'sd.txt2img', params: { sampler_name: 'Euler A', width: 500 } } },
      { image: out('gen') },
    )
    const { issues } = b.engine.validate(doc)
    expect(issues.map((i) => [i.code, i.pointer, i.severity])).toEqual([
      ['SDF_PARAM_SIZE_NOT_MULTIPLE_OF_8', '/nodes/gen/params/width', 'warning'],
      ['SDF_CATALOG_UNKNOWN_NAME', '/nodes/gen/params/sampler_name', 'error'],
    ])
    expect(issues[0]?.message).toContain('A1111 returns 496 px')
    expect(issues[1]?.message).toContain('"Euler a"')
  })

  it('checks checkpoint, upscaler, ControlNet model and module and backend ids', () => {
    const doc = workflow(
      {
        qr: { type: 'image.qr-code', params: { text: 'x' } },
        cn: {
          type: 'sd.controlnet-unit',
          params: { model: 'control_nope', module: 'cany' },
          inputs: { image: out('qr') },
        },
        gen: {
          type: 'sd.txt2img',
          params: {
            checkpoint: 'nope.safetensors',
            enable_hr: true,
            hr_upscaler: 'R-ESRGAN 9x',
            backend: 'gpu9',
          },
          inputs: { controlnet: [out('cn', 'unit')] },
        },
      },
      { image: out('gen') },
    )
    const found = b.engine.validate(doc).issues.map((i) => i.pointer)
    expect(found).toEqual([
      '/nodes/cn/params/model',
      '/nodes/cn/params/module',
      '/nodes/gen/params/backend',
      '/nodes/gen/params/checkpoint',
      '/nodes/gen/params/hr_upscaler',
    ])
  })

  it('sends the checkpoint per job and the extra fields last', async () => {
    const doc = workflow(
      {
        gen: {
          type: 'sd.txt2img',
          params: {
            prompt: 'a',
            steps: 2,
            width: 64,
            height: 64,
            seed: 11,
            checkpoint: 'dreamshaper_8',
            extra: { cfg_scale: 3 },
          },
        },
      },
      { image: out('gen') },
    )
    const { result } = await run(b.engine, doc)
    const [ref] = images(result, 'gen')
    const png = await sharp(await b.engine.artifacts.read(ref as ImageRef)).metadata()
    const text = JSON.stringify(png.comments ?? [])
    expect(text).toContain('dreamshaper_8')
    expect(text).toContain('CFG scale: 3.0')
  })

  it('cancels on the backend: the request is aborted and interrupt sent', async () => {
    const slow = await backend({ stepMs: 50 })
    try {
      const controller = new AbortController()
      const doc = workflow(
        { gen: { type: 'sd.txt2img', params: { prompt: 'a', steps: 100, width: 64, height: 64 } } },
        { image: out('gen') },
      )
      const events: string[] = []
      const result = await slow.engine.run(doc, {
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e.type)
          if (e.type === 'node.progress') controller.abort()
        },
      })
      expect(result.status).toBe('cancelled')
      expect(slow.emulator.stats().requests['/sdapi/v1/interrupt']).toBeGreaterThanOrEqual(1)
    } finally {
      await slow.close()
    }
  })
})

describe('sd.img2img and sd.inpaint', () => {
  it('redraws at the input size by default', async () => {
    const doc = workflow(
      {
        gen: {
          type: 'sd.txt2img',
          params: { prompt: 'a', steps: 2, width: 192, height: 128, seed: 2 },
        },
        refine: {
          type: 'sd.img2img',
          params: { prompt: 'b', steps: 4, seed: 2, denoising_strength: 0.4 },
          inputs: { image: out('gen') },
        },
      },
      { image: out('refine') },
    )
    const { result } = await run(b.engine, doc)
    expect(images(result, 'refine')[0]).toMatchObject({ width: 192, height: 128 })
  })

  it('changes only the masked area', async () => {
    const doc = workflow(
      {
        gen: {
          type: 'sd.txt2img',
          params: { prompt: 'a room', steps: 2, width: 128, height: 128, seed: 9 },
        },
        mask: {
          type: 'mask.shape',
          params: { x: 0, y: 0, w: 64, h: 128, width: 128, height: 128 },
        },
        fix: {
          type: 'sd.inpaint',
          params: { prompt: 'a window', steps: 4, seed: 4, denoising_strength: 1, mask_blur: 0 },
          inputs: { image: out('gen'), mask: out('mask', 'mask') },
        },
      },
      { image: out('fix') },
    )
    const { result } = await run(b.engine, doc)
    expect(result.status).toBe('finished')
    const raw = async (ref: ImageRef | undefined) =>
      sharp(await b.engine.artifacts.read(ref as ImageRef))
        .removeAlpha()
        .raw()
        .toBuffer()
    const before = await raw(images(result, 'gen')[0])
    const after = await raw(images(result, 'fix')[0])
    const diff = (x0: number, x1: number) => {
      let sum = 0
      for (let y = 0; y < 128; y++) {
        for (let x = x0; x < x1; x++) {
          for (let c = 0; c < 3; c++)
            sum += Math.abs(
              (before[(y * 128 + x) * 3 + c] ?? 0) - (after[(y * 128 + x) * 3 + c] ?? 0),
            )
        }
      }
      return sum / ((x1 - x0) * 128 * 3)
    }
    expect(diff(0, 60)).toBeGreaterThan(5)
    expect(diff(68, 128)).toBeLessThan(1)
  })
})

describe('sd.upscale and sd.controlnet-detect', () => {
  it('upscales by a factor, and to a width keeping the aspect', async () => {
    const doc = workflow(
      {
        gen: {
          type: 'sd.txt2img',
          params: { prompt: 'a', steps: 2, width: 128, height: 64, seed: 2 },
        },
        twice: {
          type: 'sd.upscale',
          params: { upscaler_1: 'Lanczos', upscaling_resize: 2 },
          inputs: { image: out('gen') },
        },
        wide: {
          type: 'sd.upscale',
          params: { upscaler_1: 'R-ESRGAN 4x+', upscaling_resize_w: 512 },
          inputs: { image: out('gen') },
        },
      },
      { a: out('twice'), b: out('wide') },
    )
    const { result } = await run(b.engine, doc)
    expect(images(result, 'twice')[0]).toMatchObject({ width: 256, height: 128 })
    expect(images(result, 'wide')[0]).toMatchObject({ width: 512, height: 256 })
  })

  it('returns one detected map per image', async () => {
    const doc = workflow(
      {
        gen: {
          type: 'sd.txt2img',
          params: { prompt: 'a', steps: 2, width: 128, height: 128, seed: 2 },
        },
        edges: {
          type: 'sd.controlnet-detect',
          params: { module: 'canny' },
          inputs: { image: out('gen') },
        },
      },
      { edges: out('edges') },
    )
    const { result } = await run(b.engine, doc)
    expect(images(result, 'edges')).toHaveLength(1)
  })
})

describe('without a backend', () => {
  it('fails a backend node with a clear message and keeps what ran', async () => {
    const engine = createEngine({
      registry: createRegistry([...sdNodes]),
      services: {},
      dataDir: b.engine.dataDir,
    })
    const doc = workflow(
      { gen: { type: 'sd.txt2img', params: { prompt: 'a' } } },
      { image: out('gen') },
    )
    const result = await engine.run(doc)
    expect(result.issues[0]).toMatchObject({
      code: 'SDF_BACKEND_NONE_AVAILABLE',
      pointer: '/nodes/gen',
    })
    expect(result.issues[0]?.message).toContain('--backend URL')
  })
})
