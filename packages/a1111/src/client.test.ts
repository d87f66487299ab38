import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import { createArtifactStore, type ProgressUpdate } from '@sdflow/engine'
import { SdflowError } from '@sdflow/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCatalog } from './catalog.js'
import { createClient } from './client.js'
import { type Txt2ImgInput, withCheckpoint } from './inputs.js'

const store = () => createArtifactStore({ root: mkdtempSync(join(tmpdir(), 'sdflow-a1111-')) })

let ui: RunningEmulator
let api: RunningEmulator
beforeAll(async () => {
  ui = await startEmulator({ stepMs: 40 })
  api = await startEmulator({ stepMs: 40, apiOnly: true })
})
afterAll(async () => {
  await Promise.all([ui?.close(), api?.close()])
})

describe('client against the emulator', () => {
  it('loads the catalog', async () => {
    const catalog = await loadCatalog(createClient({ id: 'ui', url: ui.url }))
    expect(catalog.checkpoints).toContain('v1-5-pruned-emaonly.safetensors [6ce0161689]')
    expect(catalog.checkpointAliases).toContain('dreamshaper_8')
    expect(catalog.samplers).toContain('Euler a')
    expect(catalog.schedulerAliases).toContain('Karras')
    expect(catalog.upscalers).toContain('Lanczos')
    expect(catalog.latentUpscaleModes).toContain('Latent')
    expect(catalog.controlnetModels).toContain('control_v11p_sd15_canny [d14c016b]')
    expect(catalog.controlnetModules).toContain('canny')
    expect(catalog.loadedCheckpoint).toBeTruthy()
  })

  for (const mode of ['internal', 'sdapi'] as const) {
    it(`runs txt2img into the artifact store with progress (${mode} progress)`, async () => {
      const server = mode === 'internal' ? ui : api
      const client = createClient({ id: mode, url: server.url })
      expect(await client.hasInternalProgress()).toBe(mode === 'internal')
      const artifacts = store()
      const updates: ProgressUpdate[] = []
      const out = await client.txt2img(
        withCheckpoint<Txt2ImgInput>(
          { prompt: 'a red fox', steps: 30, width: 64, height: 64, batch_size: 2, seed: 7 },
          'dreamshaper_8',
        ),
        {
          artifacts,
          onProgress: (u) => updates.push(u),
          taskId: `sdflow-run-${mode}-1`,
          previewEveryMs: 200,
        },
      )
      expect(out.images).toHaveLength(2)
      expect(out.detectedMaps).toEqual([])
      for (const ref of out.images) {
        expect(artifacts.has(ref.hash)).toBe(true)
        expect(ref).toMatchObject({ width: 64, height: 64, mime: 'image/png' })
      }
      expect(out.seeds).toEqual([7, 8])
      expect(out.subseeds).toHaveLength(2)
      expect(out.infotexts[0]).toMatch(/Seed: 7/)
      expect(out.info.sd_model_name).toBe('dreamshaper_8')
      expect(out.taskId).toBe(`sdflow-run-${mode}-1`)
      expect(updates.length).toBeGreaterThanOrEqual(2)
      const steps = updates.map((u) => u.step)
      expect(steps).toEqual([...steps].sort((a, b) => a - b))
      expect(steps.at(-1)).toBeGreaterThan(steps[0] ?? 0)
      expect(updates.every((u) => u.total === 30)).toBe(true)
      const previews = updates.flatMap((u) => (u.preview ? [u.preview] : []))
      expect(previews.length).toBeGreaterThanOrEqual(1)
      for (const p of previews) expect(artifacts.has(p.hash)).toBe(true)
    })
  }

  it('sends images from the store for img2img, extras and ControlNet', async () => {
    const client = createClient({ id: 'ui', url: ui.url })
    const artifacts = store()
    const base = await client.txt2img(
      { prompt: 'x', steps: 2, width: 64, height: 64 },
      { artifacts },
    )
    const image = base.images[0]!
    const edited = await client.img2img(
      { prompt: 'y', steps: 4, init_images: [image], denoising_strength: 0.5 },
      { artifacts },
    )
    expect(edited.images).toHaveLength(1)
    const up = await client.extraSingleImage(
      { image, upscaler_1: 'Lanczos', upscaling_resize: 2 },
      { artifacts },
    )
    expect(up.image).toMatchObject({ width: 128, height: 128 })
    const detected = await client.controlnetDetect(
      { controlnet_module: 'canny', images: [image] },
      { artifacts },
    )
    expect(detected.images).toHaveLength(1)
    const withUnit = await client.txt2img(
      {
        prompt: 'z',
        steps: 2,
        width: 64,
        height: 64,
        controlnet: [{ image, module: 'canny', model: 'control_v11p_sd15_canny' }],
      },
      { artifacts },
    )
    expect(withUnit.images).toHaveLength(1)
    expect(withUnit.detectedMaps).toHaveLength(1)
  })

  it('cancel aborts the request and sends /sdapi/v1/interrupt', async () => {
    const client = createClient({ id: 'ui', url: ui.url })
    const before = ui.stats().requests['/sdapi/v1/interrupt'] ?? 0
    const controller = new AbortController()
    const started = Date.now()
    const result = client
      .txt2img(
        { prompt: 'long', steps: 200, width: 64, height: 64 },
        {
          artifacts: store(),
          signal: controller.signal,
          onProgress: () => controller.abort(),
        },
      )
      .catch((e: unknown) => e)
    const error = await result
    expect(error).toMatchObject({ name: 'AbortError' })
    expect(Date.now() - started).toBeLessThan(200 * 40)
    expect(ui.stats().requests['/sdapi/v1/interrupt'] ?? 0).toBeGreaterThan(before)
  })

  it('classifies injected faults', async () => {
    const client = createClient({ id: 'api', url: api.url })
    const run = () =>
      client
        .txt2img({ prompt: 'x', steps: 2, width: 64, height: 64 }, { artifacts: store() })
        .catch((e: unknown) => e as SdflowError)
    const cases = [
      ['oom', 'SDF_BACKEND_OUT_OF_MEMORY'],
      ['error500', 'SDF_BACKEND_ERROR'],
      ['unavailable503', 'SDF_BACKEND_UNAVAILABLE'],
      ['drop', 'SDF_BACKEND_UNREACHABLE'],
      ['bad-base64', 'SDF_BACKEND_BAD_RESPONSE'],
      ['html', 'SDF_BACKEND_BAD_RESPONSE'],
    ] as const
    for (const [kind, code] of cases) {
      api.injectFault({ route: '/sdapi/v1/txt2img', kind })
      const error = await run()
      expect(error, kind).toBeInstanceOf(SdflowError)
      expect((error as SdflowError).code, kind).toBe(code)
    }
    expect(await run()).toMatchObject({ images: [expect.anything()] })
  })
})
