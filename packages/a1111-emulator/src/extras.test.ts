import { describe, expect, it } from 'vitest'
import { readPngText } from './png-text.js'
import { type GenResponse, pngSize, post, solidPng, useEmulator } from './test-support/http.js'

const emu = useEmulator()

interface Single {
  html_info: string
  image: string
}

describe('extras and png-info', () => {
  it('upscales by factor (96×56 × 2.5), floors to multiples of 8 and keeps the parameters text', async () => {
    const gen = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      prompt: 'fox',
      steps: 1,
      width: 100,
      height: 60,
    })
    const src = gen.body.images[0] ?? ''
    const r = await post<Single>(emu(), '/sdapi/v1/extra-single-image', {
      image: src,
      upscaler_1: 'R-ESRGAN 4x+',
      upscaling_resize: 2.5,
    })
    expect(r.status).toBe(200)
    expect(r.body.html_info).toBe(
      '<p>Postprocess upscale by: 2.5, Postprocess upscaler: R-ESRGAN 4x+</p>',
    )
    expect(await pngSize(r.body.image)).toEqual([240, 136])
    const texts = readPngText(Buffer.from(r.body.image, 'base64'))
    expect(texts.parameters).toContain('Seed:')
    expect(texts.postprocessing).toBe(
      'Postprocess upscale by: 2.5, Postprocess upscaler: R-ESRGAN 4x+',
    )
  })

  it('returns the input size with upscaler_1 None (the default)', async () => {
    const r = await post<Single>(emu(), '/sdapi/v1/extra-single-image', {
      image: await solidPng(50, 40, '#123456'),
    })
    expect(await pngSize(r.body.image)).toEqual([50, 40])
    expect(r.body.html_info).toBe('<p></p>')
  })

  it('scales to w × h with resize_mode 1 and crops', async () => {
    const r = await post<Single>(emu(), '/sdapi/v1/extra-single-image', {
      image: await solidPng(100, 50, '#ffffff'),
      resize_mode: 1,
      upscaling_resize_w: 300,
      upscaling_resize_h: 300,
      upscaler_1: 'Lanczos',
    })
    expect(await pngSize(r.body.image)).toEqual([300, 300])
    expect(r.body.html_info).toContain('Postprocess upscale to: 300x300')
  })

  it('fails with 500 AssertionError for an unknown upscaler and 422 for a bad resize_mode', async () => {
    const image = await solidPng(8, 8, '#000000')
    const r = await post(emu(), '/sdapi/v1/extra-single-image', { image, upscaler_1: 'Magic' })
    expect(r.status).toBe(500)
    expect(r.body).toEqual({
      error: 'AssertionError',
      detail: '',
      body: '',
      errors: 'could not find upscaler named Magic',
    })
    const mode = await post(emu(), '/sdapi/v1/extra-single-image', { image, resize_mode: 2 })
    expect(mode.status).toBe(422)
  })

  it('processes a batch of images', async () => {
    const a = await solidPng(16, 16, '#ff0000')
    const r = await post<{ images: string[] }>(emu(), '/sdapi/v1/extra-batch-images', {
      imageList: [
        { data: a, name: 'a.png' },
        { data: a, name: 'b.png' },
      ],
      upscaler_1: 'Nearest',
      upscaling_resize: 2,
    })
    expect(r.body.images).toHaveLength(2)
    expect(await pngSize(r.body.images[1] ?? '')).toEqual([32, 32])
    const missing = await post(emu(), '/sdapi/v1/extra-batch-images', {})
    expect(missing.status).toBe(422)
  })

  it('png-info parses the parameters text', async () => {
    const gen = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      prompt: 'a, b: c',
      negative_prompt: 'ugly',
      seed: 9,
      steps: 2,
      width: 64,
      height: 48,
    })
    const r = await post<{ info: string; parameters: Record<string, unknown>; items: object }>(
      emu(),
      '/sdapi/v1/png-info',
      { image: gen.body.images[0] },
    )
    expect(r.status).toBe(200)
    expect(r.body.info).toBe(JSON.parse(gen.body.info).infotexts[0])
    expect(r.body.items).toEqual({})
    expect(r.body.parameters).toMatchObject({
      Prompt: 'a, b: c',
      'Negative prompt': 'ugly',
      Seed: '9',
      Steps: '2',
      'Size-1': '64',
      'Size-2': '48',
      'Clip skip': '1',
      RNG: 'GPU',
    })
  })
})
