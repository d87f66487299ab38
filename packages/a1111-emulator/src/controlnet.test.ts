import jsQRModule from 'jsqr'
import QRCode from 'qrcode'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { type GenResponse, get, pngSize, post, solidPng, useEmulator } from './test-support/http.js'

const emu = useEmulator({ stepMs: 1 })
const QR_TEXT = 'https://sdflow.dev/qr'
const QR_MODEL = 'control_v1p_sd15_qrcode_monster [a6e58995]'

async function qrPng(): Promise<string> {
  const png = await QRCode.toBuffer(QR_TEXT, { type: 'png', scale: 8, margin: 4 })
  return png.toString('base64')
}

async function scan(b64: string): Promise<string | null> {
  const { data, info } = await sharp(Buffer.from(b64, 'base64'))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const pixels = new Uint8ClampedArray(data.buffer, data.byteOffset, data.length)
  return jsQRModule.default(pixels, info.width, info.height)?.data ?? null
}

function unit(image: string, extra: Record<string, unknown> = {}) {
  return { enabled: true, image, module: 'none', model: QR_MODEL, ...extra }
}

async function txt2imgWithUnits(units: unknown[], extra: Record<string, unknown> = {}) {
  return post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
    prompt: 'a mountain village at dusk',
    seed: 42,
    steps: 3,
    alwayson_scripts: { controlnet: { args: units } },
    ...extra,
  })
}

