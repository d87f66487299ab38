import { defineNode } from '@sdflow/engine'
import { fail, Socket } from '@sdflow/protocol'
import QRCode from 'qrcode'
import { Type } from 'typebox'
import { Colour, colour } from './colour.js'
import { paramPointer } from './param-pointer.js'
import { fromRaw, storePng } from './store-png.js'

export const qrCode = defineNode({
  type: 'image.qr-code',
  version: 1,
  title: 'QR code',
  category: 'image',
  description:
    'Renders text as a square QR code image with crisp modules, e.g. as a ControlNet input for QR art.',
  params: Type.Object({
    text: Type.String({ minLength: 1, description: 'the text or URL to encode' }),
    error_correction: Type.Enum(['L', 'M', 'Q', 'H'], {
      default: 'H',
      description: 'L 7%, M 15%, Q 25%, H 30% of the code may be damaged and still scan',
    }),
    size: Type.Integer({ minimum: 21, maximum: 4096, default: 512, description: 'side in px' }),
    margin: Type.Integer({
      minimum: 0,
      maximum: 40,
      default: 4,
      description: 'quiet zone around the code, in modules',
    }),
    dark: Colour('#000000', 'colour of the dark modules'),
    light: Colour(
      '#ffffff',
      'colour of the light modules and the margin; mid-grey #808080 for QR Code Monster illusion art',
    ),
    module_style: Type.Enum(['square', 'rounded', 'dots'], {
      default: 'square',
      description:
        'shape of the dark modules: square, rounded (joined, outer corners rounded) or dots; finder, timing and alignment patterns stay square',
    }),
  }),
  inputs: {},
  outputs: { image: Socket.Image },
  resource: 'cpu',
  async execute({ params, nodeId, artifacts }) {
    let matrix: QRCode.BitMatrix
    try {
      matrix = QRCode.create(params.text, { errorCorrectionLevel: params.error_correction }).modules
    } catch (error) {
      throw fail(
        'SDF_PARAM_INVALID',
        `the text cannot be encoded as a QR code (${(error as Error).message}); shorten it or use a lower error_correction`,
        { pointer: paramPointer(nodeId, 'text'), cause: error },
      )
    }
    const modules = matrix.size + 2 * params.margin
    if (params.size < modules) {
      throw fail(
        'SDF_PARAM_OUT_OF_RANGE',
        `size ${params.size} px is too small for ${modules} modules (code and margin); use a size of at least ${modules}, ideally a multiple of it`,
        { pointer: paramPointer(nodeId, 'size') },
      )
    }
    const pixels = render(matrix, params.margin, params.size, [params.dark, params.light], {
      style: params.module_style,
    })
    const image = await storePng(artifacts, fromRaw(pixels, params.size, params.size, 3))
    return { image: [image] }
  },
})

type ModuleStyle = 'square' | 'rounded' | 'dots'

/** Nearest-neighbour scale of modules plus margin to `size` x `size` RGB pixels. */
function render(
  matrix: QRCode.BitMatrix,
  margin: number,
  size: number,
  [dark, light]: [string, string],
  { style }: { style: ModuleStyle },
): Buffer {
  const modules = matrix.size + 2 * margin
  const ink = colour(dark)
  const paper = colour(light)
  // which module each pixel row/column falls in, minus the margin
  const moduleOf = Array.from({ length: size }, (_, p) => Math.floor((p * modules) / size) - margin)
  // where the pixel centre lies inside its module, 0..1
  const within = Array.from({ length: size }, (_, p) => {
    const at = ((p + 0.5) * modules) / size
    return at - Math.floor(at)
  })
  const isDark = (row: number, col: number) =>
    row >= 0 && col >= 0 && row < matrix.size && col < matrix.size && matrix.get(row, col) === 1
  const out = Buffer.alloc(size * size * 3)
  for (let y = 0; y < size; y++) {
    const row = moduleOf[y] ?? -1
    const v = within[y] ?? 0
    for (let x = 0; x < size; x++) {
      const col = moduleOf[x] ?? -1
      const inked =
        isDark(row, col) &&
        (style === 'square' || inShape(style, matrix, isDark, row, col, within[x] ?? 0, v))
      const c = inked ? ink : paper
      const i = (y * size + x) * 3
      out[i] = c.r
      out[i + 1] = c.g
      out[i + 2] = c.b
    }
  }
  return out
}

/** Whether point (u, v) of dark module (row, col) is inked in a rounded or dotted style. */
function inShape(
  style: ModuleStyle,
  matrix: QRCode.BitMatrix,
  isDark: (row: number, col: number) => boolean,
  row: number,
  col: number,
  u: number,
  v: number,
): boolean {
  // function patterns (finders, timing, alignment) stay square: scanners locate the code by them
  if (matrix.isReserved(row, col)) return true
  const dx = u - 0.5
  const dy = v - 0.5
  if (style === 'dots') return dx * dx + dy * dy <= 0.42 * 0.42
  // rounded: a corner is cut to a quarter circle when neither neighbour beside it is dark
  const side = dx < 0 ? -1 : 1
  const upDown = dy < 0 ? -1 : 1
  if (isDark(row, col + side) || isDark(row + upDown, col)) return true
  return dx * dx + dy * dy <= 0.25
}
