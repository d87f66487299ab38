import { defineNode, pixelBytes, withPixels } from '@sdflow/engine'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { mapBatch } from '../image/map-batch.js'
import { readMask, storeMask } from './mask-pixels.js'

export const maskInvert = defineNode({
  type: 'mask.invert',
  version: 1,
  title: 'Invert mask',
  category: 'mask',
  description: 'Swaps what each mask changes and keeps: white becomes black and black white.',
  params: Type.Object({}),
  inputs: { mask: Socket.Mask },
  outputs: { mask: Socket.Mask },
  resource: 'cpu',
  async execute({ inputs, artifacts, signal }) {
    const mask = await mapBatch(inputs.mask, signal, (ref) =>
      withPixels(signal, pixelBytes(ref, 1), async () => {
        const pixels = await readMask(artifacts, ref)
        for (let i = 0; i < pixels.data.length; i++) pixels.data[i] = 255 - (pixels.data[i] ?? 0)
        return storeMask(artifacts, pixels)
      }),
    )
    return { mask }
  },
})
