import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../server.test-support.js'
import {
  basic,
  type Gateway,
  getJson,
  pngBase64,
  postJson,
  sizeOf,
  startGateway,
} from './face.test-support.js'

let g: Gateway
const alice = { authorization: basic('alice') }
beforeAll(async () => {
  g = await startGateway({ stepMs: 5 })
})
afterAll(async () => g.close())

const api = (path: string) => `${g.url}${path}`

describe('the A1111 face of sdflow serve, over a pool of two emulators (raw HTTP)', () => {
  it('answers txt2img in A1111 shape: base64 images, parameters as sent, info as JSON text', async () => {
    const request = {
      prompt: 'a red fox',
      steps: 4,
      width: 64,
      height: 64,
      seed: 100,
      batch_size: 2,
    }
    const answer = await postJson(api('/sdapi/v1/txt2img'), request, alice)
    expect(answer.status).toBe(200)
    expect(answer.body.images).toHaveLength(2)
    expect(await sizeOf(answer.body.images[0])).toEqual({ width: 64, height: 64 })
    expect(answer.body.parameters).toMatchObject(request)
    expect(typeof answer.body.info).toBe('string')
    expect(answer.body.info).toContain('", "')
    const info = JSON.parse(answer.body.info)
    expect(info.all_seeds).toEqual([100, 101])
    expect(info.infotexts[0]).toContain('Seed: 100')
  })

  it('echoes float fields as Python floats: raw JSON has "cfg_scale":7.0, info "cfg_scale": 7.0', async () => {
    const response = await fetch(api('/sdapi/v1/txt2img'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...alice },
      body: JSON.stringify({ prompt: 'a fox', steps: 2, width: 64, height: 64, cfg_scale: 7 }),
    })
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).toContain('"cfg_scale":7.0')
    expect(text).toContain('"steps":2,')
    const info = JSON.parse(text).info as string
    expect(info).toContain('"cfg_scale": 7.0')
    expect(info).toContain('"subseed_strength": 0.0')
    const idle = await fetch(api('/sdapi/v1/progress'), { headers: alice })
    expect(await idle.text()).toContain('"progress":0.0,"eta_relative":0.0')
  })

  it('echoes parameters exactly as an A1111 answers the same request: its whole model, defaults filled', async () => {
    const request = {
      prompt: 'a fox',
      steps: 2,
      width: 64,
      height: 64,
      seed: 7,
      cfg_scale: '6.5',
      not_a_field: true,
    }
    const raw = async (url: string) => {
      const response = await fetch(`${url}/sdapi/v1/txt2img`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...alice },
        body: JSON.stringify(request),
      })
      expect(response.status).toBe(200)
      const text = await response.text()
      return text.slice(text.indexOf('"parameters":'), text.indexOf(',"info":'))
    }
    const [fromGateway, fromA1111] = [await raw(g.url), await raw(g.emulators[0]?.url ?? '')]
    expect(fromGateway).toContain('"sampler_index":"Euler"')
    expect(fromGateway).toContain('"cfg_scale":6.5')
    expect(fromGateway).toBe(fromA1111)
  })

  it("answers the README's curl example (the RunPod guide's request)", async () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('## Use sdflow as an A1111 server'))
    const body = /-d '(\{[^']*\})'/.exec(section)?.[1] ?? ''
    expect(section).toContain('http://127.0.0.1:7870/sdapi/v1/txt2img')
    const answer = await postJson(api('/sdapi/v1/txt2img'), JSON.parse(body), alice)
    expect(answer.status).toBe(200)
    expect(await sizeOf(answer.body.images[0])).toEqual({ width: 512, height: 512 })
    expect(JSON.parse(answer.body.info).sampler_name).toBe('DPM++ 2M')
  })

  it('redraws the masked area with img2img + mask: the answer has the init image size', async () => {
    const init = await pngBase64(96, 80, 200)
    const mask = await pngBase64(96, 80, 255)
    const answer = await postJson(
      api('/sdapi/v1/img2img'),
      { prompt: 'a cat', steps: 4, width: 64, height: 64, init_images: [init], mask, seed: 3 },
      alice,
    )
    expect(answer.status).toBe(200)
    expect(answer.body.images).toHaveLength(1)
    // inpaint_full_res (A1111's API default) pastes back into the original
    expect(await sizeOf(answer.body.images[0])).toEqual({ width: 96, height: 80 })
    expect(answer.body.parameters.init_images).toBeNull()
    const run = await getJson(api(`/api/runs/${answer.headers.get('x-sdflow-run')}`), alice)
    expect(run.body.nodes.gen.type).toBe('sd.inpaint')
  })

  it('upscales with extra-single-image and extra-batch-images', async () => {
    const image = await pngBase64(32, 32)
    const single = await postJson(
      api('/sdapi/v1/extra-single-image'),
      { image, upscaler_1: 'Lanczos', upscaling_resize: 2 },
      alice,
    )
    expect(single.status).toBe(200)
    expect(await sizeOf(single.body.image)).toEqual({ width: 64, height: 64 })
    expect(single.body.html_info).toContain('Lanczos')
    const batch = await postJson(
      api('/sdapi/v1/extra-batch-images'),
      {
        imageList: [
          { data: image, name: 'a' },
          { data: await pngBase64(16, 16), name: 'b' },
        ],
        upscaler_1: 'Lanczos',
        upscaling_resize: 2,
      },
      alice,
    )
    expect(batch.status).toBe(200)
    expect(batch.body.images).toHaveLength(2)
    expect(await sizeOf(batch.body.images[1])).toEqual({ width: 32, height: 32 })
  })

  it('applies ControlNet units and appends their detected maps after the images', async () => {
    const answer = await postJson(
      api('/sdapi/v1/txt2img'),
      {
        prompt: 'a village',
        steps: 4,
        width: 64,
        height: 64,
        seed: 9,
        alwayson_scripts: {
          controlnet: {
            args: [
              {
                enabled: true,
                image: await pngBase64(64, 64, 30),
                module: 'none',
                model: 'control_v1p_sd15_qrcode_monster',
                weight: 1.3,
              },
              { enabled: false, model: 'ignored' },
            ],
          },
        },
      },
      alice,
    )
    expect(answer.status).toBe(200)
    // one image + one detected map (the disabled unit does nothing)
    expect(answer.body.images).toHaveLength(2)
    expect(JSON.parse(answer.body.info).infotexts[0]).toContain('ControlNet 0')
    const run = await getJson(api(`/api/runs/${answer.headers.get('x-sdflow-run')}`), alice)
    expect(run.body.nodes.cn0.type).toBe('sd.controlnet-unit')
    expect(run.body.nodes.cn1).toBeUndefined()
  })

  it('answers catalogs as the union of the healthy backends', async () => {
    const samplers = await getJson(api('/sdapi/v1/samplers'), alice)
    expect(samplers.body.map((s: { name: string }) => s.name)).toContain('DPM++ 2M')
    const direct = await getJson(`${g.emulators[0]?.url}/sdapi/v1/sd-models`)
    const models = await getJson(api('/sdapi/v1/sd-models'), alice)
    expect(models.body).toEqual(direct.body)
    for (const path of [
      '/sdapi/v1/schedulers',
      '/sdapi/v1/upscalers',
      '/sdapi/v1/latent-upscale-modes',
    ]) {
      const answer = await getJson(api(path), alice)
      expect(answer.status).toBe(200)
      expect(answer.body.length).toBeGreaterThan(0)
    }
    const cn = await getJson(api('/controlnet/model_list'), alice)
    expect(cn.body.model_list).toContain('control_v1p_sd15_qrcode_monster [a6e58995]')
    const modules = await getJson(api('/controlnet/module_list'), alice)
    expect(modules.body.module_list).toContain('canny')
    expect((await getJson(api('/controlnet/version'), alice)).body).toEqual({ version: 3 })
    const options = await getJson(api('/sdapi/v1/options'), alice)
    expect(options.body).toHaveProperty('sd_model_checkpoint')
    // a backend's 4.0 goes out as 4.0 again, as A1111 writes it
    const raw = await fetch(api('/sdapi/v1/options'), { headers: alice })
    expect(await raw.text()).toContain('"img_downscale_threshold":4.0')
    expect((await getJson(api('/internal/ping'), alice)).body).toEqual({})
    expect((await getJson(api('/sdapi/v1/memory'), alice)).body.ram.total).toBeGreaterThan(0)
  })

  it("reports the caller's job in /progress and /internal/progress while it runs", async () => {
    const job = postJson(
      api('/sdapi/v1/txt2img'),
      { prompt: 'slow', steps: 120, width: 64, height: 64, force_task_id: 'task(alice-1)' },
      alice,
    )
    const seen = await waitFor(async () => {
      const p = (await getJson(api('/sdapi/v1/progress'), alice)).body
      return p.state.sampling_steps === 120 && p.progress > 0.05 ? p : undefined
    }, 'progress of the running job')
    expect(seen.state.job).toBe('scripts_txt2img')
    const internal = await postJson(api('/internal/progress'), { id_task: 'task(alice-1)' }, alice)
    expect(internal.body).toMatchObject({ active: true, completed: false })
    expect((await job).status).toBe(200)
    const after = await postJson(api('/internal/progress'), { id_task: 'task(alice-1)' }, alice)
    expect(after.body.completed).toBe(true)
    const idle = await getJson(api('/sdapi/v1/progress'), alice)
    expect(idle.body).toMatchObject({ progress: 0, current_image: null })
  })

  it("interrupts the caller's job: A1111's partial answer, 200", async () => {
    const job = postJson(
      api('/sdapi/v1/txt2img'),
      { prompt: 'to be stopped', steps: 150, width: 64, height: 64 },
      alice,
    )
    await waitFor(async () => {
      const p = (await getJson(api('/sdapi/v1/progress'), alice)).body
      return p.state.sampling_steps === 150 && p.progress > 0.05
    }, 'the job to run')
    expect((await postJson(api('/sdapi/v1/interrupt'), {}, alice)).body).toEqual({})
    const answer = await job
    expect(answer.status).toBe(200)
    const run = await getJson(api(`/api/runs/${answer.headers.get('x-sdflow-run')}`), alice)
    const backend = g.emulators[run.body.nodes.gen.backend === 'a' ? 0 : 1]
    const state = await getJson(`${backend?.url}/sdapi/v1/progress`)
    expect(state.body.state.interrupted).toBe(true)
  })

  it("skip ends the caller's current iteration only: its job goes on, another caller's is untouched", async () => {
    const bob = { authorization: basic('bob') }
    const request = { prompt: 'two', steps: 80, n_iter: 2, width: 64, height: 64 }
    const skips = () => g.emulators.map((e) => e.stats().requests?.['/sdapi/v1/skip'] ?? 0)
    const before = skips()
    const mine = postJson(api('/sdapi/v1/txt2img'), { ...request, seed: 5 }, alice)
    const theirs = postJson(api('/sdapi/v1/txt2img'), { ...request, seed: 6 }, bob)
    const first = await waitFor(async () => {
      const p = (await getJson(api('/sdapi/v1/progress'), alice)).body
      return p.state.sampling_steps > 0 && p.progress > 0.05 && p.progress < 0.4 ? p : undefined
    }, "alice's first iteration")
    // as A1111 counts n_iter: steps of the running iteration, job_no of job_count
    expect(first.state).toMatchObject({ job_count: 2, job_no: 0, sampling_steps: 80 })
    expect((await postJson(api('/sdapi/v1/skip'), {}, alice)).status).toBe(200)
    const [a, b] = await Promise.all([mine, theirs])
    expect(a.status).toBe(200)
    expect(a.body.images).toHaveLength(2)
    expect(b.status).toBe(200)
    expect(b.body.images).toHaveLength(2)
    const runOf = async (r: typeof a) =>
      (await getJson(api(`/api/runs/${r.headers.get('x-sdflow-run')}`), alice)).body
    const backendIndex = (run: { nodes: { gen: { backend: string } } }) =>
      run.nodes.gen.backend === 'a' ? 0 : 1
    const after = skips()
    const aliceBackend = backendIndex(await runOf(a))
    expect((after[aliceBackend] ?? 0) - (before[aliceBackend] ?? 0)).toBe(1)
    expect((after[1 - aliceBackend] ?? 0) - (before[1 - aliceBackend] ?? 0)).toBe(0)
  })

  it('answers a bad body with a FastAPI 422', async () => {
    const answer = await postJson(api('/sdapi/v1/txt2img'), { steps: 'many', width: 64 }, alice)
    expect(answer.status).toBe(422)
    expect(answer.body).toEqual({
      detail: [
        { loc: ['body', 'steps'], msg: 'value is not a valid integer', type: 'type_error.integer' },
      ],
    })
    const missing = await postJson(api('/sdapi/v1/img2img'), { prompt: 'x' }, alice)
    expect(missing.status).toBe(422)
    expect(missing.body.detail[0]).toMatchObject({
      loc: ['body', 'init_images'],
      type: 'value_error.missing',
    })
    const notJson = await fetch(api('/sdapi/v1/txt2img'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...alice },
      body: '{"prompt":',
    })
    expect(notJson.status).toBe(422)
    const parsed = (await notJson.json()) as { detail: { type: string }[] }
    expect(parsed.detail[0]?.type).toBe('value_error.jsondecode')
  })

  it('asks for the token as Bearer or as the Basic password, answering 401 in A1111 shape', async () => {
    const none = await getJson(api('/sdapi/v1/samplers'))
    expect(none.status).toBe(401)
    expect(none.body).toEqual({
      error: 'HTTPException',
      detail: 'Not authenticated',
      body: '',
      errors: '',
    })
    const wrong = await getJson(api('/sdapi/v1/samplers'), {
      authorization: basic('alice', 'nope-nope'),
    })
    expect(wrong.body.detail).toBe('Incorrect username or password')
    const bearer = await getJson(api('/sdapi/v1/samplers'), {
      authorization: 'Bearer gateway-token-1234',
    })
    expect(bearer.status).toBe(200)
    // /api keeps sdflow's envelope
    const sdflow = await fetch(api('/api/runs'), {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    })
    expect(((await sdflow.json()) as { code: string }).code).toBe('SDF_SERVER_UNAUTHORIZED')
  })

  it('refuses a request from another origin, as on /api', async () => {
    const answer = await postJson(
      api('/sdapi/v1/txt2img'),
      { prompt: 'x' },
      { ...alice, origin: 'http://evil.example' },
    )
    expect(answer.status).toBe(403)
  })

  it('describes both faces in the OpenAPI document at /docs', async () => {
    const doc = (await getJson(api('/docs/json'), alice)).body
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/sdapi/v1/txt2img',
        '/sdapi/v1/img2img',
        '/sdapi/v1/progress',
        '/controlnet/model_list',
        '/api/workflows/{name}/run',
        '/api/runs',
      ]),
    )
    expect(doc.paths['/sdapi/v1/txt2img'].post.tags).toEqual(['a1111'])
    expect(doc.paths['/sdapi/v1/txt2img'].post.requestBody).toBeDefined()
  })

  it("POST /options changes nothing global: it applies to that caller's later jobs only", async () => {
    const before = await getJson(`${g.emulators[0]?.url}/sdapi/v1/options`)
    const set = await postJson(api('/sdapi/v1/options'), { CLIP_stop_at_last_layers: 2 }, alice)
    expect(set.status).toBe(200)
    expect(set.body).toBeNull()
    expect((await getJson(`${g.emulators[0]?.url}/sdapi/v1/options`)).body).toEqual(before.body)
    expect((await getJson(api('/sdapi/v1/options'), alice)).body.CLIP_stop_at_last_layers).toBe(2)
    const bob = { authorization: basic('bob') }
    expect((await getJson(api('/sdapi/v1/options'), bob)).body.CLIP_stop_at_last_layers).toBe(
      before.body.CLIP_stop_at_last_layers,
    )
    const answer = await postJson(
      api('/sdapi/v1/txt2img'),
      { prompt: 'x', steps: 2, width: 64, height: 64 },
      alice,
    )
    expect(answer.body.info).toContain('"clip_skip": 2')
    const unknown = await postJson(api('/sdapi/v1/options'), { no_such_option: 1 }, alice)
    expect(unknown.status).toBe(500)
    expect(unknown.body.error).toBe('KeyError')
  })

  it('generates every call, as A1111 does, unless X-Sdflow-Cache: allow', async () => {
    const request = { prompt: 'cached?', steps: 3, width: 64, height: 64, seed: 4242 }
    const first = await postJson(api('/sdapi/v1/txt2img'), request, alice)
    const second = await postJson(api('/sdapi/v1/txt2img'), request, alice)
    const third = await postJson(api('/sdapi/v1/txt2img'), request, {
      ...alice,
      'x-sdflow-cache': 'allow',
    })
    const status = async (a: typeof first) =>
      (await getJson(api(`/api/runs/${a.headers.get('x-sdflow-run')}`), alice)).body.nodes.gen
        .status
    expect(await status(first)).toBe('done')
    expect(await status(second)).toBe('done')
    expect(await status(third)).toBe('cached')
    expect(third.body.images).toEqual(second.body.images)
  })

  it('records each call as a run in GET /api/runs: seeds, backend, GPU time, cost', async () => {
    const answer = await postJson(
      api('/sdapi/v1/txt2img'),
      { prompt: 'recorded', steps: 4, width: 64, height: 64, seed: 77 },
      alice,
    )
    const runId = answer.headers.get('x-sdflow-run')
    const list = await getJson(api('/api/runs?limit=50'), alice)
    const entry = list.body.runs.find((r: { id: string }) => r.id === runId)
    expect(entry).toMatchObject({
      workflow: 'a1111-txt2img',
      status: 'finished',
      seeds: { gen: [77] },
    })
    expect(entry.backends.length).toBe(1)
    expect(entry.cost.gpuMs).toBeGreaterThan(0)
    expect(entry.cost.cost).toBeGreaterThan(0)
    const run = await getJson(api(`/api/runs/${runId}`), alice)
    expect(run.body.files).toEqual([])
    expect(run.body.nodes.gen.params ?? run.body.document.nodes.gen.params).toMatchObject({
      prompt: 'recorded',
      seed: 77,
    })
  })

  it('records POST /controlnet/detect as a one-node run with its backend and GPU time', async () => {
    const image = await pngBase64(64, 64, 90)
    const answer = await postJson(
      api('/controlnet/detect'),
      { controlnet_module: 'canny', controlnet_input_images: [image] },
      alice,
    )
    expect(answer.status).toBe(200)
    expect(answer.body.info).toBe('Success')
    expect(answer.body.images).toHaveLength(1)
    // ControlNet draws the map at processor_res (its default 512) on the short side
    expect(await sizeOf(answer.body.images[0])).toEqual({ width: 512, height: 512 })
    const runId = answer.headers.get('x-sdflow-run')
    expect(runId).toBeTruthy()
    const list = await getJson(api('/api/runs?limit=50'), alice)
    const entry = list.body.runs.find((r: { id: string }) => r.id === runId)
    expect(entry).toMatchObject({ workflow: 'a1111-controlnet-detect', status: 'finished' })
    expect(entry.backends.length).toBe(1)
    expect(entry.cost.gpuMs).toBeGreaterThan(0)
    const run = await getJson(api(`/api/runs/${runId}`), alice)
    expect(run.body.document.nodes.gen).toMatchObject({
      type: 'sd.controlnet-detect',
      params: { module: 'canny', processor_res: 512, threshold_a: 64, threshold_b: 64 },
    })
  })

  it("answers detect with an unknown module in A1111 shape, not sdflow's", async () => {
    const image = await pngBase64(32, 32)
    const answer = await postJson(
      api('/controlnet/detect'),
      { controlnet_module: 'no-such-module', controlnet_input_images: [image] },
      alice,
    )
    expect(answer.status).toBeGreaterThanOrEqual(400)
    expect(answer.body.error ?? answer.body.detail).toBeTruthy()
    expect(answer.body.code).toBeUndefined()
  })
})
