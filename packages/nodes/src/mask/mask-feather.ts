import { defineNode, pixelBytes, withPixels } from '@sdflow/engine'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { mapBatch } from '../image/map-batch.js'
import { fromRaw } from '../image/store-png.js'
import { firstChannel, readMask, storeMask } from './mask-pixels.js'

/** Below this sigma a Gaussian blur changes nothing visible (and libvips refuses it). */
const MIN_SIGMA = 0.3

export const maskFeather = defineNode({
  type: 'mask.feather',
  version: 1,
  title: 'Feather mask',
  category: 'mask',
  description:
    'Softens the edges of each mask with a Gaussian blur so changes blend into what is kept.',
  params: Type.Object({
    radius: Type.Number({
      minimum: 0,
      maximum: 256,
      default: 8,
      description: 'blur sigma in px; 0 leaves the mask as it is',
    }),
  }),
  inputs: { mask: Socket.Mask },
  outputs: { mask: Socket.Mask },
  resource: 'cpu',
  async execute({ params, inputs, artifacts, signal }) {
    // the mask and its blurred copy, one 8-bit channel each
    const mask = await mapBatch(inputs.mask, signal, (ref) =>
      withPixels(signal, pixelBytes(ref, 2), async () => {
        const pixels = await readMask(artifacts, ref)
        if (params.radius < MIN_SIGMA) return storeMask(artifacts, pixels)
        const { data, info } = await fromRaw(pixels.data, pixels.width, pixels.height, 1)
          .blur(params.radius)
          .toColourspace('b-w')
          .raw()
          .toBuffer({ resolveWithObject: true })
        const blurred = firstChannel(data, info.channels)
        return storeMask(artifacts, { data: blurred, width: info.width, height: info.height })
      }),
    )
    return { mask }
  },
})
