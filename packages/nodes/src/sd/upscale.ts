import type { ExtraSingleImageInput } from '@sdflow/a1111'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { checkCatalog } from './catalog-check.js'
import { onBackend } from './dispatch.js'
import { mergeExtra } from './request.js'
import { checkRequest } from './request-check.js'
import { defineBackendNode } from './services.js'

export const upscale = defineBackendNode({
  type: 'sd.upscale',
  version: 1,
  title: 'Upscale',
  category: 'upscale',
  description:
    'Upscales each image with A1111 extras (POST /sdapi/v1/extra-single-image): by a factor, or to a target size when upscaling_resize_w/h are set.',
  params: Type.Object({
    upscaler_1: Type.String({
      default: 'Lanczos',
      'x-catalog': 'upscalers',
      description: '"None" returns the image at its size',
    }),
    upscaler_2: Type.String({ default: 'None', 'x-catalog': 'upscalers' }),
    extras_upscaler_2_visibility: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    upscaling_resize: Type.Number({
      exclusiveMinimum: 0,
      maximum: 8,
      default: 2,
      description: 'scale factor',
    }),
    upscaling_resize_w: Type.Integer({
      minimum: 0,
      maximum: 8192,
      default: 0,
      description: 'target width (0: use the factor)',
    }),
    upscaling_resize_h: Type.Integer({
      minimum: 0,
      maximum: 8192,
      default: 0,
      description: 'target height (0: use the factor)',
    }),
    upscaling_crop: Type.Boolean({
      default: true,
      description: 'crop to the target aspect instead of stretching',
    }),
    backend: Type.String({ default: '', 'x-catalog': 'backends' }),
    extra: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  }),
  inputs: { image: Socket.Image },
  outputs: { image: Socket.Image },
  resource: 'backend',
  check: (params, services, at) => [
    ...checkCatalog(params, services, at),
    ...checkRequest(
      'extra-single-image',
      mergeExtra(fieldsOf(params), params.extra),
      params.extra,
      services,
      at,
    ),
  ],
  async execute(ctx) {
    const { params, inputs } = ctx
    const { extra, upscaling_resize_w: w, upscaling_resize_h: h } = params
    const fields = fieldsOf(params)
    const toSize = w > 0 || h > 0
    const needs = { upscalers: [params.upscaler_1, params.upscaler_2].filter((u) => u !== 'None') }
    const htmlInfo: string[] = []
    const images = await Promise.all(
      inputs.image.map(async (image) => {
        // a target size keeps the aspect when only one side is given
        const size = toSize
          ? {
              resize_mode: 1,
              upscaling_resize_w: w || Math.round((image.width * h) / image.height),
              upscaling_resize_h: h || Math.round((image.height * w) / image.width),
            }
          : { resize_mode: 0 }
        const request = {
          ...mergeExtra({ ...fields, ...size }, extra),
          image,
        } as ExtraSingleImageInput
        const result = await onBackend(ctx, needs, (client, signal) =>
          client.extraSingleImage(request, { artifacts: ctx.artifacts, signal }),
        )
        htmlInfo.push(result.htmlInfo)
        return result.image
      }),
    )
    ctx.annotate({ htmlInfo: htmlInfo[0] ?? '' })
    return { image: images }
  },
})

/** The extras fields of the params; the target size is added per image. */
function fieldsOf<
  P extends {
    backend: string
    extra: unknown
    upscaling_resize_w: number
    upscaling_resize_h: number
  },
>(params: P) {
  const {
    backend: _b,
    extra: _e,
    upscaling_resize_w: _w,
    upscaling_resize_h: _h,
    ...fields
  } = params
  return fields
}
