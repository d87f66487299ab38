import { defineNode, pixelBytes, withPixels } from '@sdflow/engine'
import { fail, Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { mapBatch } from './map-batch.js'
import { paramPointer } from './param-pointer.js'
import { storePng } from './store-png.js'

export const crop = defineNode({
  type: 'image.crop',
  version: 1,
  title: 'Crop image',
  category: 'image',
  description:
    'Cuts the box at x, y of size width x height out of each image; the box must lie inside the image.',
  params: Type.Object({
    x: Type.Integer({ minimum: 0, maximum: 8191, default: 0, description: 'left edge in px' }),
    y: Type.Integer({ minimum: 0, maximum: 8191, default: 0, description: 'top edge in px' }),
    width: Type.Integer({ minimum: 1, maximum: 8192, description: 'box width in px' }),
    height: Type.Integer({ minimum: 1, maximum: 8192, description: 'box height in px' }),
  }),
  inputs: { image: Socket.Image },
  outputs: { image: Socket.Image },
  resource: 'cpu',
  async execute({ params, inputs, nodeId, artifacts, signal }) {
    const { x, y, width, height } = params
    // check every box first, so a bad batch fails before any work
    for (const [index, ref] of inputs.image.entries()) {
      const which = inputs.image.length > 1 ? `image ${index + 1}` : 'the image'
      const outside = (param: string, message: string) =>
        fail('SDF_PARAM_OUT_OF_RANGE', message, {
          pointer: paramPointer(nodeId, param),
          details: { imageWidth: ref.width, imageHeight: ref.height },
        })
      if (x >= ref.width) {
        throw outside('x', `x ${x} is past the right edge: ${which} is ${ref.width} px wide`)
      }
      if (y >= ref.height) {
        throw outside('y', `y ${y} is past the bottom edge: ${which} is ${ref.height} px high`)
      }
      if (x + width > ref.width) {
        throw outside(
          'width',
          `the box ends at x ${x + width} but ${which} is ${ref.width} px wide; use a width of at most ${ref.width - x}`,
        )
      }
      if (y + height > ref.height) {
        throw outside(
          'height',
          `the box ends at y ${y + height} but ${which} is ${ref.height} px high; use a height of at most ${ref.height - y}`,
        )
      }
    }
    const image = await mapBatch(inputs.image, signal, (ref) =>
      // libvips streams the box out; it held about a byte a pixel of the source when measured
      withPixels(signal, pixelBytes(ref, 1), async () => {
        const pipeline = (await artifacts.decode(ref)).extract({ left: x, top: y, width, height })
        return storePng(artifacts, pipeline)
      }),
    )
    return { image }
  },
})
