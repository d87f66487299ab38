import { describe, expect, it } from 'vitest'
import { type GenResponse, get, post, useEmulator } from './test-support/http.js'

const emu = useEmulator()

describe('smaller A1111 fidelity items (issue 11 item 5)', () => {
  it("/scripts lists ControlNet's controlnet m2m and the always-on comments", async () => {
    const r = await get<{ txt2img: string[]; img2img: string[] }>(emu(), '/sdapi/v1/scripts')
    for (const tab of [r.body.txt2img, r.body.img2img]) {
      expect(tab).toContain('controlnet m2m')
      expect(tab).toContain('comments')
      expect(tab).toContain('controlnet')
    }
  })

  it('/extensions gives commit_date as a string', async () => {
    const r = await get<{ commit_date: unknown }[]>(emu(), '/sdapi/v1/extensions')
    expect(typeof r.body[0]?.commit_date).toBe('string')
  })

  it('eta sent with DDIM appears as Eta DDIM in the infotext', async () => {
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      prompt: 'x',
      steps: 2,
      width: 64,
      height: 64,
      sampler_name: 'DDIM',
      eta: 0.5,
    })
    expect(JSON.parse(r.body.info).infotexts[0]).toContain('Eta DDIM: 0.5')
    const plain = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', {
      prompt: 'x',
      steps: 2,
      width: 64,
      height: 64,
      sampler_name: 'DDIM',
    })
    expect(JSON.parse(plain.body.info).infotexts[0]).not.toContain('Eta DDIM')
  })

  it("the catalog has the guide's mlsd, normalbae, seg and lineart_anime models", async () => {
    const r = await get<{ model_list: string[] }>(emu(), '/controlnet/model_list')
    for (const stem of [
      'control_v11p_sd15_mlsd',
      'control_v11p_sd15_normalbae',
      'control_v11p_sd15_seg',
      'control_v11p_sd15s2_lineart_anime',
    ]) {
      expect(r.body.model_list.some((m) => m.startsWith(`${stem} [`))).toBe(true)
    }
  })

  it('POST /png-info with an empty image answers 500 Invalid encoded image', async () => {
    const r = await post(emu(), '/sdapi/v1/png-info', { image: '' })
    expect(r.status).toBe(500)
    expect(r.body).toMatchObject({ detail: 'Invalid encoded image' })
  })
})
