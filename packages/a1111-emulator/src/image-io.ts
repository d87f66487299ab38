import sharp, { type Sharp } from 'sharp'
import { httpException, pythonException } from './api-error.js'
import type { RawImage } from './picture.js'
import { withPngText } from './png-text.js'

/** PIL raises DecompressionBombError above 2 × MAX_IMAGE_PIXELS (89,478,485). */
export const MAX_INPUT_PIXELS = 2 * 89_478_485

export interface DecodeOptions {
  allowRequests: boolean
  forbidLocal: boolean
  signal: AbortSignal
}

function isLocalHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '::') return true
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h)
  if (!m) return h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80')
  const [a, b] = [Number(m[1]), Number(m[2])]
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  )
}

async function fetchImage(url: string, opts: DecodeOptions): Promise<Buffer> {
  if (!opts.allowRequests) throw httpException(500, 'Requests not allowed')
  if (opts.forbidLocal && isLocalHost(new URL(url).hostname)) {
    throw httpException(500, 'Request to local resource not allowed')
  }
  try {
    const res = await fetch(url, { signal: opts.signal })
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    return Buffer.from(await res.arrayBuffer())
  } catch {
    throw httpException(500, 'Invalid image url')
  }
}

/** Python `base64.b64decode` (non-validating): junk ignored, wrong padding is an error. */
function b64decode(text: string): Buffer | undefined {
  const cleaned = text.replace(/[^A-Za-z0-9+/=]/g, '')
  const body = cleaned.replace(/=+$/, '')
  if (body.includes('=')) return undefined
  if (body.length % 4 === 1) return undefined
  const padded = body.length % 4 === 0 ? 0 : 4 - (body.length % 4)
  if (cleaned.length - body.length < padded) return undefined
  return Buffer.from(body, 'base64')
}

/** A1 `decode_base64_to_image`: plain base64, `data:image/...;base64,` or an http(s) URL. */
export async function decodeInputBytes(encoding: unknown, opts: DecodeOptions): Promise<Buffer> {
  if (typeof encoding !== 'string') throw httpException(500, 'Invalid encoded image')
  if (encoding.startsWith('http://') || encoding.startsWith('https://')) {
    return fetchImage(encoding, opts)
  }
  let payload = encoding
  if (payload.startsWith('data:image/')) {
    const afterSemicolon = payload.split(';')[1]
    const data = afterSemicolon?.split(',')[1]
    if (data === undefined) throw pythonException('IndexError', 'list index out of range')
    payload = data
  }
  const bytes = b64decode(payload)
  if (!bytes || bytes.length === 0) throw httpException(500, 'Invalid encoded image')
  try {
    const meta = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata()
    if (!meta.width || !meta.height) throw new Error('no size')
  } catch {
    throw httpException(500, 'Invalid encoded image')
  }
  return bytes
}

export function openImage(bytes: Buffer): Sharp {
  return sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).rotate()
}

/** Decoded pixels, auto-oriented, as RGB. */
export async function toRgb(bytes: Buffer): Promise<RawImage> {
  const { data, info } = await openImage(bytes)
    .flatten({ background: '#000000' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

export interface RawGrey {
  data: Buffer
  width: number
  height: number
}

/** A single-channel image: luminance, or alpha when the image has a non-opaque alpha. */
export async function toMaskGrey(bytes: Buffer): Promise<RawGrey> {
  const img = openImage(bytes)
  const meta = await sharp(bytes).metadata()
  if (meta.hasAlpha) {
    const alpha = await img
      .clone()
      .extractChannel('alpha')
      .raw()
      .toBuffer({ resolveWithObject: true })
    if (alpha.data.some((v: number) => v !== 255)) {
      return { data: alpha.data, width: alpha.info.width, height: alpha.info.height }
    }
  }
  const { data, info } = await img
    .flatten({ background: '#000000' })
    .greyscale()
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

export async function encodePng(image: RawImage, texts: Readonly<Record<string, string>> = {}) {
  const png = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png({ compressionLevel: 3 })
    .toBuffer()
  return withPngText(png, texts)
}

export async function encodeGreyPng(image: RawGrey): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } })
    .png({ compressionLevel: 3 })
    .toBuffer()
}

export function floor8(n: number): number {
  return Math.max(8, Math.floor(n / 8) * 8)
}
