import { type ArtifactStore, pixelBytes, sharp, withPixels } from '@sdflow/engine'
import type { ImageRef } from '@sdflow/protocol'
import jsQRModule from 'jsqr'
import type { Binarizer } from 'zxing-wasm/reader'
import { type Grey, gaussBlur, greyOf, halve, rgbaOf } from './qr-views.js'
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
  /** How often the picture is halved (each pixel the mean of 2x2): 0 = 100%, 1 = 50%, 2 = 25%. */
  halvings: number
  /** Gaussian sigma in pixels of the view, as sharp's `blur(sigma)`. */
  blur?: number
  /** Dark below 128 of ZXing's luminance, light above: a fixed threshold, not a local one. */
  threshold?: boolean
}

/**
 * Sizes (100%, 50%, 25%) each sharp and lightly blurred, plus a thresholded view at full size:
 * how a phone sees the picture from near, from afar, out of focus and in harsh light. Each
 * view also tries the inverted picture (light modules on dark).
 */
const VARIANTS: readonly Variant[] = [
  { name: '100%', halvings: 0 },
  { name: '100% blur', halvings: 0, blur: 1.2 },
  { name: '50%', halvings: 1 },
  { name: '50% blur', halvings: 1, blur: 1 },
  { name: '25%', halvings: 2 },
  { name: '25% blur', halvings: 2, blur: 0.8 },
  { name: '100% threshold', halvings: 0, threshold: true },
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

/**
 * What one picture holds while verified: its pixels as 8-bit RGBA (at most MAX_SIDE), their
 * luminance and the derived views beside them, and ZXing's own copies in its WebAssembly
 * memory; about 32 bytes a pixel of the picture as seen, measured at 2048 px
 * (bench/cpu-nodes-rss.ts; peak 283 -> 285-289 MiB when the views moved out of libvips).
 */
function qrVerifyBytes(ref: { width: number; height: number }): number {
  const scale = Math.min(1, MAX_SIDE / Math.max(ref.width, ref.height))
  const seen = { width: Math.ceil(ref.width * scale), height: Math.ceil(ref.height * scale) }
  return pixelBytes(seen, 32)
}

type VerifyOptions = { expected?: string; minScore?: number; signal?: AbortSignal }

/**
 * `verifyQr` of a stored image within the process's pixel budget, as every node that scans
 * does (image.qr-verify, sd.qr-illusion's candidates): scans queue instead of piling up beside
 * the CPU nodes.
 */
export function verifyStoredQr(
  artifacts: ArtifactStore,
  ref: ImageRef,
  options: VerifyOptions & { signal: AbortSignal },
): Promise<ScanResult> {
  return withPixels(options.signal, qrVerifyBytes(ref), async () =>
    verifyQr(await artifacts.read(ref), options),
  )
}

/**
 * Decode a picture as a QR code in several views. Never throws on an unreadable picture: no
 * code is a result (score 0), not an error. `expected` '' accepts any text.
 */
export async function verifyQr(png: Buffer, options: VerifyOptions = {}): Promise<ScanResult> {
  const expected = options.expected ?? ''
  // decoded once, at 8-bit RGBA and at most MAX_SIDE: every view is derived from these pixels
  const { data, info } = await sharp(png)
    .removeAlpha()
    .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const picture = new Uint8ClampedArray(data.buffer, data.byteOffset, data.length)
  // the picture's luminance halved as often as a view needs; each size is made once
  const sizes = [greyOf(data, info.width, info.height)]
  const sized = (halvings: number): Grey => {
    while (sizes.length <= halvings) sizes.push(halve(sizes[sizes.length - 1]!))
    return sizes[halvings]!
  }
  // the views that read the decoded picture itself go first; its buffer then holds the RGBA of
  // each derived view in turn: a fresh one a view made the collector run every other picture
  const direct = (v: Variant) => v.halvings === 0 && !v.blur
  const order = [...VARIANTS].sort((a, b) => Number(direct(b)) - Number(direct(a)))
  const read = new Map<string, Omit<ScanVariant, 'name'>>()
  for (const v of order) {
    options.signal?.throwIfAborted()
    const grey = sized(v.halvings)
    if (Math.min(grey.width, grey.height) < MIN_SIDE) {
      read.set(v.name, { text: '' })
      continue
    }
    const pixels = direct(v) ? picture : rgbaOf(v.blur ? gaussBlur(grey, v.blur) : grey, picture)
    const binarizer = v.threshold ? 'FixedThreshold' : 'LocalAverage'
    read.set(v.name, await decodeView(pixels, grey.width, grey.height, binarizer))
  }
  const variants: ScanVariant[] = VARIANTS.map((v) => ({
    name: v.name,
    ...(read.get(v.name) ?? { text: '' }),
  }))
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

async function decodeView(
  rgba: Uint8ClampedArray,
  width: number,
  height: number,
  binarizer: Binarizer,
): Promise<Omit<ScanVariant, 'name'>> {
  const text = await readQrZxing(rgba, width, height, binarizer)
  if (text) return { text, decoder: 'zxing' }
  if (Math.max(width, height) > JSQR_MAX_SIDE) return { text: '' }
  const found = jsQRModule.default(rgba, width, height, { inversionAttempts: 'attemptBoth' })
  return found?.data ? { text: found.data, decoder: 'jsqr' } : { text: '' }
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
