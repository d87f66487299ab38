import { defineNode, pixelBytes, withPixels } from '@sdflow/engine'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { mapBatch } from '../image/map-batch.js'
import { firstChannel, storeMask } from './mask-pixels.js'

export const maskFromImage = defineNode({
  type: 'mask.from-image',
  version: 1,
  title: 'Mask from image',
  category: 'mask',
  description:
    'Makes a black-and-white mask (white = change) from each image: threshold marks pixels at least as bright as threshold, alpha marks pixels more transparent than it.',
  params: Type.Object({
    mode: Type.Enum(['threshold', 'alpha'], {
      default: 'threshold',
      description: 'threshold: brightness >= threshold is white; alpha: alpha < threshold is white',
    }),
    threshold: Type.Integer({ minimum: 0, maximum: 255, default: 128 }),
    invert: Type.Boolean({ default: false, description: 'swap white and black' }),
  }),
  inputs: { image: Socket.Image },
  outputs: { mask: Socket.Mask },
  resource: 'cpu',
  async execute({ params, inputs, artifacts, signal }) {
    const { mode, threshold, invert } = params
    const mask = await mapBatch(inputs.image, signal, (ref) =>
      // one 8-bit channel is all it holds: libvips picks the channel, the test is in place
      withPixels(signal, pixelBytes(ref, 1), async () => {
        const source = await artifacts.decode(ref)
        // alpha: the last of RGBA; threshold: brightness, transparent parts counting as black
        const pipeline =
          mode === 'alpha'
            ? source.toColourspace('srgb').ensureAlpha().extractChannel(3)
            : source.flatten({ background: '#000000' }).toColourspace('b-w')
        const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true })
        const values = firstChannel(data, info.channels)
        for (let i = 0; i < values.length; i++) {
          const v = values[i] ?? 0
          const marked = mode === 'alpha' ? v < threshold : v >= threshold
          values[i] = marked !== invert ? 255 : 0
        }
        return storeMask(artifacts, { data: values, width: info.width, height: info.height })
      }),
    )
    return { mask }
  },
})
