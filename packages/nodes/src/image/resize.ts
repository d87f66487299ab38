import { defineNode, pixelBytes, withPixels } from '@sdflow/engine'
import { fail, Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { Colour, colour } from './colour.js'
import { mapBatch } from './map-batch.js'
import { paramPointer } from './param-pointer.js'
import { storePng } from './store-png.js'

const Side = (description: string) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: 8192, description }))

export const resize = defineNode({
  type: 'image.resize',
  version: 1,
  title: 'Resize image',
  category: 'image',
  description:
    'Resizes each image to width x height; give one of the two to keep the aspect ratio, and fit to choose how the other is matched.',
  params: Type.Object({
    width: Side('target width in px; leave out to follow the aspect ratio'),
    height: Side('target height in px; leave out to follow the aspect ratio'),
    fit: Type.Enum(['cover', 'contain', 'fill', 'inside', 'outside'], {
      default: 'cover',
      description:
        'cover crops to fill the box, contain letterboxes, fill stretches, inside/outside keep the ratio within/around the box',
    }),
    kernel: Type.Enum(
      ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3', 'mks2013', 'mks2021'],
      { default: 'lanczos3', description: 'resampling filter; nearest keeps hard pixel edges' },
    ),
    background: Colour('#000000', 'colour of the bars that contain adds'),
  }),
  inputs: { image: Socket.Image },
  outputs: { image: Socket.Image },
  resource: 'cpu',
  async execute({ params, inputs, nodeId, artifacts, signal }) {
    const { width, height, fit, kernel } = params
    if (width === undefined && height === undefined) {
      throw fail('SDF_PARAM_MISSING', 'set width, height or both', {
        pointer: paramPointer(nodeId, 'width'),
      })
    }
    const background = { ...colour(params.background), alpha: 1 }
    const image = await mapBatch(inputs.image, signal, (ref) =>
      // libvips streams a resize; what it holds (lines, tiles, the PNG written) grew by about
      // two bytes a pixel of the larger side when measured (bench/cpu-nodes-rss.ts)
      withPixels(signal, pixelBytes(larger(ref, width, height), 2), async () => {
        const pipeline = (await artifacts.decode(ref)).resize(width, height, {
          fit,
          kernel,
          background,
        })
        return storePng(artifacts, pipeline)
      }),
    )
    return { image }
  },
})

/** The larger of the image and the size asked for (a missing side follows the aspect ratio). */
function larger(
  ref: { width: number; height: number },
  width: number | undefined,
  height: number | undefined,
): { width: number; height: number } {
  const w = width ?? Math.round((ref.width * (height ?? ref.height)) / ref.height)
  const h = height ?? Math.round((ref.height * (width ?? ref.width)) / ref.width)
  return w * h > ref.width * ref.height ? { width: w, height: h } : ref
}
