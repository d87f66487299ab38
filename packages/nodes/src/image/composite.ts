import { type ArtifactStore, defineNode, optional } from '@sdflow/engine'
import { fail, type ImageRef, Socket } from '@sdflow/protocol'
import type { Blend } from 'sharp'
import { Type } from 'typebox'
import { type MaskPixels, readMask } from '../mask/mask-pixels.js'
import { at, broadcastLength, mapBatch } from './map-batch.js'
import { inputPointer } from './param-pointer.js'
import { fromRaw, storePng } from './store-png.js'

const blends = [
  'over',
  'multiply',
  'screen',
  'overlay',
  'darken',
  'lighten',
  'add',
  'difference',
  'exclusion',
  'soft-light',
  'hard-light',
  'colour-dodge',
  'colour-burn',
] as const satisfies readonly Blend[]

export const composite = defineNode({
  type: 'image.composite',
  version: 1,
  title: 'Composite images',
  category: 'image',
  description:
    'Lays overlay on top of base with a blend mode and opacity, only where the optional mask is white; batches pair up element by element, and a batch of one is used for every pair.',
  params: Type.Object({
    blend: Type.Enum(blends, { default: 'over', description: 'how overlay colours mix with base' }),
    opacity: Type.Number({ minimum: 0, maximum: 1, default: 1, description: '0 = invisible' }),
    x: Type.Integer({
      minimum: -8192,
      maximum: 8192,
      default: 0,
      description: 'overlay left edge on base, px',
    }),
    y: Type.Integer({
      minimum: -8192,
      maximum: 8192,
      default: 0,
      description: 'overlay top edge on base, px',
    }),
    fit_overlay: Type.Boolean({
      default: true,
      description: 'stretch overlay to the size of base first',
    }),
  }),
  inputs: {
    base: Socket.Image,
    overlay: Socket.Image,
    mask: optional(Socket.Mask, 'where overlay applies (white), stretched to the size of base'),
  },
  outputs: { image: Socket.Image },
  resource: 'cpu',
  async execute({ params, inputs, nodeId, artifacts, signal }) {
    const { base, overlay, mask } = inputs
    const batch = broadcastLength({ base, overlay, mask })
    if ('mismatch' in batch) {
      throw fail(
        'SDF_INPUT_BATCH_MISMATCH',
        `${batch.mismatch} has a batch of ${(inputs[batch.mismatch as 'base'] ?? []).length} images but another input has ${batch.length}; give batches of the same size, or of one image`,
        { pointer: inputPointer(nodeId, batch.mismatch) },
      )
    }
    const indices = Array.from({ length: batch.length }, (_, i) => i)
    const image = await mapBatch(indices, signal, async (i) =>
      compositeOne(artifacts, at(base, i), at(overlay, i), mask && at(mask, i), params),
    )
    return { image }
  },
})

interface Placement {
  blend: Blend
  opacity: number
  x: number
  y: number
  fit_overlay: boolean
}

async function compositeOne(
  artifacts: ArtifactStore,
  base: ImageRef,
  overlay: ImageRef,
  mask: ImageRef | undefined,
  place: Placement,
): Promise<ImageRef> {
  const size = { width: base.width, height: base.height }
  let top = await artifacts.decode(overlay)
  if (place.fit_overlay) top = top.resize(size.width, size.height, { fit: 'fill' })
  const { data, info } = await top.ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  const weights = mask ? await readMask(artifacts, mask, size) : undefined
  const layer = placeLayer(data, info.width, info.height, size, place, weights)
  const backdrop = await artifacts.decode(base)
  const { hasAlpha } = await backdrop.metadata()
  const below = await backdrop.toColourspace('srgb').ensureAlpha().raw().toBuffer()
  const mixed = await fromRaw(below, size.width, size.height, 4)
    .composite([{ input: layer, raw: { ...size, channels: 4 }, blend: place.blend }])
    .raw()
    .toBuffer()
  // keep an opaque base opaque
  const out = fromRaw(mixed, size.width, size.height, 4)
  return storePng(artifacts, hasAlpha ? out : out.removeAlpha())
}

/**
 * The overlay at (x, y) on a transparent canvas the size of base, its alpha scaled by opacity
 * and the mask. Parts of the overlay outside base are cut off.
 */
function placeLayer(
  rgba: Buffer,
  width: number,
  height: number,
  size: { width: number; height: number },
  place: Placement,
  mask: MaskPixels | undefined,
): Buffer {
  const layer = Buffer.alloc(size.width * size.height * 4)
  const left = Math.max(0, place.x)
  const right = Math.min(size.width, place.x + width)
  const top = Math.max(0, place.y)
  const bottom = Math.min(size.height, place.y + height)
  for (let by = top; by < bottom; by++) {
    const oy = by - place.y
    const from = (oy * width + (left - place.x)) * 4
    const to = (by * size.width + left) * 4
    rgba.copy(layer, to, from, from + (right - left) * 4)
    for (let bx = left; bx < right; bx++) {
      const a = (by * size.width + bx) * 4 + 3
      const weight = mask ? (mask.data[by * size.width + bx] ?? 0) / 255 : 1
      layer[a] = Math.round((layer[a] ?? 0) * place.opacity * weight)
    }
  }
  return layer
}
