// The jsQR-only verifier as it was before ZXing (issue 16 goal 5): the baseline bench/qr.ts
// measures the shipped verifier against, in the same run. Not used by sdflow itself.
import jsQRModule from 'jsqr'
import sharp from 'sharp'

/** One way of looking at the picture, as a phone camera might see it. */
export interface ScanVariant {
  /** e.g. `50%`, `50% blur`, `100% threshold`. */
  name: string
  /** The decoded text, '' when nothing decoded. */
  text: string
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
 * light. Each view also tries the inverted picture (light modules on dark) when the plain one
 * does not decode.
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
 * Decode a picture as a QR code in several views. Never throws on an unreadable picture: no
 * code is a result (score 0), not an error. `expected` '' accepts any text.
 */
export async function verifyQr(
  png: Buffer,
  options: { expected?: string; minScore?: number; signal?: AbortSignal } = {},
): Promise<ScanResult> {
  const expected = options.expected ?? ''
  const base = sharp(png).removeAlpha()
  const { width = 0, height = 0 } = await base.metadata()
  const variants: ScanVariant[] = []
  for (const v of VARIANTS) {
    options.signal?.throwIfAborted()
    const w = Math.round(width * v.scale)
    const h = Math.round(height * v.scale)
    if (Math.min(w, h) < MIN_SIDE) {
      variants.push({ name: v.name, text: '' })
      continue
    }
    variants.push({ name: v.name, text: await decodeVariant(png, v, w, h) })
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

async function decodeVariant(png: Buffer, v: Variant, w: number, h: number): Promise<string> {
  let pipeline = sharp(png).removeAlpha().resize(w, h, { fit: 'fill', kernel: 'lanczos3' })
  if (v.blur) pipeline = pipeline.blur(v.blur)
  // threshold() works on the luminance and keeps RGB (greyscale() first would give 1 channel)
  if (v.threshold) pipeline = pipeline.threshold(128)
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  const rgba = toRgba(data, info.channels)
  const found = jsQRModule.default(rgba, info.width, info.height, {
    inversionAttempts: 'attemptBoth',
  })
  return found?.data ?? ''
}

/** jsQR wants RGBA: widen grey or grey+alpha pixels if sharp kept them. */
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