describe('ControlNet', () => {
  it('a QR control image at weight 1.2 still scans in the output', async () => {
    const qr = await qrPng()
    for (const prompt of ['a mountain village at dusk', 'koi pond', 'city skyline']) {
      const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
        prompt,
        seed: 7,
        steps: 3,
        alwayson_scripts: { ControlNet: { args: [unit(qr, { weight: 1.2 })] } },
      })
      expect(r.status).toBe(200)
      expect(await scan(r.body.images[0] ?? '')).toBe(QR_TEXT)
    }
  })

  it('a weak unit (weight 0.5 or short guidance) fades the QR so it does not scan', async () => {
    const qr = await qrPng()
    const weak = await txt2imgWithUnits([unit(qr, { weight: 0.5 })])
    expect(await scan(weak.body.images[0] ?? '')).toBeNull()
    const short = await txt2imgWithUnits([
      unit(qr, { weight: 1.2, guidance_start: 0.5, guidance_end: 0.9 }),
    ])
    expect(await scan(short.body.images[0] ?? '')).toBeNull()
  })

  it('appends one detected map per enabled unit, sized floor8(w) × floor8(h), without infotexts', async () => {
    const qr = await qrPng()
    const r = await txt2imgWithUnits(
      [unit(qr), unit(qr, { enabled: false }), unit(qr, { module: 'canny', model: 'canny' })],
      { width: 100, height: 90 },
    )
    expect(r.body.images).toHaveLength(3)
    expect(await pngSize(r.body.images[2] ?? '')).toEqual([96, 88])
    const info = JSON.parse(r.body.info)
    expect(info.infotexts).toHaveLength(1)
    expect(info.infotexts[0]).toContain(
      `ControlNet 0: "Module: none, Model: ${QR_MODEL}, Weight: 1.0, Resize Mode: Crop and Resize, Processor Res: 512, Threshold A: 0.5, Threshold B: 0.5, Guidance Start: 0.0, Guidance End: 1.0, Pixel Perfect: False, Control Mode: Balanced"`,
    )
    expect(info.infotexts[0]).toContain('ControlNet 1: "Module: canny, Model: canny, Weight: 1.0')
    expect(info.infotexts[0]).toContain('Threshold A: 100.0, Threshold B: 200.0')
    const hires = await txt2imgWithUnits([unit(qr)], {
      width: 64,
      height: 64,
      enable_hr: true,
      denoising_strength: 0.5,
    })
    expect(hires.body.images).toHaveLength(3)
    expect(await pngSize(hires.body.images[1] ?? '')).toEqual([128, 128])
    expect(await pngSize(hires.body.images[2] ?? '')).toEqual([64, 64])
    const noMap = await txt2imgWithUnits([unit(qr, { save_detected_map: false })])
    expect(noMap.body.images).toHaveLength(1)
  })

  it('rejects integer enums and out-of-range fields with 500 ValidationError', async () => {
    const qr = await qrPng()
    for (const bad of [
      { control_mode: 0 },
      { resize_mode: 1 },
      { weight: 2.5 },
      { module: 'nope' },
    ]) {
      const r = await txt2imgWithUnits([unit(qr, bad)])
      expect(r.status).toBe(500)
      expect(r.body).toMatchObject({ error: 'ValidationError', detail: '', body: '' })
    }
    const order = await txt2imgWithUnits([unit(qr, { guidance_start: 0.8, guidance_end: 0.2 })])
    expect(order.status).toBe(500)
  })

  it('generates without ControlNet on runtime problems (unknown model, no image)', async () => {
    const qr = await qrPng()
    const missingModel = await txt2imgWithUnits([unit(qr, { model: 'no_such_model' })])
    expect(missingModel.status).toBe(200)
    expect(missingModel.body.images).toHaveLength(1)
    expect(JSON.parse(missingModel.body.info).infotexts[0]).not.toContain('ControlNet')
    const noImage = await txt2imgWithUnits([{ enabled: true, module: 'none', model: QR_MODEL }])
    expect(noImage.body.images).toHaveLength(1)
  })

  it('img2img falls back to init_images[0] for a unit without image', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/img2img', {
      init_images: [await solidPng(64, 64, '#336699')],
      steps: 2,
      width: 64,
      height: 64,
      alwayson_scripts: {
        controlnet: { args: [{ enabled: true, module: 'depth', model: 'depth' }] },
      },
    })
    expect(r.status).toBe(200)
    expect(r.body.images).toHaveLength(2)
  })

  it('lists models, modules and settings', async () => {
    const models = await get<{ model_list: string[] }>(emu(), '/controlnet/model_list')
    expect(models.body.model_list).toContain(QR_MODEL)
    expect(models.body.model_list).not.toContain('None')
    const modules = await get<{ module_list: string[]; module_detail: Record<string, unknown> }>(
      emu(),
      '/controlnet/module_list',
    )
    expect(modules.body.module_list[0]).toBe('none')
    expect(modules.body.module_detail.canny).toEqual({
      model_free: false,
      sliders: [
        { name: 'Resolution', value: 512, min: 64, max: 2048, step: 8 },
        { name: 'Low Threshold', value: 100, min: 1, max: 255, step: 1 },
        { name: 'High Threshold', value: 200, min: 1, max: 255, step: 1 },
      ],
    })
    const aliases = await get<{ module_list: string[] }>(
      emu(),
      '/controlnet/module_list?alias_names=true',
    )
    expect(aliases.body.module_list).toContain('depth_midas')
    expect((await get(emu(), '/controlnet/version')).body).toEqual({ version: 3 })
    expect((await get(emu(), '/controlnet/settings')).body).toEqual({ control_net_unit_count: 3 })
  })

  it('detect runs canny at processor resolution and reports errors with 422', async () => {
    const image = await qrPng()
    const r = await post<{ info: string; images: string[] }>(emu(), '/controlnet/detect', {
      controlnet_module: 'canny',
      controlnet_input_images: [image],
      controlnet_processor_res: 256,
    })
    expect(r.status).toBe(200)
    expect(r.body.info).toBe('Success')
    expect(await pngSize(r.body.images[0] ?? '')).toEqual([256, 256])
    const stats = await sharp(Buffer.from(r.body.images[0] ?? '', 'base64')).stats()
    expect(stats.channels[0]?.max).toBe(255)
    expect(stats.channels[0]?.min).toBe(0)
    const depth = await post<{ images: string[] }>(emu(), '/controlnet/detect', {
      controlnet_module: 'depth_midas',
      controlnet_input_images: [image],
    })
    expect(await pngSize(depth.body.images[0] ?? '')).toEqual([512, 512])
    const unknown = await post(emu(), '/controlnet/detect', {
      controlnet_module: 'nope',
      controlnet_input_images: [image],
    })
    expect(unknown.status).toBe(422)
    expect(unknown.body).toMatchObject({ detail: 'Module not available' })
    const empty = await post(emu(), '/controlnet/detect', { controlnet_module: 'canny' })
    expect(empty.body).toMatchObject({ detail: 'No image selected' })
  })
})
