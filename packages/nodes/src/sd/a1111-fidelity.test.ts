import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine } from '@sdflow/engine'
import type { Issue } from '@sdflow/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeRegistry, type NodeServices } from '../index.js'
import { type Backend, backend, run, workflow } from './sd.test-support.js'

let b: Backend
beforeAll(async () => {
  b = await backend()
})
afterAll(() => b.close())

const out = (node: string, output = 'image') => ({ node, output })
const qr = { type: 'image.qr-code', params: { text: 'https://example.com', size: 128 } }
const issuesOf = (nodes: Record<string, unknown>): Issue[] =>
  b.engine.validate(workflow(nodes, { image: out(Object.keys(nodes).at(-1) ?? '') })).issues
const brief = (issues: Issue[]) => issues.map((i) => [i.severity, i.code, i.pointer])
const gen = (params: Record<string, unknown>) => ({
  gen: { type: 'sd.txt2img', params: { prompt: 'a fox', steps: 2, ...params } },
})
const unit = (params: Record<string, unknown>) => ({
  qr,
  cn: { type: 'sd.controlnet-unit', params, inputs: { image: out('qr') } },
  gen: {
    type: 'sd.txt2img',
    params: { prompt: 'x', steps: 2, width: 64, height: 64 },
    inputs: { controlnet: [out('cn', 'unit')] },
  },
})

describe('params.extra is bounded by the one request schema (issue 12 item 5)', () => {
  it('extra batch_size 1e9, width/height 100000, steps 1e8, n_iter 1e5, hr_scale 1000 are refused', () => {
    const found = brief(
      issuesOf(
        gen({
          extra: { batch_size: 1e9, width: 100000, height: 100000, steps: 1e8, n_iter: 1e5 },
        }),
      ),
    )
    expect(found).toEqual(
      expect.arrayContaining([
        ['error', 'SDF_PARAM_OUT_OF_RANGE', '/nodes/gen/params/extra/steps'],
        ['error', 'SDF_PARAM_OUT_OF_RANGE', '/nodes/gen/params/extra/n_iter'],
      ]),
    )
    const pixels = brief(
      issuesOf(gen({ extra: { batch_size: 1e9, width: 100000, height: 100000 } })),
    )
    expect(pixels).toContainEqual([
      'error',
      'SDF_PARAM_OUT_OF_RANGE',
      '/nodes/gen/params/extra/width',
    ])
    const hires = brief(issuesOf(gen({ enable_hr: true, extra: { hr_scale: 1000 } })))
    expect(hires).toContainEqual([
      'error',
      'SDF_PARAM_OUT_OF_RANGE',
      '/nodes/gen/params/extra/hr_scale',
    ])
  })

  it('the same bounds hold for typed params and extra: steps 1001 fails both ways', () => {
    expect(brief(issuesOf(gen({ steps: 1001 })))).toContainEqual([
      'error',
      'SDF_PARAM_OUT_OF_RANGE',
      '/nodes/gen/params/steps',
    ])
    expect(brief(issuesOf(gen({ extra: { steps: 1001 } })))).toContainEqual([
      'error',
      'SDF_PARAM_OUT_OF_RANGE',
      '/nodes/gen/params/extra/steps',
    ])
  })

  it('the client checks the request as sent against the pixel limit of the store it fills', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdflow-px-'))
    const small = createEngine<NodeServices>({
      registry: createNodeRegistry(),
      services: { backends: b.pool },
      dataDir: join(dir, 'data'),
      roots: { input: dir, output: join(dir, 'out') },
      maxPixels: 64 * 64,
    })
    const doc = workflow(gen({ width: 64, height: 64, batch_size: 2, seed: 1 }), {
      image: out('gen'),
    })
    const { result } = await run(small, doc)
    expect(result.status).toBe('failed')
    expect(result.nodes.gen?.issue?.code).toBe('SDF_PARAM_OUT_OF_RANGE')
    expect(result.nodes.gen?.issue?.message).toMatch(/pixel limit 4096/)
  })
})

