import sharp from 'sharp'
import type { RawImage } from './picture.js'

const MODE_FACTOR: Readonly<Record<string, number>> = {
  Balanced: 1,
  'My prompt is more important': 0.8,
  'ControlNet is more important': 1.2,
}

/** How strongly a unit steers the picture: weight × guided fraction × control-mode factor. */
export function controlStrength(
  weight: number,
  guidanceStart: number,
  guidanceEnd: number,
  controlMode: string,
): number {
  return weight * Math.max(0, guidanceEnd - guidanceStart) * (MODE_FACTOR[controlMode] ?? 1)
}

/**
 * Imprints the structure of `map` into `image`: bright map areas lighten the picture, dark ones
 * darken it, keeping some of its colour. Below strength 1 the map is blurred (a weak unit only
 * fixes coarse layout), so fine structure such as QR modules fades out; at ≥ 1 it stays sharp.
 */
export async function imprint(image: RawImage, map: RawImage, strength: number): Promise<RawImage> {
  if (strength <= 0) return image
  let control = map
  if (control.width !== image.width || control.height !== image.height) {
    const { data } = await sharp(map.data, {
      raw: { width: map.width, height: map.height, channels: 3 },
    })
      .resize(image.width, image.height, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true })
    control = { data, width: image.width, height: image.height }
  }
  const sigma = strength >= 1 ? 0 : (1 - strength) * (Math.min(image.width, image.height) / 24)
  const lum = await sharp(control.data, {
    raw: { width: control.width, height: control.height, channels: 3 },
  })
    .greyscale()
    .blur(sigma >= 0.3 ? sigma : false)
    .extractChannel(0)
    .raw()
    .toBuffer()
  const alpha = Math.min(0.9, 0.35 + 0.45 * strength)
  const out = Buffer.alloc(image.data.length)
  for (let i = 0; i < lum.length; i++) {
    const l = (lum[i] ?? 0) / 255
    for (let c = 0; c < 3; c++) {
      const p = image.data[i * 3 + c] ?? 0
      const target = 0.35 * p + 0.65 * 255 * l
      out[i * 3 + c] = Math.round(p * (1 - alpha) + target * alpha)
    }
  }
  return { data: out, width: image.width, height: image.height }
}
