import { defineNode, sharp } from '@sdflow/engine'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { fromRaw, storePng } from './store-png.js'

export const Patterns = ['spiral', 'checkerboard', 'rings', 'stripes', 'text'] as const
export type Pattern = (typeof Patterns)[number]

export const pattern = defineNode({
  type: 'image.pattern',
  version: 1,
  title: 'Pattern',
  category: 'image',
  description:
    'Renders a black-and-white pattern (spiral, checkerboard, concentric rings, stripes or text) as a greyscale control image for illusion art with QR Code Monster.',
  params: Type.Object({
    pattern: Type.Enum([...Patterns], { default: 'spiral' }),
    width: Type.Integer({ minimum: 8, maximum: 4096, default: 512 }),
    height: Type.Integer({ minimum: 8, maximum: 4096, default: 512 }),
    contrast: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 1,
      description: '1: black on white; 0: flat mid-grey (weaker imprint in the picture)',
    }),
    frequency: Type.Number({
      minimum: 0.5,
      maximum: 256,
      default: 6,
      description:
        'repeats across the shorter side: spiral turns, rings, stripe pairs, checker squares',
    }),
    arms: Type.Integer({ minimum: 1, maximum: 32, default: 1, description: 'spiral arms' }),
    rotation: Type.Number({
      minimum: -360,
      maximum: 360,
      default: 0,
      description: 'degrees, for spiral, checkerboard and stripes',
    }),
    soft: Type.Boolean({
      default: false,
      description: 'sine-shaped edges instead of hard ones (not for text)',
    }),
    text: Type.String({
      default: 'SDFLOW',
      description: 'for pattern text: rendered bold, as large as fits',
    }),
  }),
  inputs: {},
  outputs: { image: Socket.Image },
  resource: 'cpu',
  async execute({ params, artifacts }) {
    const { width, height } = params
    const grey =
      params.pattern === 'text'
        ? await renderText(params.text, width, height)
        : renderField(params.pattern, params)
    for (let i = 0; i < grey.length; i++) {
      grey[i] = Math.round(127.5 + ((grey[i] ?? 0) - 127.5) * params.contrast)
    }
    return { image: [await storePng(artifacts, fromRaw(grey, width, height, 1))] }
  },
})

interface FieldParams {
  width: number
  height: number
  frequency: number
  arms: number
  rotation: number
  soft: boolean
}

/** A periodic pattern as 1-channel pixels, 0 black to 255 white. */
function renderField(kind: Exclude<Pattern, 'text'>, p: FieldParams): Buffer {
  const out = Buffer.alloc(p.width * p.height)
  const short = Math.min(p.width, p.height)
  const turn = (p.rotation * Math.PI) / 180
  const cos = Math.cos(turn)
  const sin = Math.sin(turn)
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      // centred, rotated, in units of the shorter side
      const cx = (x + 0.5 - p.width / 2) / short
      const cy = (y + 0.5 - p.height / 2) / short
      const rx = cx * cos + cy * sin
      const ry = -cx * sin + cy * cos
      const phase = phaseOf(kind, rx, ry, p)
      const wave = Math.cos(2 * Math.PI * phase)
      const value = p.soft ? (wave + 1) / 2 : wave >= 0 ? 1 : 0
      out[y * p.width + x] = Math.round(value * 255)
    }
  }
  return out
}

/** Cycles at a point: the pattern is light where the phase is near a whole number. */
function phaseOf(kind: Exclude<Pattern, 'text'>, x: number, y: number, p: FieldParams): number {
  const r = Math.hypot(x, y)
  switch (kind) {
    case 'rings':
      return r * 2 * p.frequency
    case 'stripes':
      return x * p.frequency
    case 'spiral':
      return r * 2 * p.frequency + (p.arms * Math.atan2(y, x)) / (2 * Math.PI)
    case 'checkerboard': {
      // cells where the two square waves agree are light
      const s = Math.cos(Math.PI * x * p.frequency) * Math.cos(Math.PI * y * p.frequency)
      return Math.acos(Math.max(-1, Math.min(1, s))) / (2 * Math.PI)
    }
  }
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)

/** Bold black text on white, as large as fits, rendered by sharp's SVG renderer. */
async function renderText(text: string, width: number, height: number): Promise<Buffer> {
  const lines = text.split('\n')
  const longest = Math.max(1, ...lines.map((l) => [...l].length))
  // bold sans glyphs are about 0.65 em wide; lines 1.1 em apart
  const size = Math.max(
    4,
    Math.min((0.9 * width) / (0.65 * longest), (0.85 * height) / (1.1 * lines.length)),
  )
  const first = height / 2 - ((lines.length - 1) * 1.1 * size) / 2
  const tspans = lines
    .map(
      (line, i) =>
        `<text x="50%" y="${first + i * 1.1 * size}" font-size="${size}">${escapeXml(line)}</text>`,
    )
    .join('')
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/><g font-family="DejaVu Sans, sans-serif" font-weight="bold" text-anchor="middle" dominant-baseline="central" fill="#000">${tspans}</g></svg>`
  return sharp(Buffer.from(svg))
    .resize(width, height, { fit: 'fill' })
    .greyscale()
    .extractChannel(0)
    .raw()
    .toBuffer()
}