describe("A1111's bounds, not sdflow's own (issue 11 item 11)", () => {
  it('batch_size 20, n_iter 100, steps 200 and cfg_scale 0 validate as A1111 accepts them', () => {
    const found = issuesOf(gen({ batch_size: 20, n_iter: 100, steps: 200, cfg_scale: 0 }))
    expect(found.filter((i) => i.severity === 'error')).toEqual([])
  })

  it('n_iter 101 (over A1111 batch count) and a batch over the pixel limit are refused', () => {
    expect(brief(issuesOf(gen({ n_iter: 101 })))).toContainEqual([
      'error',
      'SDF_PARAM_OUT_OF_RANGE',
      '/nodes/gen/params/n_iter',
    ])
    const big = issuesOf(gen({ width: 4096, height: 4096, batch_size: 5 }))
    expect(brief(big)).toContainEqual([
      'error',
      'SDF_PARAM_OUT_OF_RANGE',
      '/nodes/gen/params/width',
    ])
    expect(big.find((i) => i.code === 'SDF_PARAM_OUT_OF_RANGE')?.message).toMatch(/pixel limit/)
  })
})

describe('typos and unknown keys (issue 11 item 10)', () => {
  it('inpainting_mask_inverse gets a did-you-mean inpainting_mask_invert', () => {
    const found = issuesOf({
      img: { type: 'image.pattern', params: { width: 64, height: 64 } },
      mask: { type: 'mask.shape', params: { width: 64, height: 64 } },
      fix: {
        type: 'sd.inpaint',
        params: { prompt: 'x', inpainting_mask_inverse: 1 },
        inputs: { image: out('img'), mask: out('mask', 'mask') },
      },
    }).find((i) => i.code === 'SDF_PARAM_UNKNOWN')
    expect(found?.pointer).toBe('/nodes/fix/params/inpainting_mask_inverse')
    expect(found?.message).toContain('did you mean "inpainting_mask_invert"')
  })

  it('a top-level controlnet_args in extra is an error naming sd.controlnet-unit, never sent', () => {
    const found = issuesOf(gen({ extra: { controlnet_args: [{ module: 'canny' }] } }))
    const hit = found.find((i) => i.pointer === '/nodes/gen/params/extra/controlnet_args')
    expect(hit?.code).toBe('SDF_PARAM_UNKNOWN')
    expect(hit?.severity).toBe('error')
    expect(hit?.message).toContain('sd.controlnet-unit')
  })

  it('any non-A1111 key in extra is an error with the closest field', () => {
    const hit = issuesOf(gen({ extra: { negative_promt: 'ugly' } })).find(
      (i) => i.code === 'SDF_PARAM_UNKNOWN',
    )
    expect(hit?.pointer).toBe('/nodes/gen/params/extra/negative_promt')
    expect(hit?.message).toContain('"negative_prompt"')
  })

  it('"module": null in a ControlNet unit means none', async () => {
    const nodes = unit({ model: 'control_v1p_sd15_qrcode_monster', module: null })
    expect(issuesOf(nodes).filter((i) => i.severity === 'error')).toEqual([])
    const { result } = await run(b.engine, workflow(nodes, { image: out('gen') }))
    expect(result.status).toBe('finished')
    expect(String(result.nodes.gen?.meta?.infotexts)).toContain('Module: none')
  })
})

describe('ControlNet module labels and families (issue 11 items 6, 7)', () => {
  it.each([
    ['softedge_hed', 'hed', 'control_v11p_sd15_softedge'],
    ['scribble_pidinet', 'pidinet_scribble', 'control_v11p_sd15_scribble'],
    ['depth_midas', 'depth', 'control_v11f1p_sd15_depth'],
    ['inpaint_global_harmonious', 'inpaint', 'control_v11p_sd15_inpaint'],
    ['lineart_realistic', 'lineart', 'control_v11p_sd15_lineart'],
    ['invert (from white bg & black line)', 'invert', 'control_v11p_sd15_canny'],
  ])('label %s is accepted and sent as %s with an info', (label, name, model) => {
    const found = issuesOf(unit({ model, module: label }))
    expect(found.filter((i) => i.severity !== 'info')).toEqual([])
    const info = found.find((i) => i.code === 'SDF_PARAM_NORMALIZED')
    expect(info?.pointer).toBe('/nodes/cn/params/module')
    expect(info?.message).toContain(`"${name}"`)
  })

  it('the unit sends the module name, and the run finishes', async () => {
    const nodes = unit({ model: 'control_v11p_sd15_softedge', module: 'softedge_hed' })
    const { result } = await run(b.engine, workflow(nodes, { image: out('gen') }))
    expect(result.status).toBe('finished')
    expect(String(result.nodes.gen?.meta?.infotexts)).toContain('Module: hed')
  })

  it('a canny model with openpose, QR Monster with depth: SDF_CONTROLNET_MODULE_MISMATCH warning', () => {
    for (const [model, module] of [
      ['control_v11p_sd15_canny', 'openpose'],
      ['control_v1p_sd15_qrcode_monster', 'depth_midas'],
    ] as const) {
      const found = issuesOf(unit({ model, module }))
      expect(brief(found)).toContainEqual([
        'warning',
        'SDF_CONTROLNET_MODULE_MISMATCH',
        '/nodes/cn/params/module',
      ])
    }
    const fits = issuesOf(unit({ model: 'control_v11p_sd15_canny', module: 'canny' }))
    expect(fits.map((i) => i.code)).not.toContain('SDF_CONTROLNET_MODULE_MISMATCH')
  })
})

