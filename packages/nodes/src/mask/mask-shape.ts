import { defineNode } from '@sdflow/engine'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { storeMask } from './mask-pixels.js'

const Px = (fallback: number, description: string, minimum = 0) =>
  Type.Integer({ minimum, maximum: 8192, default: fallback, description })

export const maskShape = defineNode({
  type: 'mask.shape',
  version: 1,
  title: 'Shape mask',
  category: 'mask',
  description:
    'Draws a white rectangle or ellipse (the part to change) on a black canvas of width x height.',
  params: Type.Object({
    shape: Type.Enum(['rect', 'ellipse'], { default: 'rect', description: 'what to draw' }),
    x: Px(128, 'left edge of the shape box, px'),
    y: Px(128, 'top edge of the shape box, px'),
    w: Px(256, 'width of the shape box, px', 1),
    h: Px(256, 'height of the shape box, px', 1),
    width: Px(512, 'canvas width, px', 1),
    height: Px(512, 'canvas height, px', 1),
    invert: Type.Boolean({ default: false, description: 'white outside the shape instead' }),
  }),
  inputs: {},
  outputs: { mask: Socket.Mask },
  resource: 'cpu',
  async execute({ params, artifacts }) {
    const { shape, x, y, w, h, width, height, invert } = params
    const inside = invert ? 0 : 255
    const data = Buffer.alloc(width * height, 255 - inside)
    const cx = x + w / 2
    const cy = y + h / 2
    for (let py = y; py < Math.min(height, y + h); py++) {
      // ellipse: the span of this pixel row's centre inside (dx / rx)^2 + (dy / ry)^2 <= 1
      let from = x
      let to = x + w
      if (shape === 'ellipse') {
        const dy = (py + 0.5 - cy) / (h / 2)
        const half = (w / 2) * Math.sqrt(Math.max(0, 1 - dy * dy))
        from = Math.ceil(cx - half - 0.5)
        to = Math.floor(cx + half - 0.5) + 1
      }
      from = Math.max(0, from)
      to = Math.min(width, to)
      if (to > from) data.fill(inside, py * width + from, py * width + to)
    }
    return { mask: [await storeMask(artifacts, { data, width, height })] }
  },
})
