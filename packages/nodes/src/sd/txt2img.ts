import type { Txt2ImgInput } from '@sdflow/a1111'
import { multi } from '@sdflow/engine'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { backendParams, generationParams, hiresParams } from './common-params.js'
import { generationMeta, needsOf, onBackend } from './dispatch.js'
import { checkGeneration, generationRequest } from './generation-check.js'
import { unitsOf } from './request.js'
import { defineBackendNode } from './services.js'

/** Fields A1111 takes only with hires fix on. */
export const hiresOnly = [
  'hr_scale',
  'hr_upscaler',
  'hr_second_pass_steps',
  'hr_resize_x',
  'hr_resize_y',
  'denoising_strength',
]

export const txt2img = defineBackendNode({
  type: 'sd.txt2img',
  version: 1,
  title: 'Text to image',
  category: 'generate',
  description:
    'Generates images from a prompt on an A1111 backend (POST /sdapi/v1/txt2img), with optional hires fix and ControlNet units.',
  params: Type.Object({ ...generationParams, ...hiresParams, ...backendParams }),
  inputs: { controlnet: multi(Socket.ControlNet, 'ControlNet units, applied together') },
  outputs: {
    image: { kind: Socket.Image, description: 'the generated batch' },
    seeds: {
      kind: Socket.Integer,
      description: 'the resolved seed of the first image (image k used seed + k)',
    },
  },
  resource: 'backend',
  nondeterministic: (params) => params.seed === -1,
  check: (params, services, at) =>
    checkGeneration('txt2img', params, services, at, params.enable_hr ? [] : hiresOnly),
  async execute(ctx) {
    const { params, inputs } = ctx
    const request = generationRequest(params, params.enable_hr ? [] : hiresOnly)
    // the client checks the request against the A1111 schema before it is sent
    const input = { ...request, controlnet: unitsOf(inputs.controlnet) } as Txt2ImgInput
    const needs = {
      ...needsOf(params),
      upscalers: params.enable_hr ? [params.hr_upscaler] : [],
      controlnetModels: inputs.controlnet.map((u) => u.model),
      controlnetModules: inputs.controlnet.map((u) => u.module),
    }
    const result = await onBackend(ctx, needs, (client, signal, taskId) =>
      client.txt2img(input, {
        artifacts: ctx.artifacts,
        signal,
        taskId,
        onProgress: (update) => ctx.progress(update),
      }),
    )
    ctx.annotate(generationMeta([result]))
    return { image: result.images, seeds: result.seeds[0] ?? params.seed }
  },
})
