import { type ArtifactStore, defineNode, optional, pixelBytes, withPixels } from '@sdflow/engine'
import { fail, type ImageRef, Socket } from '@sdflow/protocol'
import type { Blend } from 'sharp'
import { Type } from 'typebox'
import { type MaskPixels, readMask } from '../mask/mask-pixels.js'
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
      const bytes = compositeBytes(pair.base, pair.overlay, pair.mask !== undefined, params)
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
function coverage(base: Size, overlay: Size, place: Placement) {
  const drawn = place.fit_overlay ? base : overlay
  const left = Math.max(0, place.x)
  const top = Math.max(0, place.y)
  const width = Math.min(base.width, place.x + drawn.width) - left
  const height = Math.min(base.height, place.y + drawn.height) - top
  return { left, top, width: Math.max(0, width), height: Math.max(0, height) }
}

/**
 * Bytes of pixels one pair holds at its peak: the covered part of the overlay as 8-bit RGBA
 * and the mask as one 8-bit channel the size of base. Base itself streams through libvips.
 */
export function compositeBytes(base: Size, overlay: Size, hasMask: boolean, place: Placement) {
  return pixelBytes(coverage(base, overlay, place)) + (hasMask ? pixelBytes(base, 1) : 0)
}

/**
 * Base streams from its PNG through libvips' composite into the PNG written, at 8 bits per
 * channel; only the covered part of the overlay (and the mask) are held as raw pixels.
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
  let out = backdrop
  if (area.width > 0 && area.height > 0) {
    const weights = mask ? await readMask(artifacts, mask, size) : undefined
    const layer = await overlayLayer(artifacts, overlay, size, area, place, weights)
    out = backdrop.composite([
      {
        input: layer,
        raw: { width: area.width, height: area.height, channels: 4 },
        ...area,
        blend: place.blend,
      },
    ])
  }
  // keep an opaque base opaque (composite gives it alpha); sharp removes it after compositing
  if (!hasAlpha) out = out.removeAlpha()
  return storePng(artifacts, out.toColourspace('srgb'))
}

/**
 * The covered part of the overlay as 8-bit RGBA, its alpha scaled by opacity and by the mask
 * (given at the size of base).
 */
async function overlayLayer(
  artifacts: ArtifactStore,
  overlay: ImageRef,
  size: Size,
  area: { left: number; top: number; width: number; height: number },
  place: Placement,
  mask: MaskPixels | undefined,
): Promise<Buffer> {
  let pipeline = await artifacts.decode(overlay)
  if (place.fit_overlay) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' })
  const drawn = place.fit_overlay ? size : overlay
  if (area.width !== drawn.width || area.height !== drawn.height) {
    pipeline = pipeline.extract({
      left: area.left - place.x,
      top: area.top - place.y,
      width: area.width,
      height: area.height,
    })
  }
  const { data, info } = await pipeline
    .ensureAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  if (info.channels !== 4 || data.length !== area.width * area.height * 4) {
    throw new Error(`overlay decoded to ${info.channels} channels, not 4 (RGBA)`)
  }
  if (place.opacity === 1 && !mask) return data
  for (let row = 0; row < area.height; row++) {
    const from = (area.top + row) * size.width + area.left
    for (let col = 0; col < area.width; col++) {
      const a = (row * area.width + col) * 4 + 3
      const weight = mask ? (mask.data[from + col] ?? 0) / 255 : 1
      data[a] = Math.round((data[a] ?? 0) * place.opacity * weight)
    }
  }
  return data
}