describe('sampler suffixes (issue 11 item 8)', () => {
  it('LMS Karras is sent as sampler LMS with scheduler Karras, with an info', async () => {
    const nodes = gen({ sampler_name: 'LMS Karras', width: 64, height: 64, seed: 3 })
    const found = issuesOf(nodes)
    expect(brief(found)).toEqual([
      ['info', 'SDF_PARAM_NORMALIZED', '/nodes/gen/params/sampler_name'],
    ])
    const { result } = await run(b.engine, workflow(nodes, { image: out('gen') }))
    expect(result.status).toBe('finished')
    const text = String(result.nodes.gen?.meta?.infotexts)
    expect(text).toContain('Sampler: LMS')
    expect(text).toContain('Schedule type: Karras')
  })

  it('an explicit scheduler is kept as the user set it', () => {
    const found = issuesOf(gen({ sampler_name: 'Euler', scheduler: 'Karras' }))
    expect(found.map((i) => i.code)).not.toContain('SDF_PARAM_NORMALIZED')
  })
})

describe('upscalers (issue 11 item 9)', () => {
  it.each(['Latent', 'Latent (bicubic)'])(
    'sd.upscale refuses the latent mode %s, pointing at hires fix',
    (name) => {
      const found = issuesOf({
        img: { type: 'image.pattern', params: { width: 64, height: 64 } },
        up: { type: 'sd.upscale', params: { upscaler_1: name }, inputs: { image: out('img') } },
      })
      const hit = found.find((i) => i.pointer === '/nodes/up/params/upscaler_1')
      expect(hit?.code).toBe('SDF_CATALOG_UNKNOWN_NAME')
      expect(hit?.message).toContain('enable_hr')
    },
  )
})

describe('inpainting at a size that is not a multiple of 8 (issue 11 item 2)', () => {
  const nodes = (params: Record<string, unknown>) => ({
    img: { type: 'image.pattern', params: { width: 1028, height: 1028 } },
    mask: { type: 'mask.shape', params: { width: 1028, height: 1028 } },
    fix: {
      type: 'sd.inpaint',
      params: { prompt: 'x', steps: 1, ...params },
      inputs: { image: out('img'), mask: out('mask', 'mask') },
    },
  })

  it('1028x1028 with inpaint_full_res false is an error naming the fix', () => {
    const found = issuesOf(nodes({ width: 1028, height: 1028, inpaint_full_res: false }))
    const hit = found.find((i) => i.pointer === '/nodes/fix/params/width')
    expect(hit?.severity).toBe('error')
    expect(hit?.message).toContain('images do not match')
    expect(hit?.message).toContain('inpaint_full_res: true')
    const masked = issuesOf(nodes({ width: 1028, height: 1028, inpaint_full_res: true }))
    expect(masked.find((i) => i.pointer === '/nodes/fix/params/width')?.severity).toBe('warning')
  })

  it('the size taken from a 1028 px input fails before any request, with the fix', async () => {
    const { result } = await run(
      b.engine,
      workflow(nodes({ inpaint_full_res: false }), { image: out('fix') }),
    )
    expect(result.status).toBe('failed')
    const failure = result.nodes.fix?.issue
    expect(failure?.code).toBe('SDF_PARAM_SIZE_NOT_MULTIPLE_OF_8')
    expect(failure?.message).toContain('inpaint_full_res: true')
  })
})

