import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ArtifactStore, sharp } from '@sdflow/engine'
import type { ImageRef } from '@sdflow/protocol'
import type { Sharp } from 'sharp'

/** A rectangle of base, px. */
export interface Area {
  left: number
  top: number
  width: number
  height: number
}

export interface LayerPlacement {
  opacity: number
  x: number
  y: number
  fit_overlay: boolean
}

/**
 * Scratch files are PNG at the lowest compression: cheap to write and to read back, and never
 * raw pixels held in memory. libvips reads a file input of composite line by line as it needs
 * it, so no stage below holds a whole image (8192 x 8192 RGBA is 256 MiB at 8 bits).
 */
const SCRATCH_PNG = { compressionLevel: 1 } as const

/**
 * Run `fn` with a scratch folder of its own, removed when it settles: where the intermediate
 * images of one composite stream to instead of living in memory as raw pixels.
 */
export async function withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sdflow-composite-'))
  try {
    return await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * The covered part of the overlay as an 8-bit RGBA PNG file in `dir` (its path returned), its
 * alpha scaled by opacity and by the mask (stretched to the size of base). Each step streams
 * from file to file through libvips.
 */
export async function overlayLayer(
  artifacts: ArtifactStore,
  overlay: ImageRef,
  mask: ImageRef | undefined,
  size: { width: number; height: number },
  area: Area,
  place: LayerPlacement,
  dir: string,
): Promise<string> {
  let pipeline = await artifacts.decode(overlay)
  if (place.fit_overlay) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' })
  const drawn = place.fit_overlay ? size : overlay
  if (area.width !== drawn.width || area.height !== drawn.height) {
    pipeline = pipeline.extract({ ...area, left: area.left - place.x, top: area.top - place.y })
  }
  pipeline = pipeline.ensureAlpha().toColourspace('srgb')
  const weights = await weightsInput(artifacts, mask, size, area, place.opacity, dir)
  // dest-in keeps the overlay's colours and multiplies its alpha by the weights' alpha
  if (weights) pipeline = pipeline.composite([{ input: weights, blend: 'dest-in' }])
  const file = join(dir, 'layer.png')
  await pipeline.png(SCRATCH_PNG).toFile(file)
  return file
}

/** What the overlay's alpha is multiplied by (opacity times mask) as a composite input, if any. */
async function weightsInput(
  artifacts: ArtifactStore,
  mask: ImageRef | undefined,
  size: { width: number; height: number },
  area: Area,
  opacity: number,
  dir: string,
) {
  const { width, height } = area
  if (!mask) {
    if (opacity === 1) return undefined
    const background = { r: 0, g: 0, b: 0, alpha: opacity }
    return { create: { width, height, channels: 4 as const, background } }
  }
  // the mask as one grey channel (transparent = black) at the size of base, covered part only
  let grey: Sharp = (await artifacts.decode(mask)).flatten({ background: '#000000' })
  if (size.width !== mask.width || size.height !== mask.height) {
    grey = grey.resize(size.width, size.height, { fit: 'fill' })
  }
  if (width !== size.width || height !== size.height) grey = grey.extract(area)
  grey = grey.toColourspace('b-w')
  if (opacity !== 1) grey = grey.linear(opacity, 0)
  const greyFile = join(dir, 'mask.png')
  await grey.png(SCRATCH_PNG).toFile(greyFile)
  // black with the weights as alpha: what dest-in reads
  const weightsFile = join(dir, 'weights.png')
  await sharp({ create: { width, height, channels: 3, background: '#000000' } })
    .joinChannel(greyFile)
    .png(SCRATCH_PNG)
    .toFile(weightsFile)
  return weightsFile
}
