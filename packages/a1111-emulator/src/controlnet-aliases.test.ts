import { describe, expect, it } from 'vitest'
import { type GenResponse, post, solidPng, useEmulator } from './test-support/http.js'

const emu = useEmulator({ stepMs: 1 })
const MODEL = 'control_v11p_sd15_canny [d14c016b]'

async function withUnit(fields: Record<string, unknown>) {
  return post<GenResponse & { error?: string; errors?: string }>(emu(), '/sdapi/v1/txt2img', {
    prompt: 'x',
    steps: 1,
    width: 64,
    height: 64,
    alwayson_scripts: {
      controlnet: { args: [{ enabled: true, module: 'none', model: MODEL, ...fields }] },
    },
  })
}

describe("ControlNet's legacy field aliases (CN internal_controlnet/args.py from_dict)", () => {
  it.each([
    [{ guidance: 0.5, guidance_end: 0.8 }, "Conflict of field 'guidance' and 'guidance_end'"],
    [{ lowvram: true, low_vram: false }, "Conflict of field 'lowvram' and 'low_vram'"],
    [{ input_image: 'IMG', image: 'IMG' }, "Conflict of field 'input_image' and 'image'"],
    [{ input_image: null, image: 'IMG' }, "Conflict of field 'input_image' and 'image'"],
  ])('a unit with both %o answers 500 AssertionError', async (fields, message) => {
    const image = await solidPng(64, 64, '#808080')
    const filled = Object.fromEntries(
      Object.entries(fields).map(([k, v]) => [k, v === 'IMG' ? image : v]),
    )
    const r = await withUnit(filled)
    expect(r.status).toBe(500)
    expect(r.body).toEqual({ error: 'AssertionError', detail: '', body: '', errors: message })
  })

  it('mask and mask_image both set answer 500 ValueError', async () => {
    const image = await solidPng(64, 64, '#808080')
    const r = await withUnit({ image, mask: image, mask_image: image })
    expect(r.status).toBe(500)
    expect(r.body).toMatchObject({
      error: 'ValueError',
      errors: "Cannot specify both 'mask' and 'mask_image'!",
    })
  })

  it('an alias alone still works: guidance becomes guidance_end, input_image the image', async () => {
    const image = await solidPng(64, 64, '#808080')
    const r = await withUnit({ input_image: image, guidance: 0.5 })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body.info).infotexts[0]).toContain('Guidance End: 0.5')
  })
})
