import sharp from 'sharp'
import type { RawGrey } from './image-io.js'
import type { RawImage } from './picture.js'

export interface MaskOptions {
  round: boolean
  invert: boolean
  blurX: number
  blurY: number
}

/** Binarize (`mask_round`), invert (`inpainting_mask_invert`), then Gaussian blur. */
export async function processMask(mask: RawGrey, opts: MaskOptions): Promise<RawGrey> {
  const data = Buffer.alloc(mask.data.length)
  for (let i = 0; i < data.length; i++) {
    let v = mask.data[i] ?? 0
    if (opts.round) v = v > 128 ? 255 : 0
    data[i] = opts.invert ? 255 - v : v
  }
  const sigma = Math.max(opts.blurX, opts.blurY)
  if (sigma < 0.3) return { data, width: mask.width, height: mask.height }
  const blurred = await sharp(data, {
    raw: { width: mask.width, height: mask.height, channels: 1 },
  })
    .blur(sigma)
    .extractChannel(0)
    .raw()
    .toBuffer()
  return { data: blurred, width: mask.width, height: mask.height }
}

export async function resizeGrey(
  mask: RawGrey,
  width: number,
  height: number,
  fit: 'fill' | 'cover' | 'contain',
) {
  if (mask.width === width && mask.height === height) return mask
  const data = await sharp(mask.data, {
    raw: { width: mask.width, height: mask.height, channels: 1 },
  })
    .resize(width, height, { fit, background: '#000000' })
    .extractChannel(0)
    .raw()
    .toBuffer()
  return { data, width, height }
}

export interface Region {
  x1: number
  y1: number
  x2: number
  y2: number
}

/** A1 `masking.get_crop_region_v2`: bbox of non-zero pixels grown by `pad`, or null if blank. */
export function cropRegion(mask: RawGrey, pad: number): Region | null {
  let x1 = mask.width
  let y1 = mask.height
  let x2 = -1
  let y2 = -1
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if ((mask.data[y * mask.width + x] ?? 0) > 0) {
        if (x < x1) x1 = x
        if (y < y1) y1 = y
        if (x > x2) x2 = x
        if (y > y2) y2 = y
      }
    }
  }
  if (x2 < 0) return null
  return {
    x1: Math.max(x1 - pad, 0),
    y1: Math.max(y1 - pad, 0),
    x2: Math.min(x2 + 1 + pad, mask.width),
    y2: Math.min(y2 + 1 + pad, mask.height),
  }
}

/** A1 `masking.expand_crop_region`: grow the region to the processing aspect ratio. */
export function expandRegion(r: Region, pw: number, ph: number, iw: number, ih: number): Region {
  const ratioProcessing = pw / ph
  if ((r.x2 - r.x1) / (r.y2 - r.y1) > ratioProcessing) {
    const diff = Math.trunc((r.x2 - r.x1) / ratioProcessing - (r.y2 - r.y1))
    const [y1, y2] = grow(r.y1, r.y2, diff, ih)
    return { ...r, y1, y2 }
  }
  const diff = Math.trunc((r.y2 - r.y1) * ratioProcessing - (r.x2 - r.x1))
  const [x1, x2] = grow(r.x1, r.x2, diff, iw)
  return { ...r, x1, x2 }
}

/** One side of expand_crop_region: widen [lo, hi) by `diff`, shifted back inside [0, size]. */
function grow(lo: number, hi: number, diff: number, size: number): [number, number] {
  let a = lo - Math.floor(diff / 2)
  let b = hi + diff - Math.floor(diff / 2)
  if (b >= size) {
    a -= b - size
    b = size
  }
  if (a < 0) {
    b -= a
    a = 0
  }
  return [a, Math.min(b, size)]
}

/** `base*(1-t) + over*t` per pixel. */
export function blend(base: RawImage, over: RawImage, t: number): RawImage {
  const data = Buffer.alloc(base.data.length)
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.round((base.data[i] ?? 0) * (1 - t) + (over.data[i] ?? 0) * t)
  }
  return { data, width: base.width, height: base.height }
}

/** Pastes `patch` at (x, y) into `base` through `mask` (same size as base): the overlay step. */
export function compositeMasked(
  base: RawImage,
  patch: RawImage,
  x: number,
  y: number,
  mask: RawGrey,
): RawImage {
  const data = Buffer.from(base.data)
  for (let py = 0; py < patch.height; py++) {
    const by = py + y
    if (by < 0 || by >= base.height) continue
    for (let px = 0; px < patch.width; px++) {
      const bx = px + x
      if (bx < 0 || bx >= base.width) continue
      const m = (mask.data[by * base.width + bx] ?? 0) / 255
      if (m === 0) continue
      const bi = (by * base.width + bx) * 3
      const pi = (py * patch.width + px) * 3
      for (let c = 0; c < 3; c++) {
        const b = base.data[bi + c] ?? 0
        data[bi + c] = Math.round(b + m * ((patch.data[pi + c] ?? 0) - b))
      }
    }
  }
  return { data, width: base.width, height: base.height }
}

export async function cropRaw(image: RawImage, r: Region): Promise<RawImage> {
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .extract({ left: r.x1, top: r.y1, width: r.x2 - r.x1, height: r.y2 - r.y1 })
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}
