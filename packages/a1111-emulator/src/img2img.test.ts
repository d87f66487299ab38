import { describe, expect, it } from 'vitest'
import {
  type GenResponse,
  get,
  pngSize,
  post,
  rawRgb,
  rectMask,
  sleep,
  solidPng,
  useEmulator,
} from './test-support/http.js'

const emu = useEmulator()

function pixel(img: { data: Buffer; width: number }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3
  return [img.data[i] ?? -1, img.data[i + 1] ?? -1, img.data[i + 2] ?? -1]
}

describe('img2img', () => {
  it('answers 404 without init_images', async () => {
    const r = await post(emu(), '/sdapi/v1/img2img', { prompt: 'x' })
    expect(r.status).toBe(404)
    expect(r.body).toEqual({
      error: 'HTTPException',
      detail: 'Init image not found',
      body: '',
      errors: '',
    })
  })

  it('answers 500 Invalid encoded image for bad base64', async () => {
    const r = await post(emu(), '/sdapi/v1/img2img', { init_images: ['abc'], steps: 1 })
    expect(r.status).toBe(500)
    expect(r.body).toMatchObject({ error: 'HTTPException', detail: 'Invalid encoded image' })
  })

  it('blends the init image by denoising_strength and resizes to width × height', async () => {
    const init = await solidPng(100, 60, '#ff0000')
    const body = { init_images: [init], prompt: 'a sea', seed: 3, steps: 4, width: 130, height: 66 }
    const low = await post<GenResponse>(emu(), '/sdapi/v1/img2img', {
      ...body,
      denoising_strength: 0.1,
    })
    const high = await post<GenResponse>(emu(), '/sdapi/v1/img2img', {
      ...body,
      denoising_strength: 0.9,
    })
    expect(low.status).toBe(200)
    expect(await pngSize(low.body.images[0] ?? '')).toEqual([128, 64])
    const lo = pixel(await rawRgb(low.body.images[0] ?? ''), 64, 32)
    const hi = pixel(await rawRgb(high.body.images[0] ?? ''), 64, 32)
    expect(lo[0]).toBeGreaterThan(220)
    expect(Math.abs((hi[0] ?? 0) - 255)).toBeGreaterThan(Math.abs((lo[0] ?? 0) - 255))
    expect(low.body.parameters.init_images).toBeNull()
    const info = JSON.parse(low.body.info)
    expect(info.denoising_strength).toBe(0.1)
    expect(info.infotexts[0]).toContain('Denoising strength: 0.1')
  })

  it('samples int(min(denoising, 0.999) × steps) + 1 steps', async () => {
    const init = await solidPng(64, 64, '#00ff00')
    const job = post(emu(), '/sdapi/v1/img2img', {
      init_images: [init],
      steps: 40,
      denoising_strength: 0.5,
      width: 64,
      height: 64,
    })
    let steps = 0
    for (let i = 0; i < 100 && steps === 0; i++) {
      const p = await get<{ state: { sampling_steps: number; job: string } }>(
        emu(),
        '/sdapi/v1/progress',
      )
      if (p.body.state.job === 'scripts_img2img') steps = p.body.state.sampling_steps
      await sleep(3)
    }
    await job
    expect(steps).toBe(21)
  })

  it('replicates one init image over batch_size and rejects too many images', async () => {
    const init = await solidPng(64, 64, '#0000ff')
    const r = await post<GenResponse>(emu(), '/sdapi/v1/img2img', {
      init_images: [init],
      batch_size: 3,
      steps: 1,
      width: 64,
      height: 64,
    })
    expect(r.body.images).toHaveLength(3)
    const many = await post(emu(), '/sdapi/v1/img2img', {
      init_images: [init, init, init],
      batch_size: 2,
      steps: 1,
    })
    expect(many.status).toBe(500)
    expect(many.body).toMatchObject({ error: 'RuntimeError' })
  })

  it('inpaints only the masked area and returns the original size (inpaint_full_res)', async () => {
    const init = await solidPng(200, 120, '#808080')
    const mask = await rectMask(200, 120, [120, 20, 60, 60])
    const r = await post<GenResponse>(emu(), '/sdapi/v1/img2img', {
      init_images: [init],
      mask,
      prompt: 'a bright sun',
      denoising_strength: 1,
      mask_blur: 2,
      steps: 2,
      width: 64,
      height: 64,
    })
    expect(r.status).toBe(200)
    const out = await rawRgb(r.body.images[0] ?? '')
    expect([out.width, out.height]).toEqual([200, 120])
    expect(pixel(out, 10, 10)).toEqual([128, 128, 128])
    expect(pixel(out, 60, 100)).toEqual([128, 128, 128])
    const inside = pixel(out, 150, 50)
    expect(inside).not.toEqual([128, 128, 128])
    const info = JSON.parse(r.body.info)
    expect(info.infotexts[0]).toContain('Inpaint area: Only masked')
  })

  it('inverts the mask and inpaints the whole picture at width × height', async () => {
    const init = await solidPng(128, 128, '#808080')
    const mask = await rectMask(128, 128, [0, 0, 64, 128])
    const r = await post<GenResponse>(emu(), '/sdapi/v1/img2img', {
      init_images: [init],
      mask,
      inpainting_mask_invert: 1,
      inpaint_full_res: false,
      mask_blur: 0,
      denoising_strength: 1,
      steps: 2,
      width: 64,
      height: 64,
    })
    const out = await rawRgb(r.body.images[0] ?? '')
    expect([out.width, out.height]).toEqual([64, 64])
    expect(pixel(out, 10, 32)).toEqual([128, 128, 128])
    expect(pixel(out, 50, 32)).not.toEqual([128, 128, 128])
    expect(JSON.parse(r.body.info).infotexts[0]).toContain('Mask mode: Inpaint not masked')
  })

  it('inpainting at 1028x1028 with inpaint_full_res false answers 500 ValueError images do not match', async () => {
    const init = await solidPng(1028, 1028, '#808080')
    const mask = await rectMask(1028, 1028, [0, 0, 300, 300])
    const request = { init_images: [init], mask, steps: 1, width: 1028, height: 1028 }
    const whole = await post(emu(), '/sdapi/v1/img2img', { ...request, inpaint_full_res: false })
    expect(whole.status).toBe(500)
    expect(whole.body).toEqual({
      error: 'ValueError',
      detail: '',
      body: '',
      errors: 'images do not match',
    })
    // only masked pastes the patch back into the original: no overlay of the wrong size
    const masked = await post(emu(), '/sdapi/v1/img2img', { ...request, inpaint_full_res: true })
    expect(masked.status).toBe(200)
    // plain img2img has no overlay either
    const { mask: _unused, ...plain } = request
    expect((await post(emu(), '/sdapi/v1/img2img', plain)).status).toBe(200)
  })
})
