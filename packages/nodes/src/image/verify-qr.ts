import { sharp } from '@sdflow/engine'
import jsQRModule from 'jsqr'
import { readQrZxing } from './zxing.js'

/** One way of looking at the picture, as a phone camera might see it. */
export interface ScanVariant {
  /** e.g. `50%`, `50% blur`, `100% threshold`. */
  name: string
  /** The decoded text, '' when nothing decoded. */
  text: string
  /** Which decoder read it: ZXing-C++ first, jsQR as a second opinion on small views. */
  decoder?: 'zxing' | 'jsqr'
}

export interface ScanResult {
  /** Decoded (to `expected` when given) in at least `minScore` of the variants, and at least one. */
  ok: boolean
  /** The text most variants agree on ('' if none decoded). */
  text: string
  /** Fraction of variants that decoded to the right text. */
  score: number
  variants: ScanVariant[]
}

interface Variant {
  name: string
  scale: number
  blur?: number
  threshold?: boolean
}

/**
 * Sizes (100%, 50%, 25%) each sharp and lightly blurred, plus a greyscale-thresholded view at
 * full size: how a phone sees the picture from near, from afar, out of focus and in harsh
 * light. Each view also tries the inverted picture (light modules on dark).
 */
const VARIANTS: readonly Variant[] = [
  { name: '100%', scale: 1 },
  { name: '100% blur', scale: 1, blur: 1.2 },
  { name: '50%', scale: 0.5 },
  { name: '50% blur', scale: 0.5, blur: 1 },
  { name: '25%', scale: 0.25 },
  { name: '25% blur', scale: 0.25, blur: 0.8 },
  { name: '100% threshold', scale: 1, threshold: true },
]

/** The smallest side a variant is looked at with; below this a code cannot hold its modules. */
const MIN_SIDE = 48
/**
 * jsQR, about 7x slower than ZXing-C++, gives a second opinion only on views ZXing did not read
 * whose longer side is at most this: there it still reads some codes ZXing misses, cheaply.
 */
const JSQR_MAX_SIDE = 320

/**
 * Pictures larger than this on their longer side are looked at scaled down to it, as a phone
 * camera's frame would hold them: an 8192 px picture at full size would hold 256 MiB of RGBA
 * per view (and as much again in ZXing's WebAssembly memory, which never shrinks).
 */
export const MAX_SIDE = 2048

type Raw = { data: Buffer; width: number; height: number }

/**
 * Decode a picture as a QR code in several views. Never throws on an unreadable picture: no
 * code is a result (score 0), not an error. `expected` '' accepts any text.
 */
export async function verifyQr(
  png: Buffer,
  options: { expected?: string; minScore?: number; signal?: AbortSignal } = {},
): Promise<ScanResult> {
  const expected = options.expected ?? ''
  // decoded once, at 8 bits and at most MAX_SIDE: every view is derived from these pixels
  const { data, info } = await sharp(png)
    .removeAlpha()
    .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  const source: Raw = { data, width: info.width, height: info.height }
  const variants: ScanVariant[] = []
  for (const v of VARIANTS) {
    options.signal?.throwIfAborted()
    const w = Math.round(source.width * v.scale)
    const h = Math.round(source.height * v.scale)
    if (Math.min(w, h) < MIN_SIDE) {
      variants.push({ name: v.name, text: '' })
      continue
    }
    variants.push({ name: v.name, ...(await decodeVariant(source, info.channels, v, w, h)) })
  }
  const target = expected || mostCommon(variants.map((v) => v.text).filter(Boolean))
  const hits = target ? variants.filter((v) => v.text === target).length : 0
  const score = hits / variants.length
  return {
    ok: hits > 0 && score >= (options.minScore ?? 0),
    text: hits > 0 ? target : (variants.find((v) => v.text)?.text ?? ''),
    score,
    variants,
  }
}

async function decodeVariant(
  source: Raw,
  channels: number,
  v: Variant,
  w: number,
  h: number,
): Promise<Omit<ScanVariant, 'name'>> {
  let pipeline = sharp(source.data, {
    raw: { width: source.width, height: source.height, channels: channels as 1 | 2 | 3 | 4 },
  })
  if (w !== source.width || h !== source.height) {
    pipeline = pipeline.resize(w, h, { fit: 'fill', kernel: 'lanczos3' })
  }
  if (v.blur) pipeline = pipeline.blur(v.blur)
  // threshold() works on the luminance and keeps RGB (greyscale() first would give 1 channel)
  if (v.threshold) pipeline = pipeline.threshold(128)
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  const rgba = toRgba(data, info.channels)
  const text = await readQrZxing(rgba, info.width, info.height)
  if (text) return { text, decoder: 'zxing' }
  if (Math.max(info.width, info.height) > JSQR_MAX_SIDE) return { text: '' }
  const found = jsQRModule.default(rgba, info.width, info.height, {
    inversionAttempts: 'attemptBoth',
  })
  return found?.data ? { text: found.data, decoder: 'jsqr' } : { text: '' }
}

/** Both decoders want RGBA: widen grey or grey+alpha pixels if sharp kept them. */
function toRgba(data: Buffer, channels: number): Uint8ClampedArray {
  if (channels === 4) return new Uint8ClampedArray(data.buffer, data.byteOffset, data.length)
  const pixels = data.length / channels
  const out = new Uint8ClampedArray(pixels * 4)
  for (let i = 0; i < pixels; i++) {
    const grey = data[i * channels] ?? 0
    out[i * 4] = grey
    out[i * 4 + 1] = channels >= 3 ? (data[i * channels + 1] ?? 0) : grey
    out[i * 4 + 2] = channels >= 3 ? (data[i * channels + 2] ?? 0) : grey
    out[i * 4 + 3] = 255
  }
  return out
}

function mostCommon(texts: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1)
  let best = ''
  let most = 0
  for (const [t, n] of counts) {
    if (n > most) {
      best = t
      most = n
    }
  }
  return best
}
