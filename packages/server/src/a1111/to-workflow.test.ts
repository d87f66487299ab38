import { validate } from '@sdflow/engine'
import { createNodeRegistry } from '@sdflow/nodes'
import { describe, expect, it } from 'vitest'
import { A1111Failure } from './a1111-errors.js'
import { nodeParamsOf } from './node-params.js'
import { pyFloat } from './python-json.js'
import { toResponse } from './to-response.js'
import { toWorkflow } from './to-workflow.js'

const registry = createNodeRegistry()
const schemas = nodeParamsOf(registry)
const none = { init: [], units: [], extras: [] }
const hash = (c: string) => c.repeat(64)
const errorsOf = (doc: unknown) =>
  validate(doc, registry, { services: {} }).issues.filter((i) => i.severity === 'error')

describe('toWorkflow', () => {
  it('drops the fields A1111 ignores, as A1111 does (worker-a1111 test_input.json sends them)', () => {
    const doc = toWorkflow(
      'txt2img',
      { prompt: 'a fox', num_inference_steps: 20, guidance_scale: 7.5, steps: 5 },
      none,
      schemas,
    )
    expect(doc.nodes.gen?.params).toEqual({ prompt: 'a fox', steps: 5 })
    expect(errorsOf(doc)).toEqual([])
  })

  it('puts fields the node has as params and the rest, as sent, in extra', () => {
    const doc = toWorkflow(
      'txt2img',
      {
        prompt: 'a fox',
        steps: 20,
        width: 32, // A1111 takes it, and so does the node (one request schema: minimum 8)
        eta: 0.5,
        styles: ['oil'],
        sampler_index: 'Euler a',
        override_settings: {
          sd_model_checkpoint: 'v1-5-pruned-emaonly',
          CLIP_stop_at_last_layers: 2,
        },
        alwayson_scripts: { 'x/y/z plot': { args: [1] } },
        force_task_id: 'task(mine)',
        send_images: true,
      },
      none,
      schemas,
    )
    expect(doc.nodes.gen).toEqual({
      type: 'sd.txt2img',
      params: {
        prompt: 'a fox',
        steps: 20,
        width: 32,
        sampler_name: 'Euler a',
        checkpoint: 'v1-5-pruned-emaonly',
        override_settings: { CLIP_stop_at_last_layers: 2 },
        extra: {
          eta: 0.5,
          styles: ['oil'],
          alwayson_scripts: { 'x/y/z plot': { args: [1] } },
        },
      },
      inputs: {},
    })
    expect(errorsOf(doc)).toEqual([])
  })

  it('makes img2img with a mask an inpaint node fed by stored images, 512x512 unless sent', () => {
    const doc = toWorkflow(
      'img2img',
      { prompt: 'x', init_images: ['..'], mask: '..', mask_blur: 8, inpainting_fill: 1 },
      { init: [hash('a')], mask: hash('b'), units: [], extras: [] },
      schemas,
    )
    expect(doc.nodes.init).toEqual({ type: 'image.artifact', params: { hashes: [hash('a')] } })
    expect(doc.nodes.gen).toMatchObject({
      type: 'sd.inpaint',
      params: { width: 512, height: 512, mask_blur: 8, inpainting_fill: 1 },
      inputs: { image: { node: 'init', output: 'image' }, mask: { node: 'mask', output: 'mask' } },
    })
    expect(errorsOf(doc)).toEqual([])
  })

  it('turns enabled ControlNet units into unit nodes; img2img units without image use the init image', () => {
    const doc = toWorkflow(
      'img2img',
      {
        init_images: ['..'],
        alwayson_scripts: {
          ControlNet: {
            args: [
              { enabled: true, model: 'canny', module: 'canny', guidance: 0.8, hr_option: 'Both' },
              { enabled: false, model: 'off' },
            ],
          },
        },
      },
      { init: [hash('a')], units: [{}, {}], extras: [] },
      schemas,
    )
    expect(doc.nodes.cn0).toEqual({
      type: 'sd.controlnet-unit',
      params: { model: 'canny', module: 'canny', guidance_end: 0.8 },
      inputs: { image: { node: 'init', output: 'image' } },
    })
    expect(doc.nodes.cn1).toBeUndefined()
    expect(doc.nodes.gen?.inputs?.controlnet).toEqual([{ node: 'cn0', output: 'unit' }])
  })

  it('answers a unit value ControlNet refuses with its 500 ValidationError', () => {
    const units = { controlnet: { args: [{ enabled: true, model: 'm', control_mode: 0 }] } }
    expect(() =>
      toWorkflow(
        'txt2img',
        { alwayson_scripts: units },
        { ...none, units: [{ image: hash('c') }] },
        schemas,
      ),
    ).toThrow(A1111Failure)
  })

  it('keeps A1111 extras defaults: upscaler "None", scale to 512x512 with resize_mode 1', () => {
    const doc = toWorkflow(
      'extra-single-image',
      { image: '..', resize_mode: 1, gfpgan_visibility: 0.5 },
      { ...none, extras: [hash('d')] },
      schemas,
    )
    expect(doc.nodes.gen?.params).toEqual({
      upscaler_1: 'None',
      upscaling_resize_w: 512,
      upscaling_resize_h: 512,
      extra: { gfpgan_visibility: 0.5 },
    })
  })
})

describe('toResponse', () => {
  it('answers with images, the request as parameters and info as Python JSON text', () => {
    const answer = toResponse(
      'img2img',
      { prompt: 'é', init_images: ['x'] },
      { meta: { info: { prompt: 'é', all_seeds: [1, 2] } } },
      ['AAAA'],
    )
    expect(answer).toMatchObject({
      images: ['AAAA'],
      parameters: { prompt: 'é', init_images: null, mask: null },
      info: '{"prompt": "\\u00e9", "all_seeds": [1, 2]}',
    })
  })

  it("echoes A1111's whole request model: the caller's values, every other field's default", () => {
    const answer = toResponse('txt2img', { prompt: 'a fox', steps: 4, unknown: 1 }, {}, [])
    const parameters = answer.parameters as Record<string, unknown>
    expect(parameters).toMatchObject({
      prompt: 'a fox',
      steps: 4,
      seed: -1,
      sampler_index: 'Euler',
      sampler_name: null,
      width: 512,
      send_images: true,
      alwayson_scripts: {},
    })
    expect(parameters.cfg_scale).toEqual(pyFloat(7))
    expect(parameters).not.toHaveProperty('unknown')
  })
})
