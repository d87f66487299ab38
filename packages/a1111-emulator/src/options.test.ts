import { describe, expect, it } from 'vitest'
import { get, post, useEmulator } from './test-support/http.js'

const emu = useEmulator()

describe('options as A1111 v1.10.1 has them (modules/shared_options.py)', () => {
  it('GET /sdapi/v1/options carries A1111 option keys with their defaults', async () => {
    const r = await get<Record<string, unknown>>(emu(), '/sdapi/v1/options')
    expect(Object.keys(r.body).length).toBeGreaterThan(230)
    expect(r.body).toMatchObject({
      jpeg_quality: 80,
      img2img_color_correction: false,
      eta_ddim: 0,
      s_noise: 1,
      quicksettings_list: ['sd_model_checkpoint'],
      control_net_unit_count: 3,
    })
  })

  it('POST jpeg_quality and img2img_color_correction answers 200, not a KeyError', async () => {
    const r = await post(emu(), '/sdapi/v1/options', {
      jpeg_quality: 95,
      img2img_color_correction: true,
    })
    expect(r.status).toBe(200)
    const after = await get<Record<string, unknown>>(emu(), '/sdapi/v1/options')
    expect(after.body).toMatchObject({ jpeg_quality: 95, img2img_color_correction: true })
    await post(emu(), '/sdapi/v1/options', { jpeg_quality: 80, img2img_color_correction: false })
  })

  it('an unknown key is still a 500 KeyError', async () => {
    const r = await post(emu(), '/sdapi/v1/options', { no_such_option: 1 })
    expect(r.status).toBe(500)
    expect(r.body).toMatchObject({ error: 'KeyError', errors: "'no_such_option'" })
  })
})
