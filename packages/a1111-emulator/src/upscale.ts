import sharp from 'sharp'
import { pythonException } from './api-error.js'
import { findUpscaler, type Upscaler } from './catalog.js'
import { encodePng, floor8, toRgb } from './image-io.js'
import type { RawImage } from './picture.js'
import { readPngText } from './png-text.js'
import { quote } from './py-format.js'

export interface UpscaleRequest {
  resizeMode: number
  upscalingResize: number
  upscalingResizeW: number
  upscalingResizeH: number
  upscalingCrop: boolean
  upscaler1: string
  upscaler2: string
  upscaler2Visibility: number
}

function lookup(name: string): Upscaler | null {
  if (name === 'None') return null
  const found = findUpscaler(name)
  if (!found) throw pythonException('AssertionError', `could not find upscaler named ${name}`)
  return found
}

/** Fails like `scripts/postprocessing_upscale.py` on unknown upscaler names (before any work). */
export function checkUpscalers(req: UpscaleRequest): void {
  lookup(req.upscaler1)
  lookup(req.upscaler2)
}

async function scaleWith(image: RawImage, upscaler: Upscaler, scale: number): Promise<RawImage> {
  const w = floor8(image.width * scale)
  const h = floor8(image.height * scale)
  let pipeline = sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  }).resize(w, h, { fit: 'fill', kernel: upscaler.kernel })
  if (upscaler.sharpen) pipeline = pipeline.sharpen({ sigma: 0.8 })
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/** PIL `paste` of the upscaled image centered onto a black width × height canvas. */
function centerCrop(image: RawImage, width: number, height: number): RawImage {
  const left = Math.floor(width / 2) - Math.floor(image.width / 2)
  const top = Math.floor(height / 2) - Math.floor(image.height / 2)
  const srcX = Math.max(0, -left)
  const srcY = Math.max(0, -top)
  const dstX = Math.max(0, left)
  const dstY = Math.max(0, top)
  const cw = Math.min(image.width - srcX, width - dstX)
  const ch = Math.min(image.height - srcY, height - dstY)
  const data = Buffer.alloc(width * height * 3)
  for (let y = 0; y < ch; y++) {
    const from = ((srcY + y) * image.width + srcX) * 3
    image.data.copy(data, ((dstY + y) * width + dstX) * 3, from, from + cw * 3)
  }
  return { data, width, height }
}

function blendImages(a: RawImage, b: RawImage, t: number): RawImage {
  const data = Buffer.alloc(a.data.length)
  for (let i = 0; i < data.length; i++)
    data[i] = Math.round((a.data[i] ?? 0) * (1 - t) + (b.data[i] ?? 0) * t)
  return { data, width: a.width, height: a.height }
}

export interface UpscaleResult {
  png: Buffer
  infotext: string
}

/** One image through the extras upscale step; returns the PNG and its `postprocessing` text. */
export async function upscaleImage(bytes: Buffer, req: UpscaleRequest): Promise<UpscaleResult> {
  const source = await toRgb(bytes)
  const info: [string, string | number][] = []
  const up1 = lookup(req.upscaler1)
  const up2 = lookup(req.upscaler2)
  let image = source
  if (up1) {
    const scale =
      req.resizeMode === 1
        ? Math.max(req.upscalingResizeW / source.width, req.upscalingResizeH / source.height)
        : req.upscalingResize
    if (req.resizeMode === 1)
      info.push(['Postprocess upscale to', `${req.upscalingResizeW}x${req.upscalingResizeH}`])
    else info.push(['Postprocess upscale by', req.upscalingResize])
    const crop = (img: RawImage): RawImage => {
      if (req.resizeMode !== 1 || !req.upscalingCrop) return img
      return centerCrop(img, req.upscalingResizeW, req.upscalingResizeH)
    }
    image = crop(await scaleWith(source, up1, scale))
    if (req.resizeMode === 1 && req.upscalingCrop)
      info.push(['Postprocess crop to', `${image.width}x${image.height}`])
    info.push(['Postprocess upscaler', up1.name])
    if (up2 && req.upscaler2Visibility > 0) {
      const second = crop(await scaleWith(source, up2, scale))
      if (second.width === image.width && second.height === image.height) {
        image = blendImages(image, second, req.upscaler2Visibility)
      }
      info.push(['Postprocess upscaler 2', up2.name])
    }
  }
  const infotext = info.map(([k, v]) => `${k}: ${quote(String(v))}`).join(', ')
  const texts: Record<string, string> = {}
  const parameters = readPngText(bytes).parameters
  if (parameters !== undefined) texts.parameters = parameters
  if (infotext) texts.postprocessing = infotext
  return { png: await encodePng(image, texts), infotext }
}

export function htmlInfo(infotext: string): string {
  const escaped = infotext
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#x27;')
  return `<p>${escaped}</p>`
}
