import type { ControlnetDetectInput } from '@sdflow/a1111'
import { optional } from '@sdflow/engine'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { checkCatalog } from './catalog-check.js'
import { resolveModule } from './controlnet-module.js'
import { onBackend } from './dispatch.js'
import { checkOperation } from './operation-check.js'
import { defineBackendNode } from './services.js'

export const controlnetDetect = defineBackendNode({
  type: 'sd.controlnet-detect',
  version: 1,
  title: 'ControlNet preprocessor',
  category: 'controlnet',
  description:
    "Runs a ControlNet preprocessor (canny, depth, openpose, ...) on each image through /controlnet/detect and outputs the detected maps (the openpose modules' poses and the answer's info are in the node's meta).",
  params: Type.Object({
    module: Type.String({ default: 'canny', 'x-catalog': 'controlnetModules' }),
    processor_res: Type.Integer({
      minimum: -1,
      maximum: 4096,
      default: -1,
      description: '-1: the module default',
    }),
    threshold_a: Type.Number({ default: -1, description: '-1: the module default' }),
    threshold_b: Type.Number({ default: -1, description: '-1: the module default' }),
    backend: Type.String({ default: '', 'x-catalog': 'backends' }),
  }),
  inputs: {
    image: Socket.Image,
    mask: optional(Socket.Mask, 'one mask per image (controlnet_masks), for the inpaint modules'),
  },
  outputs: { image: { kind: Socket.Image, description: 'one detected map per input image' } },
  resource: 'backend',
  check: (params, services, at) => [
    ...checkCatalog(params, services, at),
    ...checkOperation('detect', params, services, at),
  ],
  async execute(ctx) {
    const { params, inputs } = ctx
    const request: ControlnetDetectInput = {
      controlnet_module: resolveModule(params.module, ctx.services),
      controlnet_processor_res: params.processor_res,
      controlnet_threshold_a: params.threshold_a,
      controlnet_threshold_b: params.threshold_b,
      images: inputs.image,
      ...(inputs.mask && inputs.mask.length > 0 && { masks: inputs.mask }),
    }
    const result = await onBackend(
      ctx,
      { operation: 'detect', controlnetModules: [params.module] },
      (client, signal) => client.controlnetDetect(request, { artifacts: ctx.artifacts, signal }),
    )
    ctx.annotate({
      ...(result.info !== undefined && { info: result.info }),
      ...(result.poses && { poses: result.poses }),
    })
    return { image: result.images }
  },
})
