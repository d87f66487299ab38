import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { crc32 } from './png-text.js'
import { type GenResponse, get, post, useEmulator } from './test-support/http.js'

const emu = useEmulator()

describe('catalog and options routes', () => {
  it('lists checkpoints with titles and short hashes', async () => {
    const r = await get<{ title: string; model_name: string; hash: string; sha256: string }[]>(
      emu(),
      '/sdapi/v1/sd-models',
    )
    expect(r.body.map((m) => m.title)).toContain('v1-5-pruned-emaonly.safetensors [6ce0161689]')
    expect(r.body.map((m) => m.title)).toContain('dreamshaper_8.safetensors [879db523c3]')
    for (const m of r.body) expect(m.sha256.startsWith(m.hash)).toBe(true)
  })

  it('lists samplers, schedulers, upscalers and latent modes', async () => {
    const samplers = await get<{ name: string; options: Record<string, string> }[]>(
      emu(),
      '/sdapi/v1/samplers',
    )
    expect(samplers.body[0]?.name).toBe('DPM++ 2M')
    expect(samplers.body).toHaveLength(20)
    const schedulers = await get<{ name: string; label: string }[]>(emu(), '/sdapi/v1/schedulers')
    expect(schedulers.body.map((s) => s.label)).toContain('Karras')
    const upscalers = await get<{ name: string }[]>(emu(), '/sdapi/v1/upscalers')
    expect(upscalers.body.map((u) => u.name)).toEqual(
      expect.arrayContaining(['None', 'Lanczos', 'Nearest', 'R-ESRGAN 4x+']),
    )
    const latent = await get(emu(), '/sdapi/v1/latent-upscale-modes')
    expect(latent.body).toContainEqual({ name: 'Latent (nearest-exact)' })
    expect((await get(emu(), '/sdapi/v1/loras')).body).toEqual([])
    const memory = await get<{ ram: { total: number }; cuda: object }>(emu(), '/sdapi/v1/memory')
    expect(memory.body.ram.total).toBeGreaterThan(0)
    expect((await get<{ api: boolean }>(emu(), '/sdapi/v1/cmd-flags')).body.api).toBe(true)
  })

  it('switches the checkpoint with POST /options and rejects unknown ones', async () => {
    const set = await post(emu(), '/sdapi/v1/options', {
      sd_model_checkpoint: 'dreamshaper_8.safetensors',
    })
    expect(set.status).toBe(200)
    expect(set.body).toBeNull()
    const r = await post<GenResponse>(emu(), '/sdapi/v1/txt2img', { steps: 1 })
    expect(JSON.parse(r.body.info).infotexts[0]).toContain(
      'Model hash: 879db523c3, Model: dreamshaper_8',
    )
    const bad = await post(emu(), '/sdapi/v1/options', { sd_model_checkpoint: 'nope' })
    expect(bad.status).toBe(500)
    expect(bad.body).toMatchObject({ error: 'RuntimeError' })
    const key = await post(emu(), '/sdapi/v1/options', { not_an_option: 1 })
    expect(key.body).toMatchObject({ error: 'KeyError' })
    await post(emu(), '/sdapi/v1/options', {
      sd_model_checkpoint: 'v1-5-pruned-emaonly.safetensors [6ce0161689]',
    })
  })

  it('answers 404 {detail} for unknown routes and sets X-Process-Time', async () => {
    const r = await get(emu(), '/sdapi/v1/nope')
    expect(r.status).toBe(404)
    expect(r.body).toEqual({ detail: 'Not Found' })
    const ok = await get(emu(), '/sdapi/v1/samplers')
    expect(Number(ok.headers.get('x-process-time'))).toBeGreaterThanOrEqual(0)
  })

  it('refuses to decode images over the pixel limit', async () => {
    // A tiny PNG whose header claims 20000 × 10000 pixels: refused before any decoding.
    const huge = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .png()
      .toBuffer()
    huge.writeUInt32BE(20000, 16)
    huge.writeUInt32BE(10000, 20)
    huge.writeUInt32BE(crc32(huge.subarray(12, 29)), 29)
    const r = await post(emu(), '/sdapi/v1/extra-single-image', {
      image: huge.toString('base64'),
      upscaler_1: 'Lanczos',
    })
    expect(r.status).toBe(500)
    expect(r.body).toMatchObject({ error: 'HTTPException', detail: 'Invalid encoded image' })
  })
})
