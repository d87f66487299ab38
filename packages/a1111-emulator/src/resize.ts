import sharp, { type KernelEnum, type Sharp } from 'sharp'
import type { RawImage } from './picture.js'

/** A1 `images.resize_image` modes: 0/3 just resize, 1 crop and resize, 2 resize and fill. */
export type ResizeMode = 'just-resize' | 'crop-and-resize' | 'resize-and-fill'

export function resizeModeFromA1(mode: number): ResizeMode {
  if (mode === 1) return 'crop-and-resize'
  if (mode === 2) return 'resize-and-fill'
  return 'just-resize'
}

function rawSharp(image: RawImage, channels: 1 | 3): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels } })
}

export async function resizeRaw(
  image: RawImage,
  width: number,
  height: number,
  mode: ResizeMode,
  channels: 1 | 3 = 3,
  kernel: keyof KernelEnum = 'lanczos3',
): Promise<RawImage> {
  if (image.width === width && image.height === height) return image
  let pipeline: Sharp
  if (mode === 'crop-and-resize') {
    pipeline = rawSharp(image, channels).resize(width, height, { fit: 'cover', kernel })
  } else if (mode === 'resize-and-fill') {
    const scale = Math.min(width / image.width, height / image.height)
    const w = Math.max(1, Math.min(width, Math.round(image.width * scale)))
    const h = Math.max(1, Math.min(height, Math.round(image.height * scale)))
    const left = Math.floor((width - w) / 2)
    const top = Math.floor((height - h) / 2)
    const inner = await rawSharp(image, channels)
      .resize(w, h, { fit: 'fill', kernel })
      .raw()
      .toBuffer()
    pipeline = sharp(inner, { raw: { width: w, height: h, channels } }).extend({
      top,
      bottom: height - h - top,
      left,
      right: width - w - left,
      extendWith: 'copy',
    })
  } else {
    pipeline = rawSharp(image, channels).resize(width, height, { fit: 'fill', kernel })
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}