describe('abort listeners (issue 11 item 14)', () => {
  it('12 backend nodes in flight on one slot add no MaxListenersExceededWarning', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`)
    process.on('warning', onWarning)
    try {
      const nodes = Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [
          `g${i}`,
          {
            type: 'sd.txt2img',
            params: { prompt: `p${i}`, steps: 2, width: 64, height: 64, seed: i },
          },
        ]),
      )
      const outputs = Object.fromEntries(Object.keys(nodes).map((id) => [id, out(id)]))
      const { result } = await run(b.engine, workflow(nodes, outputs))
      expect(result.status).toBe('finished')
      // warnings are emitted on the next tick
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([])
  })
})

describe('sd.qr-illusion with an init image (issue 11 item 13)', () => {
  it("runs the guide's img2img QR Monster call, tuning denoising with the control, and the picture scans", async () => {
    const text = 'https://example.com/illusion'
    const before = b.emulator.stats()
    const doc = workflow(
      {
        qr: { type: 'image.qr-code', params: { text, size: 512 } },
        photo: { type: 'image.pattern', params: { width: 512, height: 512 } },
        tune: {
          type: 'sd.qr-illusion',
          params: { prompt: 'a harbour town', steps: 4, expected: text, seeds: [3] },
          inputs: { control: out('qr'), init: out('photo') },
        },
      },
      { image: out('tune'), ok: out('tune', 'ok') },
    )
    const { result } = await run(b.engine, doc)
    expect(result.status).toBe('finished')
    expect(result.outputs.ok).toBe(true)
    const report = JSON.parse(String(result.nodes.tune?.outputs?.report)) as {
      denoising?: number
      strength: number
    }[]
    expect(report.length).toBeGreaterThan(0)
    for (const r of report) expect(r.denoising).toBeGreaterThanOrEqual(0.6)
    const after = b.emulator.stats()
    const count = (s: typeof before, path: string) => s.requests?.[path] ?? 0
    expect(count(after, '/sdapi/v1/img2img') - count(before, '/sdapi/v1/img2img')).toBe(
      report.length,
    )
    expect(count(after, '/sdapi/v1/txt2img')).toBe(count(before, '/sdapi/v1/txt2img'))
  })
})

describe('sd.qr-illusion checks its request as sd.txt2img does', () => {
  const tune = (params: Record<string, unknown>) => ({
    qr,
    tune: {
      type: 'sd.qr-illusion',
      params: { prompt: 'a town', steps: 2, seeds: [1], ...params },
      inputs: { control: out('qr') },
    },
  })

  it('extra steps 1e8 and n_iter 1e5 are refused at params/extra', () => {
    const found = brief(issuesOf(tune({ extra: { steps: 1e8, n_iter: 1e5 } })))
    expect(found).toEqual(
      expect.arrayContaining([
        ['error', 'SDF_PARAM_OUT_OF_RANGE', '/nodes/tune/params/extra/steps'],
        ['error', 'SDF_PARAM_OUT_OF_RANGE', '/nodes/tune/params/extra/n_iter'],
      ]),
    )
  })

  it('a candidate over the pixel limit is refused before any request', () => {
    const found = brief(issuesOf(tune({ extra: { width: 100000, height: 100000 } })))
    expect(found).toContainEqual([
      'error',
      'SDF_PARAM_OUT_OF_RANGE',
      '/nodes/tune/params/extra/width',
    ])
  })

  it('a top-level controlnet_args in extra is an error, never sent', () => {
    const found = issuesOf(tune({ extra: { controlnet_args: [{ module: 'canny' }] } }))
    const hit = found.find((i) => i.pointer === '/nodes/tune/params/extra/controlnet_args')
    expect(hit?.severity).toBe('error')
    expect(hit?.message).toContain('sd.controlnet-unit')
  })

  it('LMS Karras gets the scheduler split info, and the defaults validate clean', () => {
    expect(brief(issuesOf(tune({ sampler_name: 'LMS Karras' })))).toContainEqual([
      'info',
      'SDF_PARAM_NORMALIZED',
      '/nodes/tune/params/sampler_name',
    ])
    expect(issuesOf(tune({})).filter((i) => i.severity !== 'info')).toEqual([])
  })
})

describe('defaults that differ from the A1111 API say so (issue 11 item 12)', () => {
  const param = (type: string, name: string) => {
    const params = createNodeRegistry().get(type)?.definition.params as
      | { properties: Record<string, { default?: unknown; description?: string }> }
      | undefined
    return params?.properties[name]
  }

  it("hires denoising_strength 0.7 names A1111's UI default; img2img width/height 0 name 512", () => {
    expect(param('sd.txt2img', 'denoising_strength')).toMatchObject({ default: 0.7 })
    expect(param('sd.txt2img', 'denoising_strength')?.description).toContain("A1111's UI default")
    for (const type of ['sd.img2img', 'sd.inpaint']) {
      for (const side of ['width', 'height']) {
        expect(param(type, side)).toMatchObject({ default: 0 })
        expect(param(type, side)?.description).toContain('512')
      }
    }
  })
})
