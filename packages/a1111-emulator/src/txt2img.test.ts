import { describe, expect, it } from 'vitest'
import { readPngText } from './png-text.js'
import { type GenResponse, get, pngSize, post, useEmulator } from './test-support/http.js'

const emu = useEmulator()

const INFO_KEYS = [
  'prompt',
  'all_prompts',
  'negative_prompt',
  'all_negative_prompts',
  'seed',
  'all_seeds',
  'subseed',
  'all_subseeds',
  'subseed_strength',
  'width',
  'height',
  'sampler_name',
  'cfg_scale',
  'steps',
  'batch_size',
  'restore_faces',
  'face_restoration_model',
  'sd_model_name',
  'sd_model_hash',
  'sd_vae_name',
  'sd_vae_hash',
  'seed_resize_from_w',
  'seed_resize_from_h',
  'denoising_strength',
  'extra_generation_params',
  'index_of_first_image',
  'infotexts',
  'styles',
  'job_timestamp',
  'clip_skip',
  'is_using_inpainting_conditioning',
  'version',
]

describe('txt2img', () => {
  it('answers images, the echoed request and info as a JSON string with A1111 defaults', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', { prompt: 'a red fox', steps: 3 })
    expect(r.status).toBe(200)
    expect(r.body.images).toHaveLength(1)
    expect(r.body.parameters.seed).toBe(-1)
    expect(r.body.parameters.sampler_index).toBe('Euler')
    expect(r.body.parameters.sampler_name).toBeNull()
    expect(r.body.parameters.denoising_strength).toBeNull()
    expect(typeof r.body.info).toBe('string')
    expect(r.body.info).toContain('"cfg_scale": 7.0')
    const info = JSON.parse(r.body.info)
    expect(Object.keys(info)).toEqual(INFO_KEYS)
    expect(info.sampler_name).toBe('Euler')
    expect(info.seed).toBeGreaterThanOrEqual(0)
    expect(info.seed).toBeLessThan(4294967294)
    expect(info.sd_model_name).toBe('v1-5-pruned-emaonly')
    expect(info.sd_model_hash).toBe('6ce0161689')
    expect(info.extra_generation_params).toEqual({ 'Schedule type': 'Automatic' })
    expect(r.body.images[0]).not.toMatch(/^data:/)
  })

  it('defaults to 50 steps', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', { prompt: 'x' })
    expect(JSON.parse(r.body.info).steps).toBe(50)
  })

  it('numbers all_seeds iteration-major over batch_size × n_iter', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      prompt: 'fox',
      seed: 100,
      batch_size: 2,
      n_iter: 2,
      steps: 2,
    })
    const info = JSON.parse(r.body.info)
    expect(info.all_seeds).toEqual([100, 101, 102, 103])
    expect(info.all_subseeds[1] - info.all_subseeds[0]).toBe(1)
    expect(r.body.images).toHaveLength(4)
    expect(info.infotexts).toHaveLength(4)
    expect(info.infotexts[3]).toContain('Seed: 103')
  })

  it('keeps one seed for all images when subseed_strength > 0', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      prompt: 'fox',
      seed: 5,
      subseed: 9,
      subseed_strength: 0.5,
      batch_size: 2,
      steps: 2,
    })
    const info = JSON.parse(r.body.info)
    expect(info.all_seeds).toEqual([5, 5])
    expect(info.all_subseeds).toEqual([9, 10])
    expect(info.infotexts[1]).toContain('Variation seed: 10, Variation seed strength: 0.5')
  })

  it('floors the PNG to multiples of 8 while info keeps the requested size', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      prompt: 'x',
      width: 500,
      height: 301,
      steps: 2,
    })
    expect(await pngSize(r.body.images[0] ?? '')).toEqual([496, 296])
    const info = JSON.parse(r.body.info)
    expect([info.width, info.height]).toEqual([500, 301])
    expect(info.infotexts[0]).toContain('Size: 500x301')
  })

  it('is deterministic for prompt and seed', async () => {
    const body = { prompt: 'a lighthouse', seed: 1234, steps: 2, width: 64, height: 64 }
    const a = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', body)
    const b = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', body)
    const c = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', { ...body, seed: 1235 })
    expect(a.body.images[0]).toBe(b.body.images[0])
    expect(a.body.images[0]).not.toBe(c.body.images[0])
  })

  it('writes the infotext into a parameters tEXt chunk', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      prompt: 'a red fox',
      negative_prompt: 'blurry',
      steps: 20,
      seed: 1234,
      sampler_name: 'DPM++ 2M',
      width: 512,
      height: 768,
    })
    const text = readPngText(Buffer.from(r.body.images[0] ?? '', 'base64'))
    expect(text.parameters).toBe(
      'a red fox\nNegative prompt: blurry\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, ' +
        'CFG scale: 7.0, Seed: 1234, Size: 512x768, Model hash: 6ce0161689, ' +
        'Model: v1-5-pruned-emaonly, Version: v1.10.1',
    )
    expect(JSON.parse(r.body.info).infotexts[0]).toBe(text.parameters)
  })

  it('splits old sampler names and falls back to DPM++ 2M for unknown ones', async () => {
    const karras = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      sampler_name: 'DPM++ 2M Karras',
      steps: 1,
    })
    expect(JSON.parse(karras.body.info).sampler_name).toBe('DPM++ 2M')
    const alias = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      sampler_name: 'k_euler_a',
      steps: 1,
    })
    expect(alias.status).toBe(200)
    expect(JSON.parse(alias.body.info).sampler_name).toBe('DPM++ 2M')
    const euler = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      sampler_name: 'Euler a',
      scheduler: 'karras',
      steps: 1,
    })
    expect(JSON.parse(euler.body.info).infotexts[0]).toContain(
      'Sampler: Euler a, Schedule type: Karras',
    )
  })

  it('runs hires fix: output scaled, info keeps the first-pass size', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      prompt: 'x',
      width: 200,
      height: 104,
      steps: 2,
      enable_hr: true,
      hr_scale: 1.5,
      denoising_strength: 0.5,
    })
    expect(r.status).toBe(200)
    expect(await pngSize(r.body.images[0] ?? '')).toEqual([296, 152])
    const info = JSON.parse(r.body.info)
    expect([info.width, info.height]).toEqual([200, 104])
    expect(info.infotexts[0]).toContain('Denoising strength: 0.5, Hires upscale: 1.5')
    const resized = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      width: 256,
      height: 128,
      steps: 1,
      enable_hr: true,
      hr_resize_x: 400,
      denoising_strength: 0.5,
    })
    expect(await pngSize(resized.body.images[0] ?? '')).toEqual([400, 200])
  })

  it('fails hires fix without denoising_strength and with an unknown hr_upscaler (500)', async () => {
    const noStrength = await post(emu(), '/sdapi/v1/txt2img', { enable_hr: true, steps: 1 })
    expect(noStrength.status).toBe(500)
    expect(noStrength.body).toMatchObject({ error: 'TypeError', detail: '', body: '' })
    const upscaler = await post(emu(), '/sdapi/v1/txt2img', {
      enable_hr: true,
      denoising_strength: 0.5,
      hr_upscaler: 'Nope',
      steps: 1,
    })
    expect(upscaler.status).toBe(500)
    expect(upscaler.body).toEqual({
      error: 'Exception',
      detail: '',
      body: '',
      errors: 'could not find upscaler named Nope',
    })
  })

  it('answers 422 in pydantic v1 style for type errors and bad JSON', async () => {
    const r = await post(emu(), '/sdapi/v1/txt2img', { steps: 'many', cfg_scale: 'x', prompt: 3 })
    expect(r.status).toBe(422)
    expect(r.body).toEqual({
      detail: [
        { loc: ['body', 'steps'], msg: 'value is not a valid integer', type: 'type_error.integer' },
        { loc: ['body', 'cfg_scale'], msg: 'value is not a valid float', type: 'type_error.float' },
      ],
    })
    const json = await post<{ detail: { type: string }[] }>(emu(), '/sdapi/v1/txt2img', '{oops')
    expect(json.status).toBe(422)
    expect(json.body.detail[0]?.type).toBe('value_error.jsondecode')
    const coerced = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      steps: 2.9,
      cfg_scale: 5,
    })
    expect(JSON.parse(coerced.body.info).steps).toBe(2)
    expect(coerced.body.info).toContain('"cfg_scale": 5.0')
  })

  it('rejects unknown scripts with 422 and unknown override keys with 500', async () => {
    const script = await post(emu(), '/sdapi/v1/txt2img', { script_name: 'nope' })
    expect(script.status).toBe(422)
    expect(script.body).toEqual({
      error: 'HTTPException',
      detail: "Script 'nope' not found",
      body: '',
      errors: '',
    })
    const key = await post(emu(), '/sdapi/v1/txt2img', {
      override_settings: { bogus: 1 },
      steps: 1,
    })
    expect(key.status).toBe(500)
    expect(key.body).toMatchObject({ error: 'KeyError', errors: "'bogus'" })
  })

  it('applies override_settings.sd_model_checkpoint for one request only', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      steps: 1,
      override_settings: { sd_model_checkpoint: 'dreamshaper_8' },
    })
    expect(JSON.parse(r.body.info).sd_model_hash).toBe('879db523c3')
    const after = await get<Record<string, unknown>>(emu(), '/sdapi/v1/options')
    expect(after.body.sd_model_checkpoint).toBe('v1-5-pruned-emaonly.safetensors [6ce0161689]')
    const unknown = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      steps: 1,
      override_settings: { sd_model_checkpoint: 'missing.safetensors' },
    })
    expect(JSON.parse(unknown.body.info).sd_model_name).toBe('v1-5-pruned-emaonly')
  })

  it('puts a grid first when save_images is true and returns [] when send_images is false', async () => {
    const grid = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      steps: 1,
      batch_size: 2,
      width: 64,
      height: 64,
      save_images: true,
    })
    expect(grid.body.images).toHaveLength(3)
    expect(JSON.parse(grid.body.info).index_of_first_image).toBe(1)
    expect(await pngSize(grid.body.images[0] ?? '')).toEqual([128, 64])
    const none = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      steps: 1,
      send_images: false,
    })
    expect(none.body.images).toEqual([])
  })

  it('fills unsent fields from infotext', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      infotext: 'a cat\nSteps: 3, Sampler: Euler a, CFG scale: 5.0, Seed: 77, Size: 64x64',
      cfg_scale: 9,
    })
    const info = JSON.parse(r.body.info)
    expect([info.prompt, info.steps, info.seed, info.width, info.cfg_scale]).toEqual([
      'a cat',
      3,
      77,
      64,
      9,
    ])
  })
})
