import { type ArtifactStore, defineNode, optional, pixelBytes, withPixels } from '@sdflow/engine'
import { fail, type ImageRef, Socket } from '@sdflow/protocol'
import type { Blend } from 'sharp'
import { Type } from 'typebox'
import { type Area, overlayLayer, withScratch } from './composite-layer.js'
import { at, broadcastLength, mapBatch } from './map-batch.js'
import { inputPointer } from './param-pointer.js'
import { storePng } from './store-png.js'

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
    const image = await mapBatch(indices, signal, async (i) => {
      const pair = { base: at(base, i), overlay: at(overlay, i), mask: mask && at(mask, i) }
      const bytes = compositeBytes(pair.base)
      return withPixels(signal, bytes, () =>
        compositeOne(artifacts, pair.base, pair.overlay, pair.mask, params),
      )
    })
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

interface Size {
  width: number
  height: number
}

/** The part of base the overlay covers (empty when it lands outside). */
function coverage(base: Size, overlay: Size, place: Placement): Area {
  const drawn = place.fit_overlay ? base : overlay
  const left = Math.max(0, place.x)
  const top = Math.max(0, place.y)
  const width = Math.min(base.width, place.x + drawn.width) - left
  const height = Math.min(base.height, place.y + drawn.height) - top
  return { left, top, width: Math.max(0, width), height: Math.max(0, height) }
}

/**
 * Bytes one pair holds at its peak: nothing whole, every image streams through libvips
 * (composite-layer.ts), but its line buffers and PNG codecs grow with the image; measured at
 * 62-123 MiB for 8192 x 8192 (bench/cpu-nodes-rss.ts), so 2 bytes a pixel of base.
 */
export function compositeBytes(base: Size) {
  return pixelBytes(base, 2)
}

/**
 * Base streams from its PNG through libvips' composite into the PNG written, at 8 bits per
 * channel; the overlay (and the mask) stream to a scratch PNG file first, which libvips reads
 * back line by line as the composite needs it.
 */
async function compositeOne(
  artifacts: ArtifactStore,
  base: ImageRef,
  overlay: ImageRef,
  mask: ImageRef | undefined,
  place: Placement,
): Promise<ImageRef> {
  const size = { width: base.width, height: base.height }
  const area = coverage(size, overlay, place)
  const backdrop = await artifacts.decode(base)
  const { hasAlpha } = await backdrop.metadata()
  // keep an opaque base opaque (composite gives it alpha); sharp removes it after compositing
  const finish = (out: typeof backdrop) =>
    storePng(artifacts, (hasAlpha ? out : out.removeAlpha()).toColourspace('srgb'))
  if (area.width === 0 || area.height === 0) return finish(backdrop)
  return withScratch(async (dir) => {
    const layer = await overlayLayer(artifacts, overlay, mask, size, area, place, dir)
    return finish(backdrop.composite([{ input: layer, ...area, blend: place.blend }]))
  })
}
