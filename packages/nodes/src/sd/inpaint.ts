import { multi } from '@sdflow/engine'
import { fail, type Issue, pointer, Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { at, broadcastLength } from '../image/map-batch.js'
import { checkGeneration } from './generation-check.js'
import { img2imgParams, redraw, sized, unsized } from './img2img.js'
import { defineBackendNode } from './services.js'

export const inpaint = defineBackendNode({
  type: 'sd.inpaint',
  version: 1,
  title: 'Inpaint',
  category: 'generate',
  description:
    'Redraws only the masked area of each image (white = change) on an A1111 backend; the rest stays as it was.',
  params: Type.Object({
    ...img2imgParams,
    mask_blur: Type.Integer({ minimum: 0, maximum: 64, default: 4 }),
    inpainting_fill: Type.Integer({
      minimum: 0,
      maximum: 3,
      default: 0,
      description: '0 fill, 1 original, 2 latent noise, 3 latent nothing',
    }),
    inpaint_full_res: Type.Boolean({
      default: true,
      description: 'only masked: work at full resolution around the mask',
    }),
    inpaint_full_res_padding: Type.Integer({ minimum: 0, maximum: 256, default: 0 }),
    inpainting_mask_invert: Type.Integer({
      minimum: 0,
      maximum: 1,
      default: 0,
      description: '1: inpaint outside the mask',
    }),
  }),
  inputs: {
    image: Socket.Image,
    mask: Socket.Mask,
    controlnet: multi(Socket.ControlNet, 'ControlNet units'),
  },
  outputs: {
    image: { kind: Socket.Image, description: 'the inpainted images' },
    seeds: { kind: Socket.Integer, description: 'the resolved seed of the first image' },
  },
  resource: 'backend',
  nondeterministic: (params) => params.seed === -1,
  check(params, services, at) {
    const issues = checkGeneration('img2img', params, services, at, unsized(params))
    return params.inpaint_full_res ? issues : issues.map(wholePictureSize)
  },
  async execute(ctx) {
    const { inputs } = ctx
    const batch = broadcastLength({ image: inputs.image, mask: inputs.mask })
    if ('mismatch' in batch) {
      throw fail(
        'SDF_INPUT_BATCH_MISMATCH',
        `${inputs.image.length} images but ${inputs.mask.length} masks: give one mask, or one per image`,
        { pointer: pointer('nodes', ctx.nodeId, 'inputs', batch.mismatch) },
      )
    }
    const pairs = Array.from({ length: batch.length }, (_, index) => ({
      image: at(inputs.image, index),
      mask: at(inputs.mask, index),
    }))
    if (!ctx.params.inpaint_full_res) {
      // sizes taken from the input image are known only now
      for (const { image } of pairs) {
        const { width, height } = sized(ctx.params, image)
        if (width % 8 === 0 && height % 8 === 0) continue
        throw fail(
          'SDF_PARAM_SIZE_NOT_MULTIPLE_OF_8',
          wholePictureMessage(`${width} x ${height}`),
          {
            pointer: pointer('nodes', ctx.nodeId, 'params', 'inpaint_full_res'),
          },
        )
      }
    }
    return redraw(ctx, pairs)
  },
})

function wholePictureMessage(size: string): string {
  return (
    `${size} is not a multiple of 8 and inpaint_full_res is false: A1111 fails such a job ` +
    '(500 ValueError "images do not match", processing.py apply_overlay). Use multiples of 8 ' +
    '(e.g. resize the image first) or set inpaint_full_res: true'
  )
}

/** Whole-picture inpainting at a size that is not /8 fails on A1111: an error, not a warning. */
function wholePictureSize(found: Issue): Issue {
  if (found.code !== 'SDF_PARAM_SIZE_NOT_MULTIPLE_OF_8') return found
  const value = found.message.split(' ')[1] ?? ''
  const side = found.pointer.split('/').at(-1) ?? ''
  return { ...found, severity: 'error', message: wholePictureMessage(`${side} ${value}`) }
}
