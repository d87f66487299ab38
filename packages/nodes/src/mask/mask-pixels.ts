import type { ArtifactStore } from '@sdflow/engine'
import type { ImageRef } from '@sdflow/protocol'
import { fromRaw, storePng } from '../image/store-png.js'

/** One 8-bit channel per pixel: 255 = change, 0 = keep. */
export interface MaskPixels {
  data: Buffer
  width: number
  height: number
}

/**
 * Read a mask (or any image) as one grey channel, optionally stretched to `size`.
 * Transparent parts count as black.
 */
export async function readMask(
  artifacts: ArtifactStore,
  ref: ImageRef,
  size?: { width: number; height: number },
): Promise<MaskPixels> {
  let pipeline = (await artifacts.decode(ref)).flatten({ background: '#000000' })
  if (size && (size.width !== ref.width || size.height !== ref.height)) {
    pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' })
  }
  const { data, info } = await pipeline
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data: firstChannel(data, info.channels), width: info.width, height: info.height }
}

/** Store mask pixels as a single-channel greyscale PNG. */
export function storeMask(artifacts: ArtifactStore, mask: MaskPixels): Promise<ImageRef> {
  return storePng(artifacts, fromRaw(mask.data, mask.width, mask.height, 1))
}

/** Channel 0 of interleaved pixels (a no-op for one channel). */
export function firstChannel(data: Buffer, channels: number, channel = 0): Buffer {
  if (channels === 1) return data
  const out = Buffer.alloc(data.length / channels)
  for (let i = 0; i < out.length; i++) out[i] = data[i * channels + channel] ?? 0
  return out
}
