import sharp from 'sharp'
import type { RawImage } from './picture.js'

/** Slider values a preprocessor runs with (after correction). */
export interface ModuleParams {
  thresholdA: number
  thresholdB: number
}

function grey(image: RawImage): Float32Array {
  const out = new Float32Array(image.width * image.height)
  for (let i = 0; i < out.length; i++) {
    const r = image.data[i * 3] ?? 0
    const g = image.data[i * 3 + 1] ?? 0
    const b = image.data[i * 3 + 2] ?? 0
    out[i] = 0.299 * r + 0.587 * g + 0.114 * b
  }
  return out
}

function fromGrey(values: Float32Array, width: number, height: number): RawImage {
  const data = Buffer.alloc(width * height * 3)
  for (let i = 0; i < values.length; i++) {
    const v = Math.max(0, Math.min(255, Math.round(values[i] ?? 0)))
    data[i * 3] = v
    data[i * 3 + 1] = v
    data[i * 3 + 2] = v
  }
  return { data, width, height }
}

async function blurRgb(image: RawImage, sigma: number): Promise<RawImage> {
  if (sigma < 0.3) return image
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .blur(sigma)
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/** Sobel gradient magnitude of the luminance. */
function sobel(image: RawImage): Float32Array {
  const { width: w, height: h } = image
  const g = grey(image)
  const out = new Float32Array(w * h)
  const at = (x: number, y: number): number =>
    g[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))] ?? 0
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const gx =
        at(x + 1, y - 1) +
        2 * at(x + 1, y) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x - 1, y) -
        at(x - 1, y + 1)
      const gy =
        at(x - 1, y + 1) +
        2 * at(x, y + 1) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x, y - 1) -
        at(x + 1, y - 1)
      out[y * w + x] = Math.hypot(gx, gy)
    }
  }
  return out
}

async function canny(image: RawImage, low: number, high: number): Promise<RawImage> {
  const smooth = await blurRgb(image, 1.4)
  const mag = sobel(smooth)
  const strong = Math.max(high, low)
  const weak = Math.min(high, low)
  const out = new Float32Array(mag.length)
  const { width: w, height: h } = image
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const m = mag[y * w + x] ?? 0
      if (m >= strong) out[y * w + x] = 255
      else if (m >= weak) {
        let near = false
        for (let dy = -1; dy <= 1 && !near; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            if (
              (mag[
                Math.min(h - 1, Math.max(0, y + dy)) * w + Math.min(w - 1, Math.max(0, x + dx))
              ] ?? 0) >= strong
            ) {
              near = true
              break
            }
          }
        }
        out[y * w + x] = near ? 255 : 0
      }
    }
  }
  return fromGrey(out, w, h)
}

function softEdges(image: RawImage): RawImage {
  const mag = sobel(image)
  let max = 1
  for (const m of mag) if (m > max) max = m
  return fromGrey(
    mag.map((m) => Math.min(255, (m / max) * 255 * 1.5)),
    image.width,
    image.height,
  )
}

async function depth(image: RawImage): Promise<RawImage> {
  const blurred = await blurRgb(image, Math.max(2, Math.min(image.width, image.height) / 64))
  const g = grey(blurred)
  let min = 255
  let max = 0
  for (const v of g) {
    if (v < min) min = v
    if (v > max) max = v
  }
  const range = Math.max(1, max - min)
  return fromGrey(
    g.map((v) => ((v - min) / range) * 255),
    image.width,
    image.height,
  )
}

function threshold(image: RawImage, t: number): RawImage {
  return fromGrey(
    grey(image).map((v) => (v > t ? 255 : 0)),
    image.width,
    image.height,
  )
}

function invert(image: RawImage): RawImage {
  return fromGrey(
    grey(image).map((v) => 255 - v),
    image.width,
    image.height,
  )
}

async function pixelate(image: RawImage, cell: number): Promise<RawImage> {
  const w = Math.max(1, Math.round(image.width / cell))
  const h = Math.max(1, Math.round(image.height / cell))
  const small = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(w, h, { fit: 'fill' })
    .raw()
    .toBuffer()
  const { data, info } = await sharp(small, { raw: { width: w, height: h, channels: 3 } })
    .resize(image.width, image.height, { fit: 'fill', kernel: 'nearest' })
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

function posterize(image: RawImage, levels: number): RawImage {
  const step = 255 / (levels - 1)
  const data = Buffer.from(image.data.map((v) => Math.round(Math.round(v / step) * step)))
  return { data, width: image.width, height: image.height }
}

function black(image: RawImage): RawImage {
  return { data: Buffer.alloc(image.data.length), width: image.width, height: image.height }
}

/** A cheap stand-in for each preprocessor family, built from convolutions, blurs and curves. */
export async function runModule(
  module: string,
  image: RawImage,
  p: ModuleParams,
): Promise<RawImage> {
  if (module === 'canny') return canny(image, p.thresholdA, p.thresholdB)
  if (module === 'invert' || module === 'lineart_standard') return invert(image)
  if (module === 'threshold') return threshold(image, p.thresholdA)
  if (module === 'blur_gaussian') return blurRgb(image, Math.max(0.3, p.thresholdA))
  if (module.startsWith('tile')) return blurRgb(image, 2)
  if (module === 'color') return pixelate(image, 64)
  if (module.startsWith('depth') || module.startsWith('normal')) return depth(image)
  if (
    module.startsWith('lineart') ||
    module.startsWith('softedge') ||
    module.startsWith('hed') ||
    module.startsWith('pidinet') ||
    module.startsWith('scribble') ||
    module === 'mlsd'
  ) {
    return softEdges(await blurRgb(image, 1))
  }
  if (
    module.includes('openpose') ||
    module.startsWith('densepose') ||
    module === 'mediapipe_face'
  ) {
    return black(image)
  }
  if (
    module.startsWith('seg') ||
    module.startsWith('oneformer') ||
    module === 'anime_face_segment'
  ) {
    return posterize(await blurRgb(image, 3), 3)
  }
  if (module.startsWith('recolor')) return fromGrey(grey(image), image.width, image.height)
  if (module === 'shuffle') return blurRgb(image, 8)
  return image
}

export function isPoseModule(module: string): boolean {
  return module.includes('openpose')
}
