import { type Img2ImgInput, requestBounds } from '@sdflow/a1111'
import { multi, type NodeContext } from '@sdflow/engine'
import type { ControlNetUnit, ImageRef } from '@sdflow/protocol'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { backendParams, generationParams } from './common-params.js'
import { generationMeta, needsOf, onBackend } from './dispatch.js'
import { checkGeneration, generationRequest } from './generation-check.js'
import { type requestOf, unitsOf } from './request.js'
import { defineBackendNode, type NodeServices } from './services.js'

export const img2imgParams = {
  ...generationParams,
  width: Type.Integer({
    minimum: 0,
    default: 0,
    description: "0: the input image width (A1111's API would use 512)",
  }),
  height: Type.Integer({
    minimum: 0,
    default: 0,
    description: "0: the input image height (A1111's API would use 512)",
  }),
  denoising_strength: Type.Number({ ...requestBounds.denoising_strength, default: 0.75 }),
  resize_mode: Type.Integer({
    minimum: 0,
    maximum: 3,
    default: 0,
    description: '0 just resize, 1 crop and resize, 2 resize and fill, 3 latent upscale',
  }),
  image_cfg_scale: Type.Optional(
    Type.Number({ minimum: 0, maximum: 30, description: 'instruct-pix2pix models only' }),
  ),
  ...backendParams,
}

export const img2img = defineBackendNode({
  type: 'sd.img2img',
  version: 1,
  title: 'Image to image',
  category: 'generate',
  description:
    'Redraws each input image from a prompt on an A1111 backend (POST /sdapi/v1/img2img); denoising_strength sets how far it may move.',
  params: Type.Object(img2imgParams),
  inputs: { image: Socket.Image, controlnet: multi(Socket.ControlNet, 'ControlNet units') },
  outputs: {
    image: { kind: Socket.Image, description: 'the redrawn images, batch_size per input image' },
    seeds: { kind: Socket.Integer, description: 'the resolved seed of the first image' },
  },
  resource: 'backend',
  nondeterministic: (params) => params.seed === -1,
  check: (params, services, at) =>
    checkGeneration('img2img', params, services, at, unsized(params)),
  execute: (ctx) =>
    redraw(
      ctx,
      ctx.inputs.image.map((image) => ({ image })),
    ),
})

type RedrawParams = Parameters<typeof requestOf>[0] & {
  width: number
  height: number
  seed: number
  checkpoint: string
  sampler_name: string
  scheduler: string
  backend: string
}

/**
 * img2img for each (image, mask?) pair, one request each, which the pool spreads over the
 * backends; the outputs of img2img and inpaint.
 */
export async function redraw(
  ctx: NodeContext<RedrawParams, { controlnet: ControlNetUnit[] }, NodeServices>,
  pairs: readonly { image: ImageRef; mask?: ImageRef }[],
) {
  const { params, inputs } = ctx
  const results = await Promise.all(
    pairs.map(({ image, mask }) => {
      const input = {
        ...generationRequest(sized(params, image)),
        init_images: [image],
        ...(mask ? { mask } : {}),
        controlnet: unitsOf(inputs.controlnet),
      } as Img2ImgInput
      return onBackend(ctx, needsFor(params, inputs.controlnet), (client, signal, taskId) =>
        client.img2img(input, {
          artifacts: ctx.artifacts,
          signal,
          taskId,
          onProgress: ctx.progress,
        }),
      )
    }),
  )
  ctx.annotate(generationMeta(results))
  return { image: results.flatMap((r) => r.images), seeds: results[0]?.seeds[0] ?? params.seed }
}

/** Sizes left at 0 ("the input size") are known only at run time: not checked before. */
export function unsized(params: { width: number; height: number }): string[] {
  return (['width', 'height'] as const).filter((side) => params[side] === 0)
}

/** Width and height 0 mean "the size of the input image", as the A1111 UI does. */
export function sized<P extends { width: number; height: number }>(params: P, image: ImageRef): P {
  return {
    ...params,
    width: params.width || image.width,
    height: params.height || image.height,
  }
}

export function needsFor(
  params: { checkpoint: string; sampler_name: string; scheduler: string },
  units: readonly { model: string; module: string }[],
) {
  return {
    ...needsOf(params),
    controlnetModels: units.map((u) => u.model),
    controlnetModules: units.map((u) => u.module),
  }
}
