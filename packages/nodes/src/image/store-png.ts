import { type ArtifactStore, sharp } from '@sdflow/engine'
import type { ImageRef } from '@sdflow/protocol'
import type { Sharp } from 'sharp'

/** Encode a pipeline as PNG and store it. */
export async function storePng(artifacts: ArtifactStore, pipeline: Sharp): Promise<ImageRef> {
  return artifacts.put(await pipeline.png().toBuffer())
}

/** Raw 8-bit pixels as a sharp pipeline (1 channel = greyscale, 3 = RGB, 4 = RGBA). */
export function fromRaw(data: Buffer, width: number, height: number, channels: 1 | 3 | 4): Sharp {
  const pipeline = sharp(data, { raw: { width, height, channels } })
  return channels === 1 ? pipeline.toColourspace('b-w') : pipeline
}
